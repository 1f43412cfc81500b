#pragma once
/// The optimizer (MODEL 6): chooses every actor's granularity, the segment cuts and so the
/// firing order, so that the shared arena is smallest while the slowdown stays within
/// --max-slowdown, in sequential mode.
///
/// What it searches. In sequential mode the slowdown depends only on the phase counts:
/// T = T_baseline + overhead * sum_a (P_a - 1), so --max-slowdown R is a budget of
/// B = (R - 1) * T_baseline / overhead extra firings to spend across actors. Memory depends on
/// the phase counts and on the firing order. A plan is phase counts plus, optionally, segment
/// cuts: without cuts its order is the demand-driven pull schedule (schedule.h); with cuts the
/// segments run one after another, each in the eager order (segment_schedule.h).
///
/// Steps, at each level of slowdown_levels(R) (the grid values below R, then R), one search
/// state carried from level to level (plans scored before are not scored again):
///  1. Rank actors by the largest whole tensor they touch (input or output): streaming the
///     actors next to big tensors is what saves memory.
///  2. Threshold family: for a rank k, split the k highest-ranked actors and keep the rest
///     whole (one row per firing, or the budget shared evenly). Every k up to 64, beyond a
///     bounded sample refined around the best k (at most ~130 plans; twice with streaming
///     reductions, split and whole).
///  3. The previous optimizer (threshold_search below), a search of its own at the level: the
///     threshold family, then step 5's local search over phase counts only from its best, the
///     finalists evaluated in full. Its answer is kept (so optimize never returns more than
///     it) and its best plan is a start of step 5.
///  4. Structured candidates (structured_candidates.h): layer by layer, one row per firing (or
///     the even budget split), and the segment-cut programme's best plans within the level's
///     budget (segment_cuts.h, run once per optimize for every level). Each is evaluated
///     exactly and kept as a floor; each is also a start of the search.
///  5. Local search from the best plan so far: visit actors in rank order and try other
///     granularities (every one of an actor of at most 16 rows; otherwise whole, one row per
///     firing, halving / doubling the phase count), for the actor alone and with its readers
///     (at the same phase count); then move each cut of the best plan (removed, shifted by one
///     actor either way, or all cuts dropped); when no such move wins, exchanges: one actor
///     finer beyond the budget, another coarser by the excess. Keep a change when it fits the
///     budget and shrinks the quick arena (one order, greedy placement); repeat while a pass
///     improves, at most OptimizerLimits::max_local_evaluations new plans per level (and as
///     many in step 3). A level whose predecessor could already afford every actor at one row
///     per firing is skipped (nothing new fits).
///  6. The previous release's path (issue 13's first landing), a phase-count search state of
///     its own carried from level to level: the threshold family, a local search of a third of
///     max_local_evaluations from its best, the candidates (and seeds) as starts, then the
///     full local search. Its answer is kept, so no answer is above that release's.
///  7. The last four best plans of each search are evaluated in full (every demand-driven
///     variant, and the eager order of their segments, one segment without cuts); the smallest
///     arena of them, of the structured candidates, of step 3 and of the earlier levels'
///     answers is the level's answer.
///
/// Cost: the segment-cut programme (polynomial: starts x granularities x firings of the
/// segments it measures, bounded by its segment-length cap), then per level at most ~3 x 130
/// threshold plans, a few candidates and about 3.7 max_local_evaluations local plans (steps 3,
/// 5 and 6), each one schedule replayed as it is built and one greedy placement, linear in its
/// firings; only the nodes of actors whose granularity changed are rebuilt
/// (dataflow::NetworkBuilder), a local-search plan stops as soon as its live bytes exceed the
/// best arena, and a plan that several of the searches meet (levels, step 3's search, step 5's
/// two move sets, step 6) is replayed once: they share its figures, each still counting it as
/// one of its evaluations (answers do not depend on the sharing).
///
/// What it guarantees: the answer meets R (checked on its evaluation); its arena is never above
/// any structured candidate's at R (so never above layer by layer, one row per firing or the
/// segment-cut plans), nor above step 3's or step 6's answer (the previous optimizers), nor
/// above its answer at any grid value below R: on the grid it is monotone,
/// optimize(R2).shared_bytes <= optimize(R1).shared_bytes for grid values R1 < R2 (nothing in a
/// level depends on the levels after it). Deterministic. It is a heuristic: it
/// does not prove optimality (exact_search.h gives the optimum on small graphs, and tests hold
/// this optimizer to it); the arena placement is first fit in a few orders.
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
  /// New plans the local search may score per level (step 5, and as many in step 3's and in
  /// step 6's searches; plans a search scored before do not count). A constant, so the search costs a fixed number
  /// of schedule replays whatever the depth. 1500 keeps ResNet-152 and
  /// DenseNet-121 under 1 s and MobileNetV2 under 0.3 s with the segment-cut programme
  /// (BENCHMARKS.md); it was 3000 from the threshold family's best alone.
  int max_local_evaluations = 1500;
};

/// What one search did (benchmarks report it: the time per candidate and row firing is the
/// figure that stays flat when the time is linear in the firings).
struct OptimizerStats {
  int threshold_evaluations = 0;  ///< plans scored in step 2 (layer by layer included), all levels
  int local_evaluations = 0;      ///< plans scored in step 4, all levels
  int candidate_evaluations = 0;  ///< structured candidates scored as starts (step 3), all levels
};

/// The fixed grid of slowdown bounds on which the optimizer is monotone: optimize(R) also
/// scores what it finds at every grid value below R, so optimize(R2).shared_bytes <=
/// optimize(R1).shared_bytes for grid values R1 < R2.
inline constexpr double kSlowdownGrid[] = {1, 1.05, 1.1, 1.2, 1.5, 2, 3, 5, 10, 20, 50, 100, 1000};

/// The slowdown bounds optimize(R) searches, ascending: the grid values below R, then R.
std::vector<double> slowdown_levels(double max_slowdown);

/// The optimizer before the structured candidates (issue 13) at options.max_slowdown alone:
/// steps 1-2, then the local search over phase counts (every granularity that is the smallest
/// of its phase count, no exchanges, no cuts) from the threshold family's best, at most
/// limits.max_local_evaluations plans, the last four best evaluated in full. optimize() runs it
/// at every level and keeps its answer: optimize(R).shared_bytes <= threshold_search(R).
Evaluation threshold_search(const graph::Graph& graph, const AnalysisOptions& options,
                            const OptimizerLimits& limits = {});

/// Runs steps 1-7 and returns the best plan found, evaluated; fills `stats` when given.
Evaluation optimize(const graph::Graph& graph, const AnalysisOptions& options, const OptimizerLimits& limits = {},
                    OptimizerStats* stats = nullptr);

/// Optimises for each R in `slowdowns` (ascending) and returns the points, seeding each search
/// with the previous answers and keeping the previous point where it is smaller
/// (append_carried), so the arena never grows with R.
std::vector<ParetoPoint> pareto_front(const graph::Graph& graph, const AnalysisOptions& options,
                                      const std::vector<double>& slowdowns);

}  // namespace bufopt::analysis
