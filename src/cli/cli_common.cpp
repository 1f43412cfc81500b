#include "cli_common.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "bufopt/onnx/import.h"
#include "bufopt/report/output_file.h"

namespace bufopt::cli {

const char* const kExitCodesHelp =
    "Exit codes: 0 success; 1 internal error; 2 usage error; 3 unreadable or invalid model\n"
    "            (or an input that is not a tensor); 4 constraint cannot be met or proved\n"
    "            (--budget; tensors of unknown size); 5 batch finished with failures;\n"
    "            6 run: the model has operators the executor cannot run.";

void add_model_flags(CLI::App& app, ModelFlags& flags) {
  app.add_option("model", flags.model, "ONNX model file")->required();
  app.add_option("--input-shape", flags.input_shapes, "Fix an input's shape, NAME=1x3x224x224 (repeatable)");
  app.add_flag("--no-fuse", flags.no_fuse, "Keep element-wise operators as separate actors");
  app.add_flag("--stream-io", flags.stream_io, "Count graph inputs/outputs as streamed FIFOs");
  app.add_flag("--no-inplace", flags.no_inplace,
               "Plain FIFO model: no view, in-place write or zero-copy Concat shares a storage (MODEL 4.1)");
  app.add_option("--activation-bytes", flags.activation_bytes, "Bytes per activation element (e.g. 1 for int8)")
      ->check(CLI::Range(int64_t{1}, int64_t{16}));
  app.add_option("--json", flags.json_path, "Write the JSON report to PATH ('-' for stdout)");
  app.add_option("--csv", flags.csv_path, "Write one CSV row per buffer to PATH ('-' for stdout)");
  app.add_flag("-q,--quiet", flags.quiet, "Print the summary line only");
  app.add_flag("-v,--verbose", flags.verbose, "Also print the firing schedule and the arena map");
  add_limit_flags(app, flags.limits);
}

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
  onnx::ImportOptions options;
  options.input_shapes = parse_input_shapes(flags.input_shapes);
  options.fuse = !flags.no_fuse;
  options.limits = import_limits(flags.limits);
  try {
    graph::Graph graph = onnx::import_model(flags.model, options);
    for (const std::string& warning : graph.warnings) spdlog::warn("{}: {}", flags.model, warning);
    if (flags.activation_bytes > 0) graph::set_activation_bytes(graph, flags.activation_bytes);
    return graph;
  } catch (const onnx::ImportError& error) {
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

int parse_or_exit(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    return app.exit(success);
  } catch (const CLI::ParseError& error) {
    std::cerr << "bufopt: error: " << error.what() << " (see --help)\n";
    return kExitUsage;
  }
  return -1;
}

}  // namespace bufopt::cli
