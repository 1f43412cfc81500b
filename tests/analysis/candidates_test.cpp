// The structured candidates (structured_candidates.h) and the optimizer's guarantees against
// them (issue 13): every candidate verified and within R, the answer never above any of them,
// monotone on the slowdown grid, and held to the exact optimum on small graphs.
#include "bufopt/analysis/structured_candidates.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <random>
#include <string>

#include "analysis/small_graphs.h"
#include "bufopt/analysis/exact_search.h"
#include "bufopt/analysis/lower_bound.h"
#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/verify.h"
#include "bufopt/dataflow/network.h"
#include "support/real_models.h"

namespace bufopt::analysis {
namespace {

std::string first_error(const VerifyReport& report) { return report.errors.empty() ? "" : report.errors.front(); }

/// Checks one setting: each candidate verified and within R, the answer verified and never
/// above any candidate. Returns the answer's arena.
int64_t check_setting(const graph::Graph& graph, const AnalysisOptions& options, const std::string& label) {
  const std::vector<StructuredCandidate> candidates = structured_candidates(graph, options);
  EXPECT_GE(candidates.size(), 2u) << label;  // layer by layer and the segment cuts at least
  const Evaluation answer = optimize(graph, options);
  const VerifyReport answer_report = verify(graph, answer, options);
  EXPECT_TRUE(answer_report.ok) << label << ": " << first_error(answer_report);
  for (const StructuredCandidate& candidate : candidates) {
    const VerifyReport report = verify(graph, candidate.evaluation, options);
    EXPECT_TRUE(report.ok) << label << " " << candidate.name << ": " << first_error(report);
    EXPECT_LE(candidate.evaluation.slowdown, options.max_slowdown + 1e-9) << label << " " << candidate.name;
    EXPECT_LE(answer.shared_bytes(), candidate.evaluation.shared_bytes()) << label << " " << candidate.name;
  }
  return answer.shared_bytes();
}

TEST(StructuredCandidates, NamesAndLayerByLayerFirst) {
  testing::SmallGraphGenerator generator(3, 5, 12);
  const graph::Graph graph = generator.next();
  AnalysisOptions options;
  options.max_slowdown = 1000;
  const std::vector<StructuredCandidate> candidates = structured_candidates(graph, options);
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_EQ(candidates[0].name, "layer by layer");
  EXPECT_EQ(candidates[1].name, "one row per firing");
  EXPECT_EQ(candidates[2].name, "segment cuts");
  for (int64_t phases : candidates[0].evaluation.phases()) EXPECT_EQ(phases, 1);
  for (size_t a = 0; a < graph.actors.size(); ++a) EXPECT_EQ(candidates[1].evaluation.granularity()[a], 1);
}

TEST(StructuredCandidates, EvenSplitWhenOneRowPerFiringDoesNotFit) {
  testing::SmallGraphGenerator generator(4, 5, 12);
  const graph::Graph graph = generator.next();
  AnalysisOptions options;
  options.platform = {"slow", 1e6, 1e6, 1e-4, 1};
  // From a bound of a fraction of a firing upwards: at some bound the rows cannot all be split.
  for (double r = 1.0001; r < 1000; r *= 1.5) {
    options.max_slowdown = r;
    const std::vector<StructuredCandidate> candidates = structured_candidates(graph, options);
    for (const StructuredCandidate& candidate : candidates) {
      EXPECT_LE(candidate.evaluation.slowdown, r + 1e-9) << candidate.name << " at R " << r;
      if (candidate.name == "even budget split") {
        // One phase count for every split actor (fewer only where the actor has fewer rows).
        int64_t each = 0;
        for (int64_t phases : candidate.evaluation.phases()) each = std::max(each, phases);
        ASSERT_GT(each, 1);
        for (size_t a = 0; a < graph.actors.size(); ++a) {
          const int64_t phases = candidate.evaluation.phases()[a];
          const int64_t rows = dataflow::phase_rows(graph, static_cast<graph::ActorId>(a));
          if (phases > 1) {
            EXPECT_TRUE(phases == each || phases == rows) << "actor " << a << " at R " << r;
          }
        }
        return;
      }
    }
  }
  ADD_FAILURE() << "no bound gave an even split";
}

// Random small graphs at slowdowns from "no extra firing" to "every split": the guarantees of
// optimizer.h and the grid monotonicity, and every candidate's plan verified.
TEST(StructuredCandidates, AnswerNeverAboveACandidateAndMonotoneOnTheGrid) {
  testing::SmallGraphGenerator generator(1313, 8, 20);
  AnalysisOptions options;
  options.platform = {"slow", 1e6, 1e6, 2e-5, 1};
  for (int g = 0; g < 25; ++g) {
    const graph::Graph graph = generator.next();
    options.stream_io = g % 2 == 0;
    int64_t previous = std::numeric_limits<int64_t>::max();
    for (double r : kSlowdownGrid) {
      if (r > 20) break;
      options.max_slowdown = r;
      const int64_t arena = check_setting(graph, options, fmt::format("graph {} R {}", g, r));
      EXPECT_LE(arena, previous) << "graph " << g << ": the arena grew from the grid value below to R " << r;
      previous = arena;
    }
  }
}

class RealModelCandidates : public ::testing::TestWithParam<testing::RealModel> {};

TEST_P(RealModelCandidates, AnswerNeverAboveACandidateAtEveryPreset) {
  const testing::RealModel& model = GetParam();
  const std::optional<graph::Graph> graph = testing::load_real_model(model);
  if (!graph && model.external && !testing::models_required()) GTEST_SKIP() << model.path << " not fetched";
  ASSERT_TRUE(graph.has_value());
  for (const std::string& preset : platform_preset_names()) {
    for (double r : {1.05, 1.2, 2.0}) {
      AnalysisOptions options;
      options.platform = *platform_preset(preset);
      options.max_slowdown = r;
      check_setting(*graph, options, fmt::format("{} {} R {}", model.label, preset, r));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, RealModelCandidates, ::testing::ValuesIn(testing::real_models()),
                         [](const auto& info) { return std::string(info.param.label); });

// Issue 13's target on graphs of 2-5 actors and at most 12 rows: at least 95% of the answers
// equal the exact optimum (exact_search.h: every granularity vector within R, every order,
// every first-fit placement order), and none is more than 1.25 times it.
TEST(StructuredCandidates, HeldToTheExactOptimumOnSmallGraphs) {
  std::mt19937 pick(20261203);
  AnalysisOptions options;
  options.platform = {"slow", 1e6, 1e6, 1e-4, 1};
  options.inplace = false;  // the exact search is the FIFO model's (MODEL 4); the rules below
  const double bounds[] = {1.02, 1.05, 1.1, 1.3, 2.0};
  int compared = 0;
  int optimal = 0;
  double worst = 1;
  double ratio_sum = 0;
  std::map<std::string, int> distribution;  // ratio bucket -> answers
  for (int g = 0; g < 400 && compared < 120; ++g) {
    const int actors = std::uniform_int_distribution<int>(2, 5)(pick);
    testing::SmallGraphGenerator generator(static_cast<uint32_t>(pick()), actors, 12);
    const graph::Graph graph = generator.next();
    options.max_slowdown = bounds[static_cast<size_t>(g) % std::size(bounds)];
    options.stream_io = g % 3 == 0;
    const auto exact = minimum_arena_plan(graph, options);
    if (!exact || !exact->arena_is_optimal) continue;
    const Evaluation answer = optimize(graph, options);
    ASSERT_GE(answer.shared_bytes(), exact->peak_live_bytes) << "graph " << g;  // the exact bound
    // MODEL 4.1 (zero-copy Concats of the generator's channel Concats): the same search, each
    // kept plan also with its shared storages, so never above the FIFO answer; verified, and the
    // bound under the rules below it and below the FIFO optimum.
    AnalysisOptions rules = options;
    rules.inplace = true;
    const Evaluation shared = optimize(graph, rules);
    ASSERT_TRUE(verify(graph, shared, rules).ok) << "graph " << g;
    EXPECT_LE(shared.shared_bytes(), answer.shared_bytes()) << "graph " << g;
    EXPECT_LE(lower_bound_bytes(graph, rules), shared.shared_bytes()) << "graph " << g;
    EXPECT_LE(lower_bound_bytes(graph, rules), exact->arena.size) << "graph " << g;
    const double ratio = static_cast<double>(answer.shared_bytes()) / static_cast<double>(exact->arena.size);
    ++compared;
    optimal += answer.shared_bytes() == exact->arena.size ? 1 : 0;
    worst = std::max(worst, ratio);
    ratio_sum += ratio;
    ++distribution[ratio == 1 ? "1" : ratio <= 1.05 ? "(1, 1.05]" : ratio <= 1.1 ? "(1.05, 1.1]" : ratio <= 1.25 ? "(1.1, 1.25]" : "> 1.25"];
  }
  ASSERT_GE(compared, 100);
  std::string buckets;
  for (const auto& [bucket, count] : distribution) buckets += fmt::format(" {}: {};", bucket, count);
  const std::string summary = fmt::format(
      "optimizer vs exact optimum on {} graphs of 2-5 actors: {} optimal ({:.1f}%), mean ratio {:.4f}, worst {:.4f};"
      " ratio distribution:{}",
      compared, optimal, 100.0 * optimal / compared, ratio_sum / compared, worst, buckets);
  std::cout << summary << "\n";
  RecordProperty("optimizer_vs_exact", summary);
  EXPECT_GE(optimal * 100, 95 * compared) << summary;
  EXPECT_LE(worst, 1.25) << summary;
}

}  // namespace
}  // namespace bufopt::analysis
