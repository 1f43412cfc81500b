#include "bufopt/analysis/analysis_options.h"

#include "bufopt/graph/views.h"

namespace bufopt::analysis {

const char* mode_name(Mode mode) { return mode == Mode::kPipelined ? "pipelined" : "sequential"; }

bool shared_storage(const AnalysisOptions& options) {
  return options.inplace && options.mode == Mode::kSequential;
}

graph::Graph storage_graph(const graph::Graph& graph, const AnalysisOptions& options) {
  return shared_storage(options) ? graph::eliminate_views(graph) : graph;
}

}  // namespace bufopt::analysis
