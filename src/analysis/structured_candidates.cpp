#include "bufopt/analysis/structured_candidates.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/segment_schedule.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

/// DP plans refined on the real arena (step 3 of the header).
constexpr size_t kRefinedSegmentPlans = 3;

/// Smaller arena, then fewer firings, then smaller FIFO sum.
bool better(const Evaluation& a, const Evaluation& b) {
  return std::tuple(a.shared_bytes(), a.schedule.firings.size(), a.fifo_bytes) <
         std::tuple(b.shared_bytes(), b.schedule.firings.size(), b.fifo_bytes);
}

void keep_better(std::optional<Evaluation>& best, Evaluation candidate) {
  if (!best || better(candidate, *best)) best = std::move(candidate);
}

int64_t extra_firings(const dataflow::Network& network, size_t actors) {
  int64_t extra = 0;
  for (size_t a = 0; a < actors; ++a) extra += network.nodes[a].phases - 1;
  return extra;
}

/// Every actor at one row per firing, or every splittable actor at the same phase count when
/// that does not fit (nullopt when even two phases each do not fit).
std::optional<std::vector<int64_t>> streaming_granularity(const graph::Graph& graph, int64_t budget, bool* even) {
  const size_t actors = graph.actors.size();
  std::vector<int64_t> rows(actors);
  int64_t extra = 0;
  size_t splittable = 0;
  for (size_t a = 0; a < actors; ++a) {
    rows[a] = graph.actors[a].barrier ? 1 : dataflow::phase_rows(graph, static_cast<graph::ActorId>(a));
    extra = graph::saturating_add(extra, rows[a] - 1);
    splittable += rows[a] > 1 ? 1 : 0;
  }
  *even = extra > budget;
  if (!*even) return std::vector<int64_t>(actors, 1);
  if (splittable == 0) return std::nullopt;
  const int64_t each = budget / static_cast<int64_t>(splittable) + 1;
  if (each < 2) return std::nullopt;
  std::vector<int64_t> granularity(actors);
  for (size_t a = 0; a < actors; ++a) {
    const int64_t phases = std::min(each, rows[a]);
    granularity[a] = (rows[a] + phases - 1) / phases;
  }
  return granularity;
}

}  // namespace

Evaluation evaluate_candidate(const graph::Graph& graph, const std::vector<int64_t>& granularity,
                              const std::vector<int32_t>& segment, const AnalysisOptions& options) {
  std::optional<Evaluation> best = evaluate_plan(graph, granularity, options);
  if (!segment.empty()) {
    const dataflow::Network network = dataflow::build_network(graph, granularity, {.stream_io = options.stream_io});
    keep_better(best, evaluate_schedule(graph, granularity, segment_schedule(network, segment), options));
  }
  return std::move(*best);
}

std::vector<StructuredCandidate> structured_candidates(const graph::Graph& graph, const AnalysisOptions& options,
                                                       const SegmentCuts& cuts, const CandidateEvaluator& evaluate) {
  const size_t actors = graph.actors.size();
  const int64_t budget = extra_firing_budget(graph, options);
  std::vector<StructuredCandidate> candidates;

  std::vector<int64_t> whole(actors);
  for (size_t a = 0; a < actors; ++a) whole[a] = dataflow::phase_rows(graph, static_cast<graph::ActorId>(a));
  candidates.push_back({"layer by layer", evaluate(whole, {})});

  bool even = false;
  if (const auto streaming = streaming_granularity(graph, budget, &even)) {
    const dataflow::Network network = dataflow::build_network(graph, *streaming, {.stream_io = options.stream_io});
    // Rounding to whole rows can only lower the phase counts, so the plan fits the budget.
    if (extra_firings(network, actors) <= budget) {
      const std::vector<int32_t> one_segment(actors, 0);
      candidates.push_back({even ? "even budget split" : "one row per firing",
                            evaluate(*streaming, one_segment)});
    }
  }

  std::optional<Evaluation> best_cuts;
  for (const SegmentPlan& plan : cuts.best_within(budget, kRefinedSegmentPlans)) {
    keep_better(best_cuts, evaluate(plan.granularity, plan.segment));
  }
  if (best_cuts) candidates.push_back({"segment cuts", std::move(*best_cuts)});
  return candidates;
}

std::vector<StructuredCandidate> structured_candidates(const graph::Graph& graph, const AnalysisOptions& options) {
  return structured_candidates(graph, options, SegmentCuts(graph, options.stream_io),
                               [&](const std::vector<int64_t>& granularity, const std::vector<int32_t>& segment) {
                                 return evaluate_candidate(graph, granularity, segment, options);
                               });
}

}  // namespace bufopt::analysis
