#pragma once
/// Runs the bufopt binary in tests and captures what it printed.
#include <filesystem>
#include <string>

namespace bufopt::testing {

/// Exit code and output of one process run.
struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs `bufopt ARGS` (ARGS already shell-quoted) with the build's binary.
CommandResult run_bufopt(const std::string& args);

/// Single-quotes `text` for /bin/sh.
std::string shell_quote(const std::string& text);

/// The repository's source directory (models/, tests/data/).
std::string source_dir();

/// The whole contents of the file at `path`, byte for byte (empty if it cannot be read).
std::string read_file(const std::filesystem::path& path);

/// A fresh empty directory under the system temp dir, unique to this process and `name`.
std::string fresh_temp_dir(const std::string& name);

}  // namespace bufopt::testing
