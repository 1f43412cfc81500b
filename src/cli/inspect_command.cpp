// `bufopt inspect MODEL`: the graph and its whole-tensor baselines, no analysis.
#include "bufopt/analysis/baselines.h"
#include "cli_common.h"

namespace bufopt::cli {

int inspect_main(int argc, char** argv) {
  CLI::App app{"bufopt inspect: list a model's actors, buffers and whole-tensor baselines", "bufopt inspect"};
  app.footer(kExitCodesHelp);
  ModelFlags flags;
  add_model_flags(app, flags);
  if (const int code = parse_or_exit(app, argc, argv); code >= 0) return code;

  const graph::Graph graph = load_model(flags);
  report::ModelReport model_report;
  model_report.model_path = flags.model;
  model_report.graph = &graph;
  model_report.activation_bytes = flags.activation_bytes;
  model_report.inspect_stream_io = flags.stream_io;
  model_report.inspect_baselines = analysis::whole_tensor_baselines(graph, flags.stream_io);
  emit(flags, model_report, report::inspect_text(model_report, text_options(flags)));
  return kExitOk;
}

}  // namespace bufopt::cli
