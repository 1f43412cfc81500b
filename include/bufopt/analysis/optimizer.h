#pragma once
/// The optimizer (SPEC 6): chooses every actor's granularity so that the shared arena is
/// smallest while the slowdown stays within --max-slowdown, in sequential mode.
///
/// What it searches. In sequential mode the slowdown depends only on the phase counts:
/// T = T_baseline + overhead * sum_a (P_a - 1), so --max-slowdown R is a budget of
/// B = (R - 1) * T_baseline / overhead extra firings to spend across actors. Memory depends on
/// the phase counts and on the firing order; the order is the demand-driven pull schedule
/// (schedule.h), whose memory every candidate is evaluated with exactly (evaluate_plan).
///
/// Steps.
///  1. Rank actors by the largest whole tensor they touch (input or output): streaming the
///     actors next to big tensors is what saves memory; keeping an actor whole cuts the network
///     into segments run one after another, which costs its whole input and output tensors but
///     frees the FIFOs of one segment for the next.
///  2. Threshold family: for every rank k, split the k highest-ranked actors and keep the rest
///     whole. Split actors fire once per row if the budget allows, otherwise they share the
///     budget evenly (same phase count for each, at least 2). Evaluate every candidate and keep
///     the smallest arena (ties: fewer firings). Layer by layer (k = 0) is always a candidate.
///  3. Local search from the best candidate: visit actors in rank order and try other phase
///     counts for each (whole, one row per firing, and halving / doubling the current one);
///     keep a change when it fits the budget and shrinks the arena. Repeat while a pass
///     improves, within a bound on evaluations.
///
/// What it guarantees: the answer meets R (checked on its evaluation), is never worse than
/// layer by layer nor than any threshold candidate, and is deterministic. It is a heuristic:
/// it does not prove optimality (exact_search.h gives the optimum on small graphs, and tests
/// hold this optimizer to it); the arena placement is greedy by size.
#include <cstdint>
#include <vector>

#include "bufopt/analysis/evaluate.h"

namespace bufopt::analysis {

/// Extra firings (sum over actors of phases - 1) allowed by options.max_slowdown;
/// INT64_MAX when the platform has no firing overhead.
int64_t extra_firing_budget(const graph::Graph& graph, const AnalysisOptions& options);

/// Search effort.
struct OptimizerLimits {
  /// Candidate evaluations allowed in the local search (step 3). A constant, so the search
  /// costs a fixed number of schedule replays whatever the depth; 600 reaches the ANCHORS.md
  /// figures with room to spare (ResNet-50 needs about 500).
  int max_local_evaluations = 600;
};

/// Runs steps 1-3 and returns the best plan found, evaluated.
Evaluation optimize(const graph::Graph& graph, const AnalysisOptions& options, const OptimizerLimits& limits = {});

/// One point of the memory / slowdown trade-off.
struct ParetoPoint {
  double max_slowdown = 1;
  double slowdown = 1;
  int64_t shared_bytes = 0;
  int64_t fifo_bytes = 0;
};

/// Optimises for each R in `slowdowns` (ascending) and returns the points, seeding each search
/// with the previous answer so the arena never grows with R.
std::vector<ParetoPoint> pareto_front(const graph::Graph& graph, const AnalysisOptions& options,
                                      const std::vector<double>& slowdowns);

}  // namespace bufopt::analysis
