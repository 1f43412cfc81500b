// `bufopt MODEL`: the optimised plan, verified, with its memory/throughput summary.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <optional>

#include "bufopt/analysis/analyze.h"
#include "bufopt/graph/unknown_sizes.h"
#include "bufopt/report/units.h"
#include "cli_common.h"
#include "export_outputs.h"
#include "mode_flags.h"

namespace bufopt::cli {

namespace {

/// Flags of the analysis only.
struct AnalyzeFlags {
  double max_slowdown = 1.2;
  std::string platform = "cpu";
  std::string budget;
};

void add_analyze_flags(CLI::App& app, AnalyzeFlags& flags) {
  app.add_option("--max-slowdown,-R", flags.max_slowdown, "Largest allowed slowdown vs layer by layer (>= 1)")
      ->check(CLI::Range(1.0, 1e6));
  app.add_option("--platform", flags.platform, "Preset (mcu, cpu, gpu) or a platform JSON file");
  app.add_option("--budget", flags.budget, "Fail (exit 4) if the arena exceeds this size (e.g. 256KiB)");
}

/// MODEL 9: a budget cannot be proved to fit when the figures exclude tensors of unknown size.
void check_budget_provable(const std::optional<int64_t>& budget, const graph::Graph& graph, const ModelFlags& flags) {
  if (!budget) return;
  const std::vector<graph::BufferId> unknown = graph::unknown_size_buffers(graph, flags.stream_io);
  if (unknown.empty()) return;
  throw CliError{kExitConstraint,
                 fmt::format("{}: cannot prove it fits --budget {}: the figures exclude {} tensor(s) of unknown size "
                             "(first '{}')",
                             flags.model, report::format_bytes(*budget), unknown.size(),
                             graph.buffers[static_cast<size_t>(unknown.front())].name)};
}

std::optional<int64_t> parse_budget(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto budget = report::parse_size(text);
  if (!budget) throw CliError{kExitUsage, fmt::format("--budget '{}': expected bytes, e.g. 512KiB or 2M", text)};
  return budget;
}

}  // namespace

int analyze_main(int argc, char** argv) {
  CLI::App app{"bufopt: minimal FIFO buffers for CNN inference by parts under a slowdown bound", "bufopt"};
  app.footer(std::string("Commands: bufopt MODEL [options] (analyse), bufopt inspect MODEL [options],\n"
                         "bufopt pareto MODEL [options] (memory against slowdown),\n"
                         "bufopt run MODEL [options] (execute the plan by parts and prove it).\n") +
             kExitCodesHelp);
  app.set_version_flag("--version", std::string("bufopt ") + BUFOPT_VERSION);
  ModelFlags flags;
  AnalyzeFlags analyze_flags;
  add_model_flags(app, flags);
  add_analyze_flags(app, analyze_flags);
  ModeFlags mode_flags;
  add_mode_flags(app, mode_flags);
  ExportFlags export_flags;
  add_export_flags(app, export_flags);
  if (const int code = parse_or_exit(app, argc, argv); code >= 0) return code;

  analysis::AnalysisOptions options;
  options.platform = resolve_platform(analyze_flags.platform);
  options.max_slowdown = analyze_flags.max_slowdown;
  options.stream_io = flags.stream_io;
  options.inplace = !flags.no_inplace;
  const std::optional<int64_t> budget = parse_budget(analyze_flags.budget);
  check_export_flags(export_flags, flags);
  const graph::Graph graph = load_model(flags);
  apply_mode_flags(mode_flags, graph, options);
  const analysis::AnalysisResult result = analysis::analyze(graph, options);
  if (!result.verification.ok) {
    for (const std::string& error : result.verification.errors) spdlog::error("verifier: {}", error);
    throw CliError{kExitInternal,
                   fmt::format("{}: the answer failed independent verification (a bufopt bug)", flags.model)};
  }
  report::ModelReport model_report;
  model_report.model_path = flags.model;
  model_report.graph = &result.graph;  // the analysed graph (views eliminated)
  model_report.activation_bytes = flags.activation_bytes;
  model_report.analysis = &result;
  const std::optional<report::ParetoFront> front = pareto_for_exports(export_flags, result.graph, options);
  model_report.pareto = front ? &*front : nullptr;
  emit(flags, model_report, report::summary_text(model_report, text_options(flags)));
  write_exports(export_flags, flags, model_report, front);
  check_budget_provable(budget, graph, flags);
  if (budget && result.evaluation.shared_bytes() > *budget) {
    throw CliError{kExitConstraint, fmt::format("{}: arena {} exceeds --budget {} at --max-slowdown {}", flags.model,
                                                report::format_bytes(result.evaluation.shared_bytes()),
                                                report::format_bytes(*budget), options.max_slowdown)};
  }
  return kExitOk;
}

}  // namespace bufopt::cli
