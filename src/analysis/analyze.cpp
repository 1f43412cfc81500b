#include "bufopt/analysis/analyze.h"

#include "bufopt/analysis/lower_bound.h"
#include "bufopt/analysis/optimizer.h"

namespace bufopt::analysis {

AnalysisResult analyze(const graph::Graph& graph, const AnalysisOptions& options) {
  AnalysisResult result;
  result.options = options;
  result.evaluation = optimize(graph, options);
  result.baselines = whole_tensor_baselines(graph, options.stream_io);
  result.lower_bound_bytes = lower_bound_bytes(graph, options);
  result.verification = verify(graph, result.evaluation, options);
  return result;
}

}  // namespace bufopt::analysis
