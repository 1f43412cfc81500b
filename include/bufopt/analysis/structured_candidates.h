#pragma once
/// The simple plans the optimizer must never lose to (MODEL 6), scored before any local search.
///
/// Candidates, each evaluated exactly (evaluate_plan / evaluate_schedule) and each within
/// options.max_slowdown:
///  1. "layer by layer": every actor whole (always within R).
///  2. "one row per firing": every actor at one row per firing; when that does not fit the
///     budget of extra firings, "even budget split": every splittable actor at the same phase
///     count, as large as the budget allows (left out when even 2 phases each do not fit).
///  3. "segment cuts": the segment-cut dynamic programme's best plans within the budget
///     (segment_cuts.h), each scheduled segment by segment (segment_schedule.h) and placed in
///     the real arena; the smallest arena of the few best DP plans is kept.
/// Guarantees: every candidate's slowdown is <= options.max_slowdown, and its evaluation is
/// the exact replay of its schedule (verify() accepts it). Deterministic.
#include <string>
#include <vector>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/segment_cuts.h"

namespace bufopt::analysis {

/// One simple plan the optimizer must never lose to.
struct StructuredCandidate {
  std::string name;
  Evaluation evaluation;
};

/// Layer by layer; every actor at one row per firing (or the even budget split when that does not fit the budget); the segment-cut DP's best plans (refined on the real arena). Each evaluated exactly, each within options' R.
std::vector<StructuredCandidate> structured_candidates(const graph::Graph& graph, const AnalysisOptions& options);

/// The same with the segment-cut programme already run for this graph and options.stream_io
/// (the optimizer runs it once for every slowdown it scores).
std::vector<StructuredCandidate> structured_candidates(const graph::Graph& graph, const AnalysisOptions& options,
                                                       const SegmentCuts& cuts);

}  // namespace bufopt::analysis
