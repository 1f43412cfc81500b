#include "bufopt/analysis/analyze.h"

#include <gtest/gtest.h>

#include <random>

#include "analysis/analysis_test_graphs.h"
#include "bufopt/analysis/lower_bound.h"

namespace bufopt::analysis {
namespace {

graph::Graph model() {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 3, 16, 8);
  const auto a = builder.conv("a", in, 8, 3, 2, 1);
  const auto b = builder.conv("b", a, 8, 3, 1, 1);
  const auto c = builder.elementwise("add", {a, b});
  builder.output(builder.barrier("head", builder.conv("d", c, 4, 1), 1));
  return builder.build();
}

TEST(Analyze, ProducesAVerifiedConsistentResult) {
  const graph::Graph graph = model();
  for (double slowdown : {1.0, 1.2, 100.0}) {
    for (bool stream_io : {false, true}) {
      AnalysisOptions options;
      options.max_slowdown = slowdown;
      options.stream_io = stream_io;
      const AnalysisResult result = analyze(graph, options);
      EXPECT_TRUE(result.verification.ok) << (result.verification.errors.empty() ? "" : result.verification.errors[0]);
      EXPECT_LE(result.evaluation.slowdown, slowdown + kSlowdownTolerance);
      EXPECT_LE(result.lower_bound_bytes, result.evaluation.shared_bytes());
      EXPECT_LE(result.evaluation.shared_bytes(), result.evaluation.fifo_bytes);
      EXPECT_EQ(result.lower_bound_bytes, lower_bound_bytes(graph, options));
      const Baselines baselines = whole_tensor_baselines(graph, stream_io);
      EXPECT_EQ(result.baselines.baseline_bytes, baselines.baseline_bytes);
      EXPECT_EQ(result.baselines.baseline_shared_bytes, baselines.baseline_shared_bytes);
      EXPECT_EQ(result.options.max_slowdown, slowdown);
      if (slowdown == 1.0) {
        EXPECT_EQ(result.evaluation.fifo_bytes, baselines.baseline_bytes);
      }
    }
  }
}

// The independent verifier accepts every evaluated plan, whatever the granularities, and the
// lower bound stays below the arena.
TEST(Analyze, RandomPlansPassTheVerifier) {
  std::mt19937 random(99);
  for (int trial = 0; trial < 200; ++trial) {
    const graph::Graph graph = test::random_model(random);
    AnalysisOptions options;
    options.stream_io = trial % 2 == 0;
    options.max_slowdown = 1e9;
    const Evaluation evaluation = evaluate_plan(graph, test::random_granularity(graph, random), options);
    const VerifyReport report = verify(graph, evaluation, options);
    ASSERT_TRUE(report.ok) << "trial " << trial << ": " << report.errors.front();
    EXPECT_LE(lower_bound_bytes(graph, options), evaluation.shared_bytes()) << "trial " << trial;
    EXPECT_LE(evaluation.shared_bytes(), evaluation.fifo_bytes) << "trial " << trial;
    // R = 1: whole tensors, never above the layer-by-layer baselines.
    options.max_slowdown = 1.0;
    const AnalysisResult strict = analyze(graph, options);
    ASSERT_TRUE(strict.verification.ok) << "trial " << trial << ": " << strict.verification.errors.front();
    EXPECT_LE(strict.evaluation.shared_bytes(), strict.baselines.baseline_shared_bytes) << "trial " << trial;
    // With streamed I/O a source delivers the image row by row, so rows a whole layer never
    // reads (left over by its stride) take no slot and the FIFO sum may fall below the tensors.
    if (!options.stream_io) {
      EXPECT_EQ(strict.evaluation.fifo_bytes, strict.baselines.baseline_bytes) << "trial " << trial;
    }
  }
}

}  // namespace
}  // namespace bufopt::analysis
