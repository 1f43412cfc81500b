#pragma once
/// Pipelined mode: one answer (granularities, capacities, period).
#include <cstdint>
#include <vector>

#include "bufopt/analysis/pipelined/firing_times.h"
#include "bufopt/analysis/pipelined/period.h"
#include "bufopt/analysis/pipelined/throughput.h"
#include "bufopt/dataflow/network.h"

namespace bufopt::analysis {

/// A pipelined answer.
struct PipelinedPlan {
  dataflow::Network network;
  /// Per channel: rows; for channels with a producer the plan's capacity (uncounted ones cost
  /// nothing), 0 for the others.
  std::vector<int64_t> capacity_rows;
  FiringTimes times;
  Period period;
  Ticks baseline_period = 0;
  double slowdown = 1;
  int64_t fifo_bytes = 0;  ///< sum over counted channels of capacity * row_bytes (= shared)
  /// A critical cycle of the answer (what limits its throughput).
  std::vector<Dependency> critical_cycle;

  /// Per actor: effective granularity and phase count (computed: the network's actor nodes are
  /// the one place they are stored).
  std::vector<int64_t> granularity() const { return dataflow::actor_granularities(network); }
  std::vector<int64_t> phases() const { return dataflow::actor_phases(network); }
};

/// The answer for `capacity_rows` on `network`, whose throughput is `analysis`: slowdown from the
/// baseline. The one place a plan is assembled (the sizing and the exact oracle both return it).
PipelinedPlan make_pipelined_plan(const dataflow::Network& network, const std::vector<int64_t>& capacity_rows,
                                  const FiringTimes& times, const ThroughputAnalysis& analysis, Ticks baseline,
                                  int64_t fifo_bytes);

}  // namespace bufopt::analysis
