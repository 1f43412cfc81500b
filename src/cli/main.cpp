// bufopt's command line: parses flags, calls the library, writes the results. No analysis here.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/baselines.h"
#include "bufopt/analysis/platform.h"
#include "bufopt/onnx/import.h"
#include "bufopt/report/model_report.h"
#include "bufopt/report/output_file.h"
#include "bufopt/report/units.h"
#include "exit_codes.h"

namespace bufopt::cli {

namespace {

/// A failure that ends the run with `code` after printing `message` as one line.
struct CliError {
  int code;
  std::string message;
};

/// Flags shared by `inspect` and the analysis.
struct ModelFlags {
  std::string model;
  std::vector<std::string> input_shapes;
  bool no_fuse = false;
  bool stream_io = false;
  int64_t activation_bytes = 0;
  std::string json_path;
  std::string csv_path;
  bool quiet = false;
  bool verbose = false;
};

/// Flags of the analysis only.
struct AnalyzeFlags {
  double max_slowdown = 1.2;
  std::string platform = "cpu";
  std::string budget;
};

std::map<std::string, std::vector<int64_t>> parse_input_shapes(const std::vector<std::string>& specs) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const std::string& spec : specs) {
    const size_t equals = spec.rfind('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size()) {
      throw CliError{kExitUsage, fmt::format("--input-shape '{}': expected NAME=DIMxDIMx...", spec)};
    }
    std::vector<int64_t> dims;
    std::stringstream stream(spec.substr(equals + 1));
    std::string part;
    while (std::getline(stream, part, 'x')) {
      size_t used = 0;
      int64_t dim = -1;
      try {
        dim = std::stoll(part, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != part.size() || part.empty() || dim <= 0) {
        throw CliError{kExitUsage, fmt::format("--input-shape '{}': '{}' is not a positive dim", spec, part)};
      }
      dims.push_back(dim);
    }
    shapes[spec.substr(0, equals)] = dims;
  }
  return shapes;
}

analysis::Platform resolve_platform(const std::string& name) {
  if (auto preset = analysis::platform_preset(name)) return *preset;
  std::ifstream file(name);
  if (!file) {
    throw CliError{kExitUsage, fmt::format("--platform '{}': neither a preset ({}) nor a readable JSON file", name,
                                           fmt::join(analysis::platform_preset_names(), ", "))};
  }
  std::stringstream text;
  text << file.rdbuf();
  try {
    return analysis::parse_platform_json(text.str());
  } catch (const std::invalid_argument& error) {
    throw CliError{kExitUsage, fmt::format("--platform '{}': {}", name, error.what())};
  }
}

graph::Graph load_model(const ModelFlags& flags) {
  onnx_import::ImportOptions options;
  options.input_shapes = parse_input_shapes(flags.input_shapes);
  options.fuse = !flags.no_fuse;
  try {
    graph::Graph graph = onnx_import::import_model(flags.model, options);
    for (const std::string& warning : graph.warnings) spdlog::warn("{}: {}", flags.model, warning);
    if (flags.activation_bytes > 0) graph::set_activation_bytes(graph, flags.activation_bytes);
    return graph;
  } catch (const onnx_import::ImportError& error) {
    throw CliError{kExitBadModel, fmt::format("{}: {}", flags.model, error.what())};
  }
}

void write_file(const std::string& path, const std::string& content) {
  try {
    report::write_output(path, content);
  } catch (const std::runtime_error& error) {
    throw CliError{kExitInternal, error.what()};
  }
}

/// Writes the machine outputs; prints `text` unless JSON goes to stdout.
void emit(const ModelFlags& flags, const report::ModelReport& model_report, const std::string& text) {
  if (!flags.json_path.empty()) write_file(flags.json_path, report::to_json(model_report));
  if (!flags.csv_path.empty()) write_file(flags.csv_path, report::to_csv(model_report));
  if (flags.json_path != "-" && flags.csv_path != "-") std::cout << text;
}

report::TextOptions text_options(const ModelFlags& flags) {
  report::TextOptions options;
  options.quiet = flags.quiet;
  options.verbose = flags.verbose;
  options.color = ::isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
  return options;
}

int run_inspect(const ModelFlags& flags) {
  const graph::Graph graph = load_model(flags);
  report::ModelReport model_report;
  model_report.model_path = flags.model;
  model_report.graph = &graph;
  model_report.stream_io = flags.stream_io;
  model_report.activation_bytes = flags.activation_bytes;
  model_report.baselines = analysis::whole_tensor_baselines(graph, flags.stream_io);
  emit(flags, model_report, report::inspect_text(model_report, text_options(flags)));
  return kExitOk;
}

int run_analyze(const ModelFlags& flags, const AnalyzeFlags& analyze_flags) {
  analysis::AnalysisOptions options;
  options.platform = resolve_platform(analyze_flags.platform);
  options.max_slowdown = analyze_flags.max_slowdown;
  options.stream_io = flags.stream_io;
  std::optional<int64_t> budget;
  if (!analyze_flags.budget.empty()) {
    budget = report::parse_size(analyze_flags.budget);
    if (!budget) throw CliError{kExitUsage, fmt::format("--budget '{}': expected bytes, e.g. 512KiB or 2M", analyze_flags.budget)};
  }
  const graph::Graph graph = load_model(flags);
  const analysis::AnalysisResult result = analysis::analyze(graph, options);
  if (!result.verification.ok) {
    for (const std::string& error : result.verification.errors) spdlog::error("verifier: {}", error);
    throw CliError{kExitInternal, fmt::format("{}: the answer failed independent verification (a bufopt bug)", flags.model)};
  }
  report::ModelReport model_report;
  model_report.model_path = flags.model;
  model_report.graph = &graph;
  model_report.platform = options.platform;
  model_report.stream_io = flags.stream_io;
  model_report.activation_bytes = flags.activation_bytes;
  model_report.baselines = result.baselines;
  model_report.analysis = &result;
  emit(flags, model_report, report::summary_text(model_report, text_options(flags)));
  if (budget && result.evaluation.shared_bytes > *budget) {
    throw CliError{kExitConstraint, fmt::format("{}: arena {} exceeds --budget {} at --max-slowdown {}", flags.model,
                                                report::format_bytes(result.evaluation.shared_bytes),
                                                report::format_bytes(*budget), options.max_slowdown)};
  }
  return kExitOk;
}

void add_model_flags(CLI::App& app, ModelFlags& flags) {
  app.add_option("model", flags.model, "ONNX model file")->required();
  app.add_option("--input-shape", flags.input_shapes, "Fix an input's shape, NAME=1x3x224x224 (repeatable)");
  app.add_flag("--no-fuse", flags.no_fuse, "Keep element-wise operators as separate actors");
  app.add_flag("--stream-io", flags.stream_io, "Count graph inputs/outputs as streamed FIFOs");
  app.add_option("--activation-bytes", flags.activation_bytes, "Bytes per activation element (e.g. 1 for int8)")
      ->check(CLI::Range(int64_t{1}, int64_t{16}));
  app.add_option("--json", flags.json_path, "Write the JSON report to PATH ('-' for stdout)");
  app.add_option("--csv", flags.csv_path, "Write one CSV row per buffer to PATH ('-' for stdout)");
  app.add_flag("-q,--quiet", flags.quiet, "Print the summary line only");
  app.add_flag("-v,--verbose", flags.verbose, "Also print the firing schedule and the arena map");
}

constexpr const char* kExitCodesHelp =
    "Exit codes: 0 success; 1 internal error; 2 usage error; 3 unreadable or invalid model;\n"
    "            4 constraint cannot be met (--budget); 5 batch finished with failures.";

int run(int argc, char** argv) {
  const bool inspect = argc > 1 && std::string(argv[1]) == "inspect";
  CLI::App app{inspect ? "bufopt inspect: list a model's actors, buffers and whole-tensor baselines"
                       : "bufopt: minimal FIFO buffers for CNN inference by parts under a slowdown bound",
               inspect ? "bufopt inspect" : "bufopt"};
  app.footer(std::string("Commands: bufopt MODEL [options] (analyse), bufopt inspect MODEL [options].\n") + kExitCodesHelp);
  app.set_version_flag("--version", std::string("bufopt ") + BUFOPT_VERSION);
  ModelFlags flags;
  AnalyzeFlags analyze_flags;
  add_model_flags(app, flags);
  if (!inspect) {
    app.add_option("--max-slowdown,-R", analyze_flags.max_slowdown, "Largest allowed slowdown vs layer by layer (>= 1)")
        ->check(CLI::Range(1.0, 1e6));
    app.add_option("--platform", analyze_flags.platform, "Preset (mcu, cpu, gpu) or a platform JSON file");
    app.add_option("--budget", analyze_flags.budget, "Fail (exit 4) if the arena exceeds this size (e.g. 256KiB)");
  }
  try {
    app.parse(inspect ? argc - 1 : argc, inspect ? argv + 1 : argv);
  } catch (const CLI::Success& success) {
    return app.exit(success);
  } catch (const CLI::ParseError& error) {
    std::cerr << "bufopt: error: " << error.what() << " (see --help)\n";
    return kExitUsage;
  }
  return inspect ? run_inspect(flags) : run_analyze(flags, analyze_flags);
}

}  // namespace

}  // namespace bufopt::cli

int main(int argc, char** argv) {
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
