// bufopt's entry point: picks the command from argv[1] and turns failures into one line and
// an exit code (MODEL 9). Commands parse their own flags and call the library.
#include <iostream>
#include <string_view>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "bufopt/report/interrupt_cleanup.h"
#include "cli_common.h"

namespace bufopt::cli {

namespace {

/// A subcommand: `bufopt NAME ...`.
struct Command {
  std::string_view name;
  int (*main)(int argc, char** argv);
};

constexpr Command kCommands[] = {
    {"inspect", inspect_main},
    {"pareto", pareto_main},
    {"batch", batch_main},
    {"run", run_main},
};

int run(int argc, char** argv) {
  if (argc > 1) {
    for (const Command& command : kCommands) {
      if (command.name == argv[1]) return command.main(argc - 1, argv + 1);
    }
  }
  return analyze_main(argc, argv);
}

}  // namespace

}  // namespace bufopt::cli

int main(int argc, char** argv) {
  bufopt::report::install_interrupt_cleanup();  // an interrupted run leaves no partial output
  spdlog::set_default_logger(spdlog::stderr_color_mt("bufopt"));
  spdlog::set_pattern("bufopt: %l: %v");
  try {
    return bufopt::cli::run(argc, argv);
  } catch (const bufopt::cli::CliError& error) {
    std::cerr << "bufopt: error: " << error.message << "\n";
    return error.code;
  } catch (const std::exception& error) {
    std::cerr << "bufopt: internal error: " << error.what() << "\n";
    return bufopt::cli::kExitInternal;
  }
}
