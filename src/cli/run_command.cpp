// `bufopt run MODEL`: plans as `bufopt MODEL` does, then computes one inference by parts in the
// planned arena and layer by layer, and proves them bit-identical (execute/plan_executor.h).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <filesystem>
#include <optional>
#include <set>

#include "bufopt/analysis/analyze.h"
#include "bufopt/execute/execution_check.h"
#include "bufopt/execute/npy_file.h"
#include "bufopt/execute/plan_executor.h"
#include "bufopt/execute/random_values.h"
#include "bufopt/graph/views.h"
#include "bufopt/onnx/import_program.h"
#include "bufopt/onnx/program_nodes.h"
#include "bufopt/report/execution_text.h"
#include "cli_common.h"
#include "mode_flags.h"

namespace bufopt::cli {

namespace {

namespace fs = std::filesystem;

/// Flags of `run` beyond the model flags.
struct RunFlags {
  double max_slowdown = 1.2;
  std::string platform = "cpu";
  std::vector<std::string> inputs;  ///< NAME=FILE
  uint64_t seed = 0;
  std::optional<uint64_t> random_weights;
  std::string outputs_dir;
};

void add_run_flags(CLI::App& app, RunFlags& flags) {
  app.add_option("--max-slowdown,-R", flags.max_slowdown, "Largest allowed slowdown vs layer by layer (>= 1)")
      ->check(CLI::Range(1.0, 1e6));
  app.add_option("--platform", flags.platform, "Preset (mcu, cpu, gpu) or a platform JSON file");
  app.add_option("--input", flags.inputs,
                 "NAME=FILE: the value of graph input NAME, a .npy or ONNX TensorProto .pb file (repeatable); "
                 "inputs in parameter positions (a Conv's W, Reshape's shape ...) become constants");
  app.add_option("--seed", flags.seed, "Seed of the pseudo-random values of inputs without --input (default 0)");
  app.add_option("--random-weights", flags.random_weights, "Replace every weight by dense values from this seed");
  app.add_option("--outputs", flags.outputs_dir, "Write every graph output to this directory (the inputs' format)");
}

/// One --input file.
struct InputFile {
  std::string path;
  bool protobuf = false;  ///< .pb (TensorProto), else .npy
  graph::ConstantTensor value;
};

std::map<std::string, InputFile> read_inputs(const std::vector<std::string>& specs) {
  std::map<std::string, InputFile> files;
  for (const std::string& spec : specs) {
    const size_t equals = spec.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size()) {
      throw CliError{kExitUsage, fmt::format("--input '{}': expected NAME=FILE", spec)};
    }
    InputFile file;
    const std::string name = spec.substr(0, equals);
    file.path = spec.substr(equals + 1);
    file.protobuf = fs::path(file.path).extension() == ".pb";
    try {
      file.value = file.protobuf ? onnx::read_tensor_file(file.path).tensor : execute::read_npy_file(file.path);
    } catch (const std::exception& error) {
      throw CliError{kExitUsage, fmt::format("--input {}: {}: {}", name, file.path, error.what())};
    }
    if (!files.emplace(name, std::move(file)).second) {
      throw CliError{kExitUsage, fmt::format("--input {} is given twice", name)};
    }
  }
  return files;
}

onnx::ExecutableModel load_executable(const ModelFlags& flags, const std::map<std::string, InputFile>& files) {
  onnx::ImportOptions options;
  options.input_shapes = parse_input_shapes(flags.input_shapes);
  options.fuse = !flags.no_fuse;
  options.limits = import_limits(flags.limits);
  for (const auto& [name, file] : files) options.input_values[name] = file.value;
  try {
    onnx::ExecutableModel model = onnx::import_executable_model(flags.model, options);
    for (const std::string& warning : model.graph.warnings) spdlog::warn("{}: {}", flags.model, warning);
    return model;
  } catch (const onnx::InputValueError& error) {
    throw CliError{kExitUsage, fmt::format("{}: {}", flags.model, error.what())};
  } catch (const onnx::ImportError& error) {
    throw CliError{kExitBadModel, fmt::format("{}: {}", flags.model, error.what())};
  }
}

/// --activation-bytes is accepted only when it is every buffer's own element size.
void check_activation_bytes(const ModelFlags& flags, const graph::Graph& graph) {
  if (flags.activation_bytes <= 0) return;
  for (const graph::Buffer& buffer : graph.buffers) {
    if (graph::dtype_bytes(buffer.dtype) != flags.activation_bytes) {
      throw CliError{kExitUsage,
                     fmt::format("run executes at the model's own element sizes: --activation-bytes {} differs from "
                                 "'{}' ({}, {} bytes); plans at other sizes are not executed",
                                 flags.activation_bytes, buffer.name, graph::dtype_name(buffer.dtype),
                                 graph::dtype_bytes(buffer.dtype))};
    }
  }
}

/// The activation inputs: the --input values of graph inputs, random ones for the rest.
execute::TensorMap activation_inputs(const onnx::ExecutableModel& model, const std::map<std::string, InputFile>& files,
                                     uint64_t seed) {
  execute::TensorMap given;
  for (const auto& [name, file] : files) {
    if (std::find(model.bound_inputs.begin(), model.bound_inputs.end(), name) != model.bound_inputs.end()) continue;
    const auto buffer =
        std::find_if(model.graph.buffers.begin(), model.graph.buffers.end(),
                     [&](const graph::Buffer& b) { return b.name == name && b.io == graph::IoRole::kInput; });
    if (buffer == model.graph.buffers.end()) {
      throw CliError{kExitUsage, fmt::format("--input {}: the model has no such input", name)};
    }
    given[name] = file.value;
    try {
      graph::Graph only_this;
      only_this.buffers = {*buffer};
      execute::check_inputs(only_this, {{name, file.value}});
    } catch (const std::invalid_argument& error) {
      throw CliError{kExitUsage, fmt::format("--input {}: {}: {}", name, file.path, error.what())};
    }
  }
  return execute::random_inputs(model.graph, given, seed);
}

/// A file name for output `name`: its characters outside [A-Za-z0-9._-] become '_'.
std::string file_stem(const std::string& name) {
  std::string stem;
  for (unsigned char c : name) stem += std::isalnum(c) || c == '.' || c == '_' || c == '-' ? static_cast<char>(c) : '_';
  return stem.empty() || stem[0] == '.' ? "output" + stem : stem;
}

/// Writes every output to `dir` (atomically, file by file) and records the file names.
void write_outputs(const std::string& dir, bool protobuf, const execute::ExecutionResult& result,
                   execute::ExecutionReport& report) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw CliError{kExitUsage, fmt::format("--outputs {}: cannot create the directory", dir)};
  std::set<std::string> taken;
  for (size_t i = 0; i < result.outputs.size(); ++i) {
    const execute::OutputTensor& output = result.outputs[i];
    std::string stem = file_stem(output.name);
    if (!taken.insert(stem).second) stem += fmt::format("_{}", i);
    taken.insert(stem);
    const std::string path = (fs::path(dir) / (stem + (protobuf ? ".pb" : ".npy"))).string();
    try {
      write_file(path,
                 protobuf ? onnx::serialize_tensor(output.name, output.tensor) : execute::serialize_npy(output.tensor));
    } catch (const std::runtime_error& failure) {
      throw CliError{kExitInternal, fmt::format("{}: {}", path, failure.what())};
    }
    report.outputs[i].file = path;
  }
}

}  // namespace

