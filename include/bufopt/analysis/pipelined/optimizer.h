#pragma once
/// Pipelined mode: the optimizer over a ladder of granularity levels, and its Pareto front.
#include <optional>
#include <vector>

#include "bufopt/analysis/analysis_options.h"
#include "bufopt/analysis/pareto_point.h"
#include "bufopt/analysis/pipelined/plan.h"
#include "bufopt/analysis/pipelined/sizing.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// Granularity of every actor for a period budget of `level` x baseline: the most phases
/// (the finest granularity) whose busy time work + phases x delta fits, one row per firing when
/// the overhead is 0. Barriers and one-row actors fire once.
std::vector<int64_t> pipelined_granularity(const graph::Graph& graph, const AnalysisOptions& options, double level);

/// The budget levels <= max_slowdown tried by the optimizer, from a fixed ladder independent of
/// R: 1, then 1 + m x 10^e for m in 1, 2, 5 and e >= -3 (1.001, 1.002, 1.005, 1.01, ..., 1.5, 2,
/// 3, 6, 11, ...).
std::vector<double> pipelined_levels(double max_slowdown);

/// The pipelined optimizer. Steps: for every ladder level <= R, finest first, the granularity
/// of that level (pipelined_granularity; duplicates skipped); size it for R (size_pipelined,
/// cut short once it needs as many bytes as the best plan so far); keep the plan with the
/// fewest bytes (ties: the finest granularity, found first). Guarantees: the answer meets R exactly
/// (checked in integer ticks), is live, and since every candidate's sizing path does not depend
/// on R and the candidates of a smaller R are among those of a larger R, its bytes never grow
/// with R. A heuristic: exact_pipelined_plan gives the optimum on small graphs. nullopt when no
/// candidate meets R within the limits (never for R >= 1 with the default limits in practice).
std::optional<PipelinedPlan> optimize_pipelined(const graph::Graph& graph, const AnalysisOptions& options,
                                                const PipelinedLimits& limits = {});

/// The memory / slowdown trade-off: for each R in `slowdowns` (ascending), the fewest bytes the
/// optimizer finds, carrying the previous answer forward (it meets every larger R).
std::vector<ParetoPoint> pipelined_pareto_front(const graph::Graph& graph, const AnalysisOptions& options,
                                                const std::vector<double>& slowdowns);

}  // namespace bufopt::analysis
