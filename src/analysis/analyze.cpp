#include "bufopt/analysis/analyze.h"

#include <algorithm>
#include <stdexcept>

#include "bufopt/analysis/lower_bound.h"
#include "bufopt/analysis/optimizer.h"

namespace bufopt::analysis {

namespace {

AnalysisResult analyze_pipelined(const graph::Graph& graph, const AnalysisOptions& options) {
  AnalysisResult result;
  result.options = options;
  result.graph = graph;  // pipelined mode is the FIFO model only (MODEL 4.1)
  const std::optional<PipelinedPlan> plan = optimize_pipelined(graph, options);
  if (!plan) throw std::runtime_error("pipelined: no plan meets the slowdown bound within the search limits");
  result.evaluation = pipelined_evaluation(*plan);
  result.pipelined = pipelined_figures(graph, *plan);
  result.baselines = whole_tensor_baselines(graph, options.stream_io);
  result.lower_bound_bytes = pipelined_lower_bound_bytes(graph, options);
  result.verification = verify_pipelined(graph, *plan, options);
  return result;
}

}  // namespace

Lifetime AnalysisResult::lifetime(size_t channel) const {
  if (!pipelined) return evaluation.usage.lifetimes.at(channel);
  const dataflow::Channel& c = evaluation.network.channels.at(channel);
  if (!c.counted || !sized_channel(c)) return {};
  return {0, std::max<int64_t>(static_cast<int64_t>(evaluation.schedule.firings.size()) - 1, 0)};
}

AnalysisResult analyze(const graph::Graph& graph, const AnalysisOptions& options) {
  if (options.mode == Mode::kPipelined) return analyze_pipelined(graph, options);
  AnalysisResult result;
  result.options = options;
  result.graph = storage_graph(graph, options);
  result.evaluation = optimize(result.graph, options);
  result.baselines = whole_tensor_baselines(graph, options.stream_io);
  result.lower_bound_bytes = lower_bound_bytes(result.graph, options);
  result.verification = verify(result.graph, result.evaluation, options);
  return result;
}

}  // namespace bufopt::analysis
