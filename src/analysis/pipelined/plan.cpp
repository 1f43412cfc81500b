// Pipelined mode: assembling one answer.
#include "bufopt/analysis/pipelined/plan.h"

namespace bufopt::analysis {

PipelinedPlan make_pipelined_plan(const dataflow::Network& network, const std::vector<int64_t>& capacity_rows,
                                  const FiringTimes& times, const ThroughputAnalysis& analysis, Ticks baseline,
                                  int64_t fifo_bytes) {
  PipelinedPlan plan;
  plan.network = network;
  plan.capacity_rows = capacity_rows;
  plan.times = times;
  plan.period = analysis.period;
  plan.baseline_period = baseline;
  plan.slowdown = period_ratio(analysis.period, baseline);
  plan.fifo_bytes = fifo_bytes;
  plan.critical_cycle = analysis.cycle;
  return plan;
}

}  // namespace bufopt::analysis
