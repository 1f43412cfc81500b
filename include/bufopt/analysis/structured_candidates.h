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
#include <functional>
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

/// Evaluates one candidate plan: a granularity per actor and a segment per actor (empty: no
/// segments). The demand-driven orders (evaluate_plan) and, with segments, the segment order
/// (segment_schedule.h, evaluate_schedule): the smaller arena, then fewer firings, then the
/// smaller FIFO sum.
Evaluation evaluate_candidate(const graph::Graph& graph, const std::vector<int64_t>& granularity,
                              const std::vector<int32_t>& segment, const AnalysisOptions& options);

/// evaluate_candidate for one graph and options (the optimizer memoises it across the
/// slowdowns it scores).
using CandidateEvaluator =
    std::function<Evaluation(const std::vector<int64_t>& granularity, const std::vector<int32_t>& segment)>;

/// The same with the segment-cut programme already run for this graph and options.stream_io,
/// and `evaluate` standing for evaluate_candidate (the optimizer runs the programme once for
/// every slowdown it scores).
std::vector<StructuredCandidate> structured_candidates(const graph::Graph& graph, const AnalysisOptions& options,
                                                       const SegmentCuts& cuts, const CandidateEvaluator& evaluate);

}  // namespace bufopt::analysis
