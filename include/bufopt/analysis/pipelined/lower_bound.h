#pragma once
/// Pipelined mode: capacities and bytes no plan can go below.
#include <cstdint>
#include <vector>

#include "bufopt/analysis/analysis_options.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// Per channel, the capacity no valid plan can go below (MODEL 4): the rows one producer firing
/// writes and, for each reader firing, the rows from its previous release point to its window
/// end (they are all held while it fires). 0 for channels nobody writes.
std::vector<int64_t> capacity_lower_bounds(const dataflow::Network& network);

/// A lower bound on fifo_bytes (= shared_bytes) of every pipelined plan meeting
/// options.max_slowdown: per counted channel, the larger of (a) the widest window one row of a
/// reader spans (every firing's window contains the windows of its rows) and (b) the rows one
/// firing of the producer writes at the finest granularity R allows (pipelined_granularity at
/// level R: a plan meeting R has every actor's busy time within R x baseline).
int64_t pipelined_lower_bound_bytes(const graph::Graph& graph, const AnalysisOptions& options);

}  // namespace bufopt::analysis
