// The optimizer's guarantees on random CNNs it was never tuned to (issue 13): on 300 fixed
// seeds of tools/zoo/random_architectures.h, at three deployments and on a fixed grid of R,
// optimize()'s answer is no larger than any structured candidate's arena
// (structured_candidates.h: layer by layer, one row per firing, segment cuts) nor than the
// previous optimizer's (analysis::threshold_search), passes the
// independent verifier, meets R, never grows with R, and is never below the proven lower bound.
//
// Sharded: one gtest parameter per shard, so ctest runs the shards as separate entries in
// parallel. BUFOPT_RANDOM_MODELS=N caps the seeds (scripts/sanitize.sh uses 30). Each shard
// prints its statistics; a run of every shard in one process (BENCHMARKS.md, "Random CNNs")
// prints the totals at the end.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/analysis/lower_bound.h"
#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/platform.h"
#include "bufopt/analysis/structured_candidates.h"
#include "bufopt/analysis/verify.h"
#include "zoo/random_models.h"

namespace bufopt::testing {
namespace {

constexpr int kSeeds = 300;
constexpr int kShards = 12;
constexpr double kGrid[] = {1.05, 1.2, 2.0};
constexpr int kFailuresShown = 25;

/// One deployment the guarantees are checked at.
struct Setting {
  const char* name;
  const char* platform;
  int64_t activation_bytes;  ///< 0: the model's own (float32)
  bool stream_io;
};

constexpr Setting kSettings[] = {
    {"int8 --stream-io mcu", "mcu", 1, true},
    {"float32 cpu", "cpu", 0, false},
    {"float32 gpu", "gpu", 0, false},
};

/// What the shards measured (ratios of the answer to a reference, over every answer).
/// What a failed check was about.
enum Kind { kVerifier, kSlowdown, kMonotone, kCandidate, kPrevious, kBound, kKinds };
constexpr const char* kKindNames[kKinds] = {"verifier", "slowdown above R", "not monotone in R",
                                            "above a structured candidate", "above the previous optimizer",
                                            "lower bound above an arena"};

struct Statistics {
  int shards = 0;
  int models = 0;
  int answers = 0;
  int failures = 0;
  int by_kind[kKinds] = {};
  double worst_candidate_ratio = 0;  ///< largest answer / best structured candidate
  double candidate_ratio_sum = 0;    ///< for the mean
  double worst_bound_ratio = 0;  ///< largest min(answer, best candidate) / lower bound
  double bound_log_sum = 0;      ///< sum of the logs of those ratios, for the geometric mean

  void add(const Statistics& other) {
    shards += other.shards;
    models += other.models;
    answers += other.answers;
    failures += other.failures;
    for (int k = 0; k < kKinds; ++k) by_kind[k] += other.by_kind[k];
    worst_candidate_ratio = std::max(worst_candidate_ratio, other.worst_candidate_ratio);
    candidate_ratio_sum += other.candidate_ratio_sum;
    worst_bound_ratio = std::max(worst_bound_ratio, other.worst_bound_ratio);
    bound_log_sum += other.bound_log_sum;
  }

