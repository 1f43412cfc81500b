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
///  2. Threshold family: for a rank k, split the k highest-ranked actors and keep the rest
///     whole. Split actors fire once per row if the budget allows, otherwise they share the
///     budget evenly (same phase count for each, at least 2). Evaluate the candidates and keep
///     the smallest arena (ties: fewer firings). Layer by layer (k = 0) is always a candidate.
///     Every k up to 64 is tried (every k on small graphs); beyond, a sample: the ends of the
///     levels of equal tensor size, geometric steps of k, then a few rounds halving the gaps
///     around the best k. At most ~130 candidates, whatever the depth. With streaming reductions
///     the family is scored twice, with them split and kept whole (the old barrier behaviour).
///  3. Local search from the best candidate: visit actors in rank order and try other phase
///     counts for each (whole, one row per firing, and halving / doubling the current one);
///     keep a change when it fits the budget and shrinks the arena. Repeat while a pass
///     improves, within a bound on evaluations. A plan scored before is not scored again.
///  4. The last four best plans (by the quick score, one pull variant) are evaluated with every
///     scheduling variant; the smallest arena wins.
///
/// Cost: each candidate costs one pull schedule, replayed as it is built, and one greedy
/// placement, linear in its firings (plus the placement's scan of the buffers alive together).
/// Only the nodes of actors whose granularity changed are rebuilt (dataflow::NetworkBuilder),
/// and a local-search candidate stops as soon as its live bytes exceed the best arena. The
/// number of candidates is bounded by a constant, so the time is at most a constant times the
/// firings whatever the depth (BENCHMARKS.md, "Scaling": the time per candidate and row firing
/// is flat from ResNet-18 to ResNet-152).
///
/// What it guarantees: the answer meets R (checked on its evaluation), is never worse than
/// layer by layer nor than any threshold candidate scored, and is deterministic. It is a heuristic:
/// it does not prove optimality (exact_search.h gives the optimum on small graphs, and tests
/// hold this optimizer to it); the arena placement is greedy by size.
#include <cstdint>
#include <vector>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/pareto_point.h"

namespace bufopt::analysis {

/// Extra firings (sum over actors of phases - 1) allowed by options.max_slowdown;
/// INT64_MAX when the platform has no firing overhead.
int64_t extra_firing_budget(const graph::Graph& graph, const AnalysisOptions& options);

/// Search effort.
struct OptimizerLimits {
  /// Candidate evaluations allowed in the local search (step 3; plans scored before do not
  /// count). A constant, so the search costs a fixed number of schedule replays whatever the
  /// depth. 600 reached the ANCHORS.md figures but stopped ResNet-50 8-18% short where R binds
  /// (mms_ga's time loss, the gpu preset); 3000 keeps a 23-model batch near 10 s on 2 cores.
  int max_local_evaluations = 3000;
};

/// What one search did (benchmarks report it: the time per candidate and row firing is the
/// figure that stays flat when the time is linear in the firings).
struct OptimizerStats {
  int threshold_evaluations = 0;  ///< candidates scored in step 2 (layer by layer included)
  int local_evaluations = 0;      ///< candidates scored in step 3
};

/// Runs steps 1-3 and returns the best plan found, evaluated; fills `stats` when given.
Evaluation optimize(const graph::Graph& graph, const AnalysisOptions& options, const OptimizerLimits& limits = {},
                    OptimizerStats* stats = nullptr);

/// Optimises for each R in `slowdowns` (ascending) and returns the points, seeding each search
/// with the previous answer so the arena never grows with R.
std::vector<ParetoPoint> pareto_front(const graph::Graph& graph, const AnalysisOptions& options,
                                      const std::vector<double>& slowdowns);

}  // namespace bufopt::analysis
