#pragma once
/// What every bufopt command shares: exit codes, the one-line error, model loading and output.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bufopt/analysis/platform.h"
#include "bufopt/graph/graph.h"
#include "bufopt/report/model_report.h"
#include "limit_flags.h"

namespace bufopt::cli {

/// The process exit codes of MODEL 9 (stable: scripts depend on them).
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,      ///< a bug or an unexpected failure
  kExitUsage = 2,         ///< bad flag or value
  kExitBadModel = 3,      ///< unreadable or invalid model
  kExitConstraint = 4,    ///< --budget, or no answer within --max-slowdown
  kExitBatchPartial = 5,  ///< `batch` finished but some models failed
  kExitUnsupported = 6,   ///< `run`: the model has operators the executor cannot run
};

/// The exit-code table for --help footers.
extern const char* const kExitCodesHelp;

/// A failure that ends the run with `code` after printing `message` as one line.
struct CliError {
  int code;
  std::string message;
};

/// Flags shared by the commands that read one model.
struct ModelFlags {
  std::string model;
  std::vector<std::string> input_shapes;
  bool no_fuse = false;
  bool stream_io = false;
  bool no_inplace = false;  ///< MODEL 4.1 off: the plain FIFO model
  int64_t activation_bytes = 0;
  std::string json_path;
  std::string csv_path;
  bool quiet = false;
  bool verbose = false;
  LimitFlags limits;
};

/// Registers the ModelFlags options on `app` (the limit flags included).
void add_model_flags(CLI::App& app, ModelFlags& flags);

/// Parses --input-shape NAME=1x3x224x224 values. Throws CliError (usage) when malformed.
std::map<std::string, std::vector<int64_t>> parse_input_shapes(const std::vector<std::string>& specs);

/// A preset name or a platform JSON file. Throws CliError (usage).
analysis::Platform resolve_platform(const std::string& name);

/// Imports flags.model (fusion, input shapes, activation bytes applied). Throws CliError
/// (bad model) naming the file; logs the import's warnings.
graph::Graph load_model(const ModelFlags& flags);

/// Writes `content` atomically to `path` ("-": stdout). Throws CliError (internal).
void write_file(const std::string& path, const std::string& content);

/// Writes --json / --csv, and prints `text` unless one of them goes to stdout.
void emit(const ModelFlags& flags, const report::ModelReport& model_report, const std::string& text);

/// Terminal switches from the flags (colour only on a terminal, and never with NO_COLOR).
report::TextOptions text_options(const ModelFlags& flags);

/// Parses argv with `app`; returns an exit code to stop with (help, version, usage error) or -1
/// to continue.
int parse_or_exit(CLI::App& app, int argc, char** argv);

/// The commands; each parses its own arguments (argv[0] is the command name).
int analyze_main(int argc, char** argv);
int inspect_main(int argc, char** argv);
int pareto_main(int argc, char** argv);
int batch_main(int argc, char** argv);
int run_main(int argc, char** argv);

}  // namespace bufopt::cli
