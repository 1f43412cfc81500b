#include "bufopt/analysis/evaluate.h"

#include <limits>
#include <stdexcept>
#include <utility>

#include "bufopt/analysis/time_model.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

std::vector<int64_t> effective_granularities(const graph::Graph& graph, std::span<const int64_t> requested) {
  if (requested.size() != graph.actors.size()) {
    throw std::invalid_argument("evaluate: one granularity per actor expected");
  }
  std::vector<int64_t> effective(requested.size());
  for (size_t a = 0; a < requested.size(); ++a) {
    effective[a] = dataflow::effective_granularity(graph, static_cast<graph::ActorId>(a), requested[a]);
  }
  return effective;
}

/// Memory figures of one order on one network.
struct Memory {
  BufferUsage usage;
  ArenaPlan arena;
  int64_t fifo_bytes = 0;
};

/// The FIFO sum of one order's channels (saturating).
int64_t fifo_sum(const std::vector<ArenaRequest>& requests) {
  int64_t sum = 0;
  for (const ArenaRequest& request : requests) {
    sum = graph::checked_add(sum, request.size).value_or(std::numeric_limits<int64_t>::max());
  }
  return sum;
}

Memory measure_memory(const dataflow::Network& network, const Schedule& schedule) {
  Memory memory;
  memory.usage = measure_usage(network, schedule);
  const std::vector<ArenaRequest> requests = channel_requests(network, memory.usage);
  memory.fifo_bytes = fifo_sum(requests);
  memory.arena = place_arena(requests);
  return memory;
}

/// How smallest_arena_pull_schedule ranks an order: greedy arena, then FIFO sum (one
/// placement: cheaper than place_arena's several, and enough to rank orders).
std::pair<int64_t, int64_t> greedy_cost(const dataflow::Network& network, const Schedule& schedule) {
  const std::vector<ArenaRequest> requests = channel_requests(network, measure_usage(network, schedule));
  return {place_greedy_by_size(requests).size, fifo_sum(requests)};
}

bool smaller(const Memory& a, const Memory& b) {
  return std::pair(a.arena.size, a.fifo_bytes) < std::pair(b.arena.size, b.fifo_bytes);
}

Evaluation assemble(const graph::Graph& graph, dataflow::Network network, Schedule schedule, Memory memory,
                    const AnalysisOptions& options) {
  Evaluation evaluation;
  evaluation.network = std::move(network);
  evaluation.schedule = std::move(schedule);
  evaluation.usage = std::move(memory.usage);
  evaluation.arena = std::move(memory.arena);
  evaluation.fifo_bytes = memory.fifo_bytes;
  evaluation.time_s = sequential_time_seconds(graph, evaluation.phases(), options.platform);
  evaluation.baseline_time_s = baseline_time_seconds(graph, options.platform);
  evaluation.slowdown = evaluation.baseline_time_s > 0 ? evaluation.time_s / evaluation.baseline_time_s : 1.0;
  return evaluation;
}

}  // namespace

Schedule smallest_arena_pull_schedule(const dataflow::Network& network) {
  const std::vector<PullOptions> variants = pull_variants(network);
  Schedule best;
  std::pair<int64_t, int64_t> best_cost;
  for (size_t v = 0; v < variants.size(); ++v) {
    Schedule candidate = pull_schedule(network, variants[v]);
    const auto cost = greedy_cost(network, candidate);
    if (v == 0 || cost < best_cost) {
      best = std::move(candidate);
      best_cost = cost;
    }
  }
  return best;
}

Evaluation evaluate_plan(const graph::Graph& graph, std::span<const int64_t> granularity,
                         const AnalysisOptions& options) {
  const std::vector<int64_t> effective = effective_granularities(graph, granularity);
  dataflow::Network network = dataflow::build_network(graph, effective, {.stream_io = options.stream_io});
  Schedule schedule = smallest_arena_pull_schedule(network);
  Memory memory = measure_memory(network, schedule);
  Schedule by_node = node_by_node_schedule(network);
  Memory by_node_memory = measure_memory(network, by_node);
  if (smaller(by_node_memory, memory)) {
    schedule = std::move(by_node);
    memory = std::move(by_node_memory);
  }
  return assemble(graph, std::move(network), std::move(schedule), std::move(memory), options);
}

Evaluation evaluate_schedule(const graph::Graph& graph, std::span<const int64_t> granularity, const Schedule& schedule,
                             const AnalysisOptions& options) {
  const std::vector<int64_t> effective = effective_granularities(graph, granularity);
  dataflow::Network network = dataflow::build_network(graph, effective, {.stream_io = options.stream_io});
  Memory memory = measure_memory(network, schedule);
  return assemble(graph, std::move(network), schedule, std::move(memory), options);
}

}  // namespace bufopt::analysis
