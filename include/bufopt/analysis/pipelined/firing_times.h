#pragma once
/// Pipelined mode: the duration of every firing and the baseline period (pipelined.h has the model).
#include <vector>

#include "bufopt/analysis/analysis_options.h"
#include "bufopt/analysis/pipelined/period.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// Duration of every firing: ticks[node][phase] (sources and sinks: 0).
struct FiringTimes {
  std::vector<std::vector<Ticks>> ticks;
};

/// Compute seconds of one actor per inference without firing overhead: options.actor_seconds
/// minus one overhead (at least 0) when it names the actor, else the work model.
double pipelined_work_seconds(const graph::Actor& actor, const AnalysisOptions& options);

/// Firing durations of `network` (the model above).
FiringTimes firing_times(const graph::Graph& graph, const dataflow::Network& network, const AnalysisOptions& options);

/// Baseline period: max over actors of (work + overhead), every actor unsplit, unbounded buffers.
Ticks baseline_period_ticks(const graph::Graph& graph, const AnalysisOptions& options);

/// The largest busy time of one node per image (sum of its firings): no capacity beats it.
Ticks slowest_node_ticks(const FiringTimes& times);

}  // namespace bufopt::analysis