  std::string line() const {
    std::ostringstream out;
    out << "models " << models << ", answers " << answers << ", failures " << failures;
    for (int k = 0; k < kKinds; ++k) {
      if (by_kind[k] > 0) out << " (" << kKindNames[k] << ": " << by_kind[k] << ")";
    }
    if (answers > 0) {
      out << ", answer / best structured candidate: mean " << candidate_ratio_sum / answers << ", worst "
          << worst_candidate_ratio;
      out << "; smallest arena found / lower bound: geometric mean " << std::exp(bound_log_sum / answers) << ", worst "
          << worst_bound_ratio;
    }
    return out.str();
  }
};

/// Every shard's statistics in this process, printed once all tests ran.
Statistics& process_totals() {
  static Statistics totals;
  return totals;
}

class PrintTotals : public ::testing::Environment {
 public:
  void TearDown() override {
    if (process_totals().shards > 1) std::cout << "[random CNNs, all shards run] " << process_totals().line() << "\n";
  }
};

const ::testing::Environment* const kPrintTotals = ::testing::AddGlobalTestEnvironment(new PrintTotals);

analysis::AnalysisOptions options_for(const Setting& setting, double max_slowdown) {
  analysis::AnalysisOptions options;
  options.platform = *analysis::platform_preset(setting.platform);
  options.stream_io = setting.stream_io;
  options.max_slowdown = max_slowdown;
  return options;
}

class RandomGuaranteesTest : public ::testing::TestWithParam<int> {};

TEST_P(RandomGuaranteesTest, AnswerVerifiedWithinRMonotoneAndAboveTheBound) {
  const int shard = GetParam();
  const int count = random_model_count(kSeeds);
  Statistics statistics;
  statistics.shards = 1;
  const auto fail = [&](Kind kind, const zoo::RandomModel& model, const Setting& setting, double r,
                        const std::string& what) {
    // Every failure is counted; the first few of a shard are told in full.
    ++statistics.by_kind[kind];
    if (++statistics.failures > kFailuresShown) return;
    ADD_FAILURE() << model.name << " (" << model.actors << " actors, " << model.input_height << "x"
                  << model.input_width << "), " << setting.name << ", R " << r << ": " << what;
  };
  for (int seed = shard; seed < count; seed += kShards) {
    const zoo::RandomModel model = zoo::random_model(static_cast<uint64_t>(seed));
    const graph::Graph imported = import_random_model(model);
    ++statistics.models;
    for (const Setting& setting : kSettings) {
      graph::Graph graph = imported;
      graph::set_activation_bytes(graph, setting.activation_bytes);
      int64_t previous = std::numeric_limits<int64_t>::max();
      for (double r : kGrid) {
        const analysis::AnalysisOptions options = options_for(setting, r);
        const analysis::Evaluation answer = analysis::optimize(graph, options);
        ++statistics.answers;
        const analysis::VerifyReport report = analysis::verify(graph, answer, options);
        if (!report.ok) fail(kVerifier, model, setting, r, "verifier: " + report.errors.front());
        if (answer.slowdown > r + analysis::kSlowdownTolerance) {
          fail(kSlowdown, model, setting, r, "slowdown " + std::to_string(answer.slowdown));
        }
        if (answer.shared_bytes() > previous) {
          fail(kMonotone, model, setting, r,
               "arena " + std::to_string(answer.shared_bytes()) + " B above the smaller R's " +
                   std::to_string(previous));
        }
        previous = std::min(previous, answer.shared_bytes());
        int64_t best_candidate = std::numeric_limits<int64_t>::max();
        std::string best_name;
        for (const analysis::StructuredCandidate& candidate : analysis::structured_candidates(graph, options)) {
          if (candidate.evaluation.shared_bytes() < best_candidate) {
            best_candidate = candidate.evaluation.shared_bytes();
            best_name = candidate.name;
          }
        }
        if (answer.shared_bytes() > best_candidate) {
          fail(kCandidate, model, setting, r,
               "arena " + std::to_string(answer.shared_bytes()) + " B above candidate '" + best_name + "' " +
                   std::to_string(best_candidate) + " B");
        }
        const int64_t previous_optimizer = analysis::threshold_search(graph, options).shared_bytes();
        if (answer.shared_bytes() > previous_optimizer) {
          fail(kPrevious, model, setting, r,
               "arena " + std::to_string(answer.shared_bytes()) + " B above the previous optimizer's " +
                   std::to_string(previous_optimizer) + " B");
        }
        const int64_t bound = analysis::lower_bound_bytes(graph, options);
        if (bound > best_candidate) {
          fail(kBound, model, setting, r,
               "lower bound " + std::to_string(bound) + " B above a candidate's arena " + std::to_string(best_candidate));
        }
        if (best_candidate > 0 && best_candidate < std::numeric_limits<int64_t>::max()) {
          const double ratio = static_cast<double>(answer.shared_bytes()) / static_cast<double>(best_candidate);
          statistics.worst_candidate_ratio = std::max(statistics.worst_candidate_ratio, ratio);
          statistics.candidate_ratio_sum += ratio;
        }
        if (bound > answer.shared_bytes()) {
          fail(kBound, model, setting, r,
               "lower bound " + std::to_string(bound) + " B above the arena " + std::to_string(answer.shared_bytes()));
        }
        if (bound > 0) {
          const int64_t best_known = std::min(answer.shared_bytes(), best_candidate);
          const double ratio = static_cast<double>(best_known) / static_cast<double>(bound);
          statistics.worst_bound_ratio = std::max(statistics.worst_bound_ratio, ratio);
          statistics.bound_log_sum += std::log(ratio);
        }
      }
    }
  }
  EXPECT_EQ(statistics.failures, 0) << "failures in shard " << shard << " (the first " << kFailuresShown
                                    << " are listed above)";
  std::cout << "[random CNNs, shard " << shard << " of " << kShards << "] " << statistics.line() << "\n";
  process_totals().add(statistics);
}

INSTANTIATE_TEST_SUITE_P(Shards, RandomGuaranteesTest, ::testing::Range(0, kShards));

}  // namespace
}  // namespace bufopt::testing