int run_main(int argc, char** argv) {
  CLI::App app{
      "bufopt run: plan as `bufopt MODEL` does, then compute one inference by parts inside the planned "
      "arena and layer by layer, and prove them bit-identical",
      "bufopt run"};
  app.footer(std::string("Inputs without --input get pseudo-random values from --seed.\n") + kExitCodesHelp);
  ModelFlags flags;
  RunFlags run_flags;
  add_model_flags(app, flags);
  add_run_flags(app, run_flags);
  ModeFlags mode_flags;
  add_mode_flags(app, mode_flags);
  if (const int code = parse_or_exit(app, argc, argv); code >= 0) return code;
  if (mode_flags.mode != "sequential") {
    throw CliError{kExitUsage, "run executes sequential plans only (--mode pipelined is not supported)"};
  }

  analysis::AnalysisOptions options;
  options.platform = resolve_platform(run_flags.platform);
  options.max_slowdown = run_flags.max_slowdown;
  options.stream_io = flags.stream_io;
  options.inplace = !flags.no_inplace;
  const std::map<std::string, InputFile> files = read_inputs(run_flags.inputs);
  onnx::ExecutableModel model = load_executable(flags, files);
  check_activation_bytes(flags, model.graph);
  if (run_flags.random_weights) execute::randomize_weights(model.program, *run_flags.random_weights);
  try {
    execute::check_supported(model.graph, model.program);
  } catch (const execute::UnsupportedModel& error) {
    throw CliError{kExitUnsupported, fmt::format("{}: {}", flags.model, error.what())};
  }
  const execute::TensorMap inputs = activation_inputs(model, files, run_flags.seed);
  apply_mode_flags(mode_flags, model.graph, options);
  const analysis::AnalysisResult result = analysis::analyze(model.graph, options);
  if (!result.verification.ok) {
    for (const std::string& error : result.verification.errors) spdlog::error("verifier: {}", error);
    throw CliError{kExitInternal,
                   fmt::format("{}: the answer failed independent verification (a bufopt bug)", flags.model)};
  }

  execute::ExecutionReport execution;
  execute::ExecutionResult by_parts;
  execute::ExecutionResult layer_by_layer;
  try {
    // By parts on the analysed graph (views eliminated: MODEL 4.1), layer by layer on the model's own.
    const graph::ModelProgram program = graph::without_view_actors(model.program, result.graph);
    execute::PlanExecutor executor(result.graph, program, result.evaluation);
    execution.arena_bytes = executor.arena_bytes();
    by_parts = executor.run(inputs);
    layer_by_layer = execute::run_layer_by_layer(model.graph, model.program, inputs);
  } catch (const execute::ExecutionError& error) {
    throw CliError{kExitInternal,
                   fmt::format("{}: the plan failed in execution (a bufopt bug): {}", flags.model, error.what())};
  }
  const execute::OutputComparison comparison = execute::compare_outputs(by_parts, layer_by_layer);
  execution.firings = by_parts.firings;
  execution.outside_arena = by_parts.outside_arena;
  execution.firings_layer_by_layer = layer_by_layer.firings;
  execution.bit_identical = comparison.bit_identical;
  execution.max_abs_diff = comparison.max_abs_diff;
  execution.seconds_by_parts = by_parts.seconds;
  execution.seconds_layer_by_layer = layer_by_layer.seconds;
  for (const execute::OutputTensor& output : by_parts.outputs) {
    execution.outputs.push_back({output.name, output.tensor.shape, output.tensor.dtype, ""});
  }
  if (!run_flags.outputs_dir.empty()) {
    const bool protobuf = !files.empty() && std::all_of(files.begin(), files.end(),
                                                        [](const auto& entry) { return entry.second.protobuf; });
    write_outputs(run_flags.outputs_dir, protobuf, by_parts, execution);
  }

  report::ModelReport model_report;
  model_report.model_path = flags.model;
  model_report.graph = &result.graph;
  model_report.activation_bytes = flags.activation_bytes;
  model_report.analysis = &result;
  model_report.execution = &execution;
  emit(flags, model_report,
       report::summary_text(model_report, text_options(flags)) + report::execution_text(execution));
  if (!comparison.bit_identical) {
    throw CliError{kExitInternal, fmt::format("{}: by parts and layer by layer differ (a bufopt bug): {}", flags.model,
                                              comparison.first_difference)};
  }
  return kExitOk;
}

}  // namespace bufopt::cli
