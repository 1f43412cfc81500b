// `bufopt pareto MODEL`: the memory / slowdown trade-off, as a table and (--svg) a figure.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bufopt/analysis/analyze.h"
#include "bufopt/report/svg_plot.h"
#include "bufopt/report/units.h"
#include "cli_common.h"
#include "export_outputs.h"

namespace bufopt::cli {

namespace {

/// Flags of the trade-off only.
struct ParetoFlags {
  double max_slowdown = 1.2;
  std::string platform = "cpu";
  int samples = report::kParetoSamples;
  std::string svg_path;
};

void add_pareto_flags(CLI::App& app, ParetoFlags& flags) {
  app.add_option("--max-slowdown,-R", flags.max_slowdown, "The slowdown to mark as the chosen plan (>= 1)")
      ->check(CLI::Range(1.0, 1e6));
  app.add_option("--platform", flags.platform, "Preset (mcu, cpu, gpu) or a platform JSON file");
  app.add_option("--samples", flags.samples, "Slowdowns sampled (each one optimisation)")->check(CLI::Range(2, 64));
  app.add_option("--svg", flags.svg_path, "Write the Pareto front and the per-buffer bars of the chosen plan (SVG)");
}

}  // namespace

int pareto_main(int argc, char** argv) {
  CLI::App app{
      "bufopt pareto: activation memory against the allowed slowdown, from R = 1 to every actor firing "
      "once per row",
      "bufopt pareto"};
  app.footer(kExitCodesHelp);
  ModelFlags flags;
  ParetoFlags pareto_flags;
  add_model_flags(app, flags);
  add_pareto_flags(app, pareto_flags);
  if (const int code = parse_or_exit(app, argc, argv); code >= 0) return code;
  ExportFlags exports;
  exports.svg_path = pareto_flags.svg_path;
  check_export_flags(exports, flags);

  analysis::AnalysisOptions options;
  options.platform = resolve_platform(pareto_flags.platform);
  options.max_slowdown = pareto_flags.max_slowdown;
  options.stream_io = flags.stream_io;
  options.inplace = !flags.no_inplace;
  const graph::Graph graph = load_model(flags);
  const analysis::AnalysisResult result = analysis::analyze(graph, options);
  if (!result.verification.ok) {
    for (const std::string& error : result.verification.errors) spdlog::error("verifier: {}", error);
    throw CliError{kExitInternal,
                   fmt::format("{}: the answer failed independent verification (a bufopt bug)", flags.model)};
  }
  const report::ParetoFront front =
      report::compute_pareto_front(result.graph, options, pareto_flags.samples, {options.max_slowdown});
  report::ModelReport model_report;
  model_report.model_path = flags.model;
  model_report.graph = &result.graph;
  model_report.activation_bytes = flags.activation_bytes;
  model_report.analysis = &result;
  model_report.pareto = &front;
  const std::string text =
      fmt::format("{} ({}): platform {}, sequential; whole tensors {}, shared layer by layer {}\n", flags.model,
                  graph.name, options.platform.name, report::format_bytes(result.baselines.baseline_bytes),
                  report::format_bytes(result.baselines.baseline_shared_bytes)) +
      report::pareto_text(front, result.baselines.baseline_shared_bytes);
  emit(flags, model_report, text);
  if (!pareto_flags.svg_path.empty()) write_file(pareto_flags.svg_path, report::analysis_svg(model_report, front));
  return kExitOk;
}

}  // namespace bufopt::cli
