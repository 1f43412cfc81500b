#pragma once
/// Pipelined mode: the exhaustive optimum on small graphs (a test oracle, in
/// bufopt_analysis_oracles, not in the production library).
#include <cstdint>
#include <optional>

#include "bufopt/analysis/analysis_options.h"
#include "bufopt/analysis/pipelined/plan.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// Bounds of the exhaustive search.
struct PipelinedExactLimits {
  /// Candidate (granularity, capacity) vectors examined.
  int64_t max_candidates = 2'000'000;
  /// Each bounded channel's capacity ranges over [lower bound, lower bound + extra x rows].
  int64_t extra_images = 1;
};

/// Exhaustive optimum for small graphs: every granularity vector (each actor 1..H, barriers
/// whole) and every capacity vector within [lower bound, lower bound + extra_images x rows] per
/// bounded channel (uncounted bounded channels at the top: they are free); the fewest bytes
/// whose period meets options.max_slowdown (ties: shorter period, then first found).
/// nullopt beyond the limits or when nothing in the box meets R.
std::optional<PipelinedPlan> exact_pipelined_plan(const graph::Graph& graph, const AnalysisOptions& options,
                                                  const PipelinedExactLimits& limits = {});

}  // namespace bufopt::analysis
