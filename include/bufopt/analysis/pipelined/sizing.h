#pragma once
/// Pipelined mode: capacity sizing of one granularity vector along critical cycles.
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "bufopt/analysis/analysis_options.h"
#include "bufopt/analysis/pareto_point.h"
#include "bufopt/analysis/pipelined/plan.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// Effort bounds of the heuristic.
struct PipelinedLimits {
  /// Capacity enlargements per granularity candidate.
  int64_t max_enlargements = 200'000;
  /// Channels of a critical cycle tried per enlargement (cheapest first).
  int trial_channels = 2;
};

/// Sizes the capacities of one granularity vector for period <= target_ratio x baseline.
/// Steps:
///  1. start every bounded channel at its lower bound (capacity_lower_bounds; uncounted bounded
///     channels at one image);
///  2. while some firings of one image wait for each other (a zero-delay cycle: a residual or
///     concat whose skip buffer is shorter than the long branch), enlarge the channel of that
///     cycle whose smallest useful step costs fewest bytes: the step moves its space dependency
///     to the previous release of the reader, the least that changes the cycle;
///  3. while the period exceeds the target: take the critical cycle's channels, try each one's
///     smallest useful step (at most limits.trial_channels, cheapest first; for a channel
///     enlarged before, also twice its last step, so a skip buffer hundreds of rows short takes
///     logarithmically many steps) and keep the one that shortens the period most per byte
///     (free steps first; when none shortens it, the cheapest: it removes this critical cycle).
/// Every state passed through is reported in `front` (bytes, slowdown), Pareto-filtered.
/// The path does not depend on the target (it only decides where to stop), so a larger target
/// stops at a subset of the path. nullopt when the target is below the granularity's own bound
/// (its slowest actor), the enlargement budget runs out, or the bytes exceed `bytes_cutoff`
/// (bytes only grow along the path: the optimizer passes the best answer so far).
struct SizingResult {
  std::optional<PipelinedPlan> plan;
  std::vector<ParetoPoint> front;
  int64_t analyses = 0;   ///< throughput analyses run
  int64_t iterations = 0;  ///< policy iterations over all analyses
};
SizingResult size_pipelined(const graph::Graph& graph, std::span<const int64_t> granularity,
                            const AnalysisOptions& options, double target_ratio, const PipelinedLimits& limits = {},
                            int64_t bytes_cutoff = std::numeric_limits<int64_t>::max());

}  // namespace bufopt::analysis
