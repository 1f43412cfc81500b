#include "export_outputs.h"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "bufopt/onnx/annotate.h"
#include "bufopt/report/annotations.h"
#include "bufopt/report/dot_export.h"
#include "bufopt/report/sdf3_export.h"
#include "bufopt/report/svg_plot.h"

namespace bufopt::cli {

namespace fs = std::filesystem;

namespace {

/// True when `a` and `b` name the same file: the same resolved path, or (both existing) the
/// same inode through a hard link.
bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  const fs::path resolved_a = fs::weakly_canonical(a, error);
  if (error) return false;
  const fs::path resolved_b = fs::weakly_canonical(b, error);
  if (error) return false;
  if (resolved_a == resolved_b) return true;
  const bool equivalent = fs::equivalent(a, b, error);
  return !error && equivalent;
}

}  // namespace

void add_export_flags(CLI::App& app, ExportFlags& flags) {
  app.add_option("-o,--output", flags.onnx_path, "Write a copy of the model with the result as bufopt.* metadata");
  app.add_option("--svg", flags.svg_path, "Write the memory/slowdown Pareto front and per-buffer bars (SVG)");
  app.add_option("--export-sdf3", flags.sdf3_path, "Write the CSDF graph with the capacities in SDF3 XML");
  app.add_option("--export-dot", flags.dot_path, "Write the graph with the capacities for Graphviz (DOT)");
}

void check_export_flags(const ExportFlags& flags, const ModelFlags& model_flags) {
  const std::pair<const char*, const std::string*> paths[] = {
      {"-o", &flags.onnx_path}, {"--svg", &flags.svg_path}, {"--export-sdf3", &flags.sdf3_path},
      {"--export-dot", &flags.dot_path}};
  for (const auto& [flag, path] : paths) {
    if (*path == "-") throw CliError{kExitUsage, fmt::format("{} needs a file path ('-' is for --json and --csv)", flag)};
    if (!path->empty() && same_file(*path, model_flags.model)) {
      throw CliError{kExitUsage, fmt::format("{} '{}' is the input model; bufopt never overwrites its input", flag, *path)};
    }
  }
}

std::optional<report::ParetoFront> pareto_for_exports(const ExportFlags& flags, const graph::Graph& graph,
                                                      const analysis::AnalysisOptions& options) {
  // The trade-off is the sequential optimizer's; a pipelined figure shows the chosen plan only.
  if (flags.svg_path.empty() || options.mode != analysis::Mode::kSequential) return std::nullopt;
  return report::compute_pareto_front(graph, options, report::kParetoSamples, {options.max_slowdown});
}

void write_exports(const ExportFlags& flags, const ModelFlags& model_flags, const report::ModelReport& model_report,
                   const std::optional<report::ParetoFront>& front) {
  if (!flags.svg_path.empty()) {
    write_file(flags.svg_path, report::analysis_svg(model_report, front ? *front : report::ParetoFront{}));
  }
  if (!flags.sdf3_path.empty()) write_file(flags.sdf3_path, report::to_sdf3(model_report));
  if (!flags.dot_path.empty()) write_file(flags.dot_path, report::to_dot(model_report));
  if (!flags.onnx_path.empty()) {
    std::string bytes;
    try {
      bytes = onnx::annotated_model_bytes(model_flags.model, flags.onnx_path,
                                                 report::annotation_entries(model_report, BUFOPT_VERSION));
    } catch (const onnx::ImportError& error) {
      throw CliError{kExitBadModel, fmt::format("{}: cannot write the annotated copy: {}", model_flags.model, error.what())};
    }
    write_file(flags.onnx_path, bytes);
  }
}

}  // namespace bufopt::cli
