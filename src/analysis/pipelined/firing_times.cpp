// Pipelined mode: firing durations (work shared by phase rows plus one overhead) and the
// baseline period.
#include <algorithm>
#include <vector>

#include "bufopt/analysis/pipelined/firing_times.h"
#include "bufopt/analysis/time_model.h"

namespace bufopt::analysis {

Ticks slowest_node_ticks(const FiringTimes& times) {
  Ticks slowest = 0;
  for (const std::vector<Ticks>& node : times.ticks) {
    Ticks busy = 0;
    for (Ticks t : node) busy += t;
    slowest = std::max(slowest, busy);
  }
  return slowest;
}

double pipelined_work_seconds(const graph::Actor& actor, const AnalysisOptions& options) {
  if (auto measured = options.actor_seconds.find(actor.name); measured != options.actor_seconds.end()) {
    // A measured run of the whole operator includes one firing overhead.
    return std::max(0.0, measured->second - options.platform.firing_overhead_s);
  }
  return actor_work_seconds(actor, options.platform);
}

namespace {

/// floor(total * part / whole) without overflow.
Ticks share(Ticks total, int64_t part, int64_t whole) {
  return static_cast<Ticks>(static_cast<__int128>(total) * part / whole);
}

}  // namespace

FiringTimes firing_times(const graph::Graph& graph, const dataflow::Network& network, const AnalysisOptions& options) {
  const Ticks overhead = to_ticks(options.platform.firing_overhead_s);
  FiringTimes times;
  times.ticks.resize(network.nodes.size());
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const dataflow::Node& node = network.nodes[n];
    std::vector<Ticks>& ticks = times.ticks[n];
    ticks.assign(static_cast<size_t>(node.phases), 0);
    if (node.kind != dataflow::NodeKind::kActor) continue;
    const Ticks work = to_ticks(pipelined_work_seconds(graph.actors.at(static_cast<size_t>(node.actor)), options));
    if (node.outputs.empty()) {
      // No output rows to apportion by: the actor fires once.
      for (Ticks& t : ticks) t = work / node.phases + overhead;
      ticks.back() += work % node.phases;
      continue;
    }
    // Each phase's share follows its phase rows (output rows; input rows for a streaming
    // reduction, whose work is spread over the rows it consumes); cumulative shares make the sum
    // exact.
    const int64_t rows = dataflow::phase_rows(graph, node.actor);
    Ticks before = 0;
    for (size_t f = 0; f < ticks.size(); ++f) {
      const int64_t done = std::min(rows, (static_cast<int64_t>(f) + 1) * node.granularity);
      const Ticks upto = f + 1 == ticks.size() ? work : share(work, done, rows);
      ticks[f] = upto - before + overhead;
      before = upto;
    }
  }
  return times;
}

Ticks baseline_period_ticks(const graph::Graph& graph, const AnalysisOptions& options) {
  const Ticks overhead = to_ticks(options.platform.firing_overhead_s);
  Ticks period = 0;
  for (const graph::Actor& actor : graph.actors) {
    period = std::max(period, to_ticks(pipelined_work_seconds(actor, options)) + overhead);
  }
  return period;
}

}  // namespace bufopt::analysis
