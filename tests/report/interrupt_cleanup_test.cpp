// An interrupted run leaves no partial output and no temporary file: the cleanup handler
// (interrupt_cleanup.h) in a child process, then the bufopt binary interrupted mid-run.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bufopt/report/interrupt_cleanup.h"
#include "bufopt/report/output_file.h"
#include "support/onnx_builder.h"

namespace bufopt::report {
namespace {

namespace fs = std::filesystem;

int wait_status(pid_t child) {
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, 0), child);
  return status;
}

TEST(InterruptCleanup, SignalRemovesRegisteredFilesOnlyAndEndsTheProcess) {
  testing::TempDir dir;
  const std::string pending = dir.file("pending.tmp");
  const std::string finished = dir.file("finished.tmp");
  testing::write_file(pending, "partial");
  testing::write_file(finished, "complete");
  for (const int signal : {SIGINT, SIGTERM}) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      install_interrupt_cleanup();
      { const PendingFile done(finished); }  // registration ended: must survive
      const PendingFile in_progress(pending);
      ::raise(signal);
      ::_exit(0);  // not reached: the signal's default action ends the process
    }
    const int status = wait_status(child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal) << status;
    EXPECT_FALSE(fs::exists(pending));
    EXPECT_TRUE(fs::exists(finished));
    testing::write_file(pending, "partial");
  }
}

TEST(InterruptCleanup, WithoutTheHandlersNothingIsRemoved) {
  testing::TempDir dir;
  const std::string pending = dir.file("pending.tmp");
  testing::write_file(pending, "partial");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGTERM, SIG_DFL);
    const PendingFile in_progress(pending);
    ::raise(SIGTERM);
    ::_exit(0);
  }
  const int status = wait_status(child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_TRUE(fs::exists(pending));
}

TEST(InterruptCleanup, FreedSlotsAreReused) {
  // More sequential registrations than slots: each one ends before the next begins.
  testing::TempDir dir;
  for (size_t i = 0; i < 2 * kPendingSlots; ++i) {
    const PendingFile file(dir.file("f" + std::to_string(i)));
    EXPECT_TRUE(file.registered()) << i;
  }
  EXPECT_FALSE(PendingFile(std::string(kPendingPathBytes, 'x')).registered());
}

/// A model whose analysis takes a noticeable time: a deep chain of convolutions on tall input.
std::string slow_model(const testing::TempDir& dir) {
  testing::OnnxBuilder builder;
  std::string x = builder.input("x", {1, 8, 256, 32});
  for (int i = 0; i < 40; ++i) x = builder.relu(builder.conv(x, 8, testing::ConvOptions::square(3, 1, 1)));
  builder.output(x);
  return builder.save(dir.file("slow.onnx"));
}

/// Starts the bufopt binary on `model` writing its JSON report to `json`; returns its pid.
pid_t start_bufopt(const std::string& model, const std::string& json) {
  const pid_t child = ::fork();
  if (child == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execl(BUFOPT_BINARY, BUFOPT_BINARY, model.c_str(), "--json", json.c_str(), "-q", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return child;
}

TEST(InterruptCleanup, InterruptedCliLeavesACompleteReportOrNone) {
  testing::TempDir dir;
  const std::string model = slow_model(dir);
  const fs::path out_dir = dir.path() / "out";
  fs::create_directory(out_dir);
  const std::string json = (out_dir / "report.json").string();
  int interrupted = 0;
  for (const int delay_ms : {0, 5, 20, 50, 100, 200, 400, 800}) {
    SCOPED_TRACE(delay_ms);
    fs::remove(json);
    const pid_t child = start_bufopt(model, json);
    ASSERT_GT(child, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(child, SIGINT);
    const int status = wait_status(child);
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(WTERMSIG(status), SIGINT);
      ++interrupted;
    } else {
      EXPECT_EQ(WEXITSTATUS(status), 0);
    }
    // Whatever the moment: the directory holds the complete report or nothing.
    for (const auto& entry : fs::directory_iterator(out_dir)) {
      EXPECT_EQ(entry.path().filename(), "report.json") << "left behind: " << entry.path();
    }
    if (fs::exists(json)) {
      std::ifstream file(json);
      std::stringstream text;
      text << file.rdbuf();
      EXPECT_TRUE(nlohmann::json::accept(text.str())) << "partial report";
    }
  }
  EXPECT_GT(interrupted, 0) << "no run was interrupted: the model analyses too fast for this test";
}

}  // namespace
}  // namespace bufopt::report
