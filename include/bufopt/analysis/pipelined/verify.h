#pragma once
/// Pipelined mode: the independent verifier of an answer (own replay, event queue).
#include "bufopt/analysis/analysis_options.h"
#include "bufopt/analysis/pipelined/plan.h"
#include "bufopt/analysis/verify.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// The independent check of a pipelined answer. It shares no code with the sizing or the
/// throughput analysis: it rebuilds the network from the graph and the claimed granularities,
/// recomputes every firing time from the model, and replays the self-timed execution image
/// after image, row by row, with an event queue, until its state (every node's phase and
/// remaining busy time, every channel's rows written and released, relative to the image
/// count) repeats. It checks: no deadlock; every firing finds its window written and not
/// released; MODEL 4 occupancy never above capacity; the measured period equals the claimed one
/// exactly; slowdown and baseline recomputed and slowdown <= R (+1e-9); fifo_bytes recomputed.
VerifyReport verify_pipelined(const graph::Graph& graph, const PipelinedPlan& plan, const AnalysisOptions& options);

}  // namespace bufopt::analysis
