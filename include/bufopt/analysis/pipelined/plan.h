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
  std::vector<int64_t> granularity;  ///< per actor, effective
  std::vector<int64_t> phases;       ///< per actor
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
};

/// The answer for `capacity_rows` on `network` (built for `granularity`), whose throughput is
/// `analysis`: phases read from the network's actor nodes, slowdown from the baseline. The one
/// place a plan is assembled (the sizing and the exact oracle both return it).
PipelinedPlan make_pipelined_plan(size_t actors, const std::vector<int64_t>& granularity, const dataflow::Network& network,
                                  const std::vector<int64_t>& capacity_rows, const FiringTimes& times,
                                  const ThroughputAnalysis& analysis, Ticks baseline, int64_t fifo_bytes);

}  // namespace bufopt::analysis
