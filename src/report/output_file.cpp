#include "bufopt/report/output_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bufopt/report/interrupt_cleanup.h"

namespace bufopt::report {

namespace {

std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write: " + errno_text());
    }
    content.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace

void write_output(const std::string& path, std::string_view content) {
  if (path == "-") {
    std::cout << content;
    std::cout.flush();
    return;
  }
  const std::filesystem::path target(path);
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX")).string();
  if (target.parent_path().empty()) temp = "." + target.filename().string() + ".XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw std::runtime_error("cannot create a file next to '" + path + "': " + errno_text());
  const PendingFile pending(temp);  // removed if the process is interrupted before the rename
  try {
    write_all(fd, content);
    if (::fsync(fd) != 0) throw std::runtime_error("cannot flush: " + errno_text());
    ::fchmod(fd, 0644);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot close '" + path + "': " + errno_text());
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = errno_text();
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " + reason);
  }
}

}  // namespace bufopt::report
