#include "bufopt/analysis/plan_policy.h"

#include "bufopt/analysis/time_model.h"
#include "bufopt/dataflow/phases.h"

namespace bufopt::analysis {

namespace {

double slowdown_of(const graph::Graph& graph, const std::vector<int64_t>& granularity, const Platform& platform) {
  std::vector<int64_t> phases(graph.actors.size());
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const auto id = static_cast<graph::ActorId>(a);
    phases[a] = dataflow::phase_count(dataflow::phase_rows(graph, id),
                                      dataflow::effective_granularity(graph, id, granularity[a]));
  }
  const double baseline = baseline_time_seconds(graph, platform);
  return baseline > 0 ? sequential_time_seconds(graph, phases, platform) / baseline : 1.0;
}

}  // namespace

std::vector<int64_t> layer_by_layer_granularity(const graph::Graph& graph) {
  std::vector<int64_t> granularity(graph.actors.size());
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    granularity[a] = dataflow::phase_rows(graph, static_cast<graph::ActorId>(a));
  }
  return granularity;
}

std::vector<int64_t> row_by_row_granularity(const graph::Graph& graph) {
  std::vector<int64_t> granularity(graph.actors.size());
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    granularity[a] = dataflow::effective_granularity(graph, static_cast<graph::ActorId>(a), 1);
  }
  return granularity;
}

std::vector<int64_t> simple_policy_granularity(const graph::Graph& graph, const AnalysisOptions& options) {
  std::vector<int64_t> rows = row_by_row_granularity(graph);
  if (slowdown_of(graph, rows, options.platform) <= options.max_slowdown + kSlowdownTolerance) return rows;
  return layer_by_layer_granularity(graph);
}

}  // namespace bufopt::analysis
