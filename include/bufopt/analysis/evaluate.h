#pragma once
/// Evaluates one execution plan exactly: order, capacities, arena, time and slowdown.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bufopt/analysis/analysis_options.h"
#include "bufopt/analysis/arena.h"
#include "bufopt/analysis/buffer_usage.h"
#include "bufopt/analysis/schedule.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// Slack on slowdown <= max_slowdown for floating-point rounding (the verifier allows the same).
inline constexpr double kSlowdownTolerance = 1e-9;

/// One fully evaluated plan. Vectors over channels are indexed by channel id (= buffer id).
struct Evaluation {
  dataflow::Network network;
  Schedule schedule;
  BufferUsage usage;
  ArenaPlan arena;
  int64_t fifo_bytes = 0;  ///< sum over counted channels of capacity_rows * row_bytes
  double time_s = 0;
  double baseline_time_s = 0;
  double slowdown = 1;
  /// MODEL 4.1 in-place element-wise (shared_storage.h): per channel, the channel whose storage
  /// it uses (the first buffer of its chain of in-place writes), -1 for a storage of its own;
  /// empty when no buffer shares one. A shared buffer's capacity_rows, lifetime and arena offset
  /// are its storage's; fifo_bytes and the arena count each storage once.
  std::vector<dataflow::ChannelId> storage_of;

  /// The channel whose storage `channel` uses: itself unless storage_of names another.
  dataflow::ChannelId storage_channel(size_t channel) const {
    const bool shared = channel < storage_of.size() && storage_of[channel] >= 0;
    return shared ? storage_of[channel] : static_cast<dataflow::ChannelId>(channel);
  }

  /// The shared arena's size (computed: the arena is the one place it is stored).
  int64_t shared_bytes() const { return arena.size; }
  /// Per actor: effective granularity and phase count (computed: the network's actor nodes are
  /// the one place they are stored).
  std::vector<int64_t> granularity() const { return dataflow::actor_granularities(network); }
  std::vector<int64_t> phases() const { return dataflow::actor_phases(network); }
};

/// Demand-driven order (schedule.h: sinks pull, in output order, the rows they need; a node
/// fires when a consumer needs rows it has not written yet, after recursively pulling its own
/// input windows) for every pull_variants(network), keeping the one with the smallest greedy
/// arena (place_greedy_by_size), then the smallest FIFO sum, then the first tried. Never
/// deadlocks on a well-formed network: capacities are then measured from this order
/// (measure_usage), not imposed.
Schedule smallest_arena_pull_schedule(const dataflow::Network& network);

/// Builds the network for `granularity`, schedules it with pull_schedule, measures capacities
/// and lifetimes, places the arena greedy by size and times it. The node-by-node order
/// (node_by_node_schedule) is evaluated too and kept when its arena is smaller, so a
/// layer-by-layer plan never does worse than the baselines' order.
Evaluation evaluate_plan(const graph::Graph& graph, std::span<const int64_t> granularity,
                         const AnalysisOptions& options);

/// Same, for a given firing order (used by searches that choose the order themselves).
Evaluation evaluate_schedule(const graph::Graph& graph, std::span<const int64_t> granularity,
                             const Schedule& schedule, const AnalysisOptions& options);

}  // namespace bufopt::analysis
