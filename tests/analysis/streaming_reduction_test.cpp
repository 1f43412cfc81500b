// A streaming reduction through the whole analysis (MODEL 3: a reduction over H consumes rows
// phase by phase and emits at the end): hand-derived FIFO, firings and slowdown, the verifiers,
// the lower bound, the exact search and pipelined mode.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/exact_search.h"
#include "bufopt/analysis/lower_bound.h"
#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/pipelined.h"
#include "bufopt/analysis/verify.h"
#include "support/graph_builder.h"

namespace bufopt::analysis {
namespace {

using testing::GraphBuilder;

/// x[2ch, 8 rows, width 3] (held by the application) -> c: conv3x3 p1 (4ch x 8 x 3, 48 B a row,
/// 4*8*3*2*9 = 1728 MACs) -> gap: GlobalAveragePool (reads 96 elements) -> [1,4,1,1] output.
graph::Graph conv_then_pool() {
  GraphBuilder builder;
  const auto x = builder.input("x", 2, 8, 3);
  const auto c = builder.conv("c", x, 4, 3, 1, 1);
  builder.output(builder.global_pool("gap", c));
  return builder.build();
}

constexpr int64_t kConvRowBytes = 4 * 3 * 4;

AnalysisOptions options_with(double max_slowdown) {
  AnalysisOptions options;
  options.platform.macs_per_s = 1e9;
  options.platform.elems_per_s = 1e9;
  options.platform.firing_overhead_s = 1e-6;
  options.max_slowdown = max_slowdown;
  return options;
}

TEST(StreamingReductionAnalysis, RowByRowHoldsOneRowOfTheConvOutput) {
  const graph::Graph graph = conv_then_pool();
  ASSERT_EQ(graph.actors[0].macs, 1728);
  ASSERT_EQ(graph.actors[1].elementwise_ops, 96);
  const AnalysisOptions options = options_with(5);
  const Evaluation evaluation = evaluate_plan(graph, std::vector<int64_t>{1, 1}, options);
  // The pool's firing f reads conv row f and releases it; the conv's next firing writes row f+1:
  // one row at a time, against all 8 when the pool was a barrier.
  EXPECT_EQ(evaluation.phases(), (std::vector<int64_t>{8, 8}));
  EXPECT_EQ(evaluation.usage.capacity_rows[1], 1);
  EXPECT_EQ(evaluation.fifo_bytes, kConvRowBytes);
  EXPECT_EQ(evaluation.shared_bytes(), kConvRowBytes);
  EXPECT_EQ(evaluation.schedule.firings.size(), 16u);
  // T = 1728 ns + 96 ns + 16 firings x 1 us; layer by layer 1.824 us + 2 us.
  EXPECT_NEAR(evaluation.time_s, 17.824e-6, 1e-15);
  EXPECT_NEAR(evaluation.baseline_time_s, 3.824e-6, 1e-15);
  EXPECT_NEAR(evaluation.slowdown, 17.824 / 3.824, 1e-9);
  const VerifyReport report = verify(graph, evaluation, options);
  EXPECT_TRUE(report.ok) << (report.errors.empty() ? "" : report.errors.front());
}

TEST(StreamingReductionAnalysis, ThreeRowsPerFiringNeedThreeRows) {
  const graph::Graph graph = conv_then_pool();
  const AnalysisOptions options = options_with(5);
  const Evaluation evaluation = evaluate_plan(graph, std::vector<int64_t>{1, 3}, options);
  // Firing 0 needs rows [0,3), firing 1 [3,6), firing 2 [6,8): three rows at most.
  EXPECT_EQ(evaluation.phases(), (std::vector<int64_t>{8, 3}));
  EXPECT_EQ(evaluation.usage.capacity_rows[1], 3);
  EXPECT_TRUE(verify(graph, evaluation, options).ok);
}

TEST(StreamingReductionAnalysis, AnalyzeFindsTheOneRowPlanAndItsBound) {
  const graph::Graph graph = conv_then_pool();
  const AnalysisResult streamed = analyze(graph, options_with(5));  // 16 firings: slowdown 4.66
  EXPECT_TRUE(streamed.verification.ok);
  EXPECT_EQ(streamed.evaluation.shared_bytes(), kConvRowBytes);
  // One conv firing writes a row, one pool firing reads a row: the bound meets the answer.
  EXPECT_EQ(streamed.lower_bound_bytes, kConvRowBytes);
  const AnalysisResult whole = analyze(graph, options_with(1));  // no extra firing at all
  EXPECT_TRUE(whole.verification.ok);
  EXPECT_EQ(whole.evaluation.phases(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(whole.evaluation.shared_bytes(), 8 * kConvRowBytes);
  EXPECT_EQ(whole.lower_bound_bytes, 8 * kConvRowBytes);
}

TEST(StreamingReductionAnalysis, VerifierRejectsWrongClaims) {
  const graph::Graph graph = conv_then_pool();
  const AnalysisOptions options = options_with(5);
  const Evaluation good = evaluate_plan(graph, std::vector<int64_t>{1, 1}, options);
  ASSERT_TRUE(verify(graph, good, options).ok);

  Evaluation too_small = good;  // no room for the row the conv writes
  too_small.usage.capacity_rows[1] = 0;
  too_small.fifo_bytes = 0;
  EXPECT_FALSE(verify(graph, too_small, options).ok);

  Evaluation writes_early = good;  // the pool's row written at its first firing
  for (int64_t& written : writes_early.network.nodes[1].outputs[0].written) written = 1;
  EXPECT_FALSE(verify(graph, writes_early, options).ok);

  Evaluation one_phase = good;  // claims one firing, as a barrier, at the row-by-row time
  one_phase.network.nodes[1].phases = 1;
  EXPECT_FALSE(verify(graph, one_phase, options).ok);

  Evaluation cheap = good;  // the time of 9 firings instead of 16
  cheap.time_s = 10.824e-6;
  cheap.slowdown = cheap.time_s / cheap.baseline_time_s;
  EXPECT_FALSE(verify(graph, cheap, options).ok);

  // An answer computed as if the pool were a barrier does not verify on the streaming graph.
  graph::Graph as_barrier = graph;
  as_barrier.actors[1].streaming_reduction = false;
  as_barrier.actors[1].barrier = true;
  const Evaluation barrier_answer = evaluate_plan(as_barrier, std::vector<int64_t>{1, 1}, options);
  ASSERT_TRUE(verify(as_barrier, barrier_answer, options).ok);
  EXPECT_EQ(barrier_answer.usage.capacity_rows[1], 8);
  EXPECT_FALSE(verify(graph, barrier_answer, options).ok);
}

TEST(StreamingReductionAnalysis, OptimizerMatchesTheExactSearch) {
  const graph::Graph graph = conv_then_pool();
  for (double r : {1.0, 1.5, 2.5, 3.5, 4.6, 5.0}) {
    const AnalysisOptions options = options_with(r);
    const auto exact = minimum_arena_plan(graph, options);
    ASSERT_TRUE(exact.has_value()) << r;
    const Evaluation evaluation = optimize(graph, options);
    EXPECT_GE(evaluation.shared_bytes(), exact->peak_live_bytes) << r;
    EXPECT_EQ(evaluation.shared_bytes(), exact->arena.size) << r;
    EXPECT_LE(lower_bound_bytes(graph, options), exact->peak_live_bytes) << r;
    EXPECT_TRUE(verify(graph, evaluation, options).ok) << r;
  }
}

/// Random conv chains ending in a streaming reduction (and sometimes a 1x1 conv after it).
graph::Graph random_pooled_chain(std::mt19937& random) {
  auto pick = [&](int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(random); };
  GraphBuilder builder;
  auto current = builder.input("in", pick(1, 3), pick(4, 10), pick(1, 3));
  const int64_t convs = pick(1, 3);
  for (int64_t i = 0; i < convs; ++i) {
    const int64_t kernel = pick(0, 1) == 0 ? 1 : 3;
    current = builder.conv("c" + std::to_string(i), current, pick(1, 4), kernel, 1, kernel / 2);
  }
  current = builder.global_pool("gap", current);
  if (pick(0, 1) == 0) current = builder.conv("fc", current, pick(1, 4), 1);
  builder.output(current);
  return builder.build();
}

TEST(StreamingReductionAnalysis, OptimizerHeldToTheExactOptimumOnPooledChains) {
  std::mt19937 random(11);
  int compared = 0;
  int optimal = 0;
  for (int i = 0; i < 25; ++i) {
    const graph::Graph graph = random_pooled_chain(random);
    for (double r : {1.05, 1.5, 3.0}) {
      AnalysisOptions options = options_with(r);
      options.platform.firing_overhead_s = 1e-8;
      const auto exact = minimum_arena_plan(graph, options);
      if (!exact || !exact->arena_is_optimal) continue;
      const Evaluation evaluation = optimize(graph, options);
      ASSERT_TRUE(verify(graph, evaluation, options).ok);
      ASSERT_GE(evaluation.shared_bytes(), exact->peak_live_bytes);
      ASSERT_LE(lower_bound_bytes(graph, options), exact->peak_live_bytes);
      optimal += evaluation.shared_bytes() == exact->arena.size ? 1 : 0;
      ++compared;
    }
  }
  ASSERT_GT(compared, 40);
  RecordProperty("optimal", optimal);
  // Chains are the optimizer's easy case: it must find the optimum on at least 90% of them.
  EXPECT_GE(optimal * 10, compared * 9) << optimal << " of " << compared;
}

TEST(StreamingReductionAnalysis, PipelinedWorkFollowsInputRowsAndVerifies) {
  const graph::Graph graph = conv_then_pool();
  AnalysisOptions options = options_with(10);
  options.mode = Mode::kPipelined;
  const dataflow::Network network = dataflow::build_network(graph, std::vector<int64_t>{1, 1}, {});
  const FiringTimes times = firing_times(graph, network, options);
  // 96 ns over 8 input rows: 12 ns each, plus the 1 us overhead.
  ASSERT_EQ(times.ticks[1].size(), 8u);
  for (Ticks t : times.ticks[1]) EXPECT_EQ(t, 12'000 + 1'000'000);
  const AnalysisResult result = analyze(graph, options);
  EXPECT_TRUE(result.verification.ok) << (result.verification.errors.empty() ? "" : result.verification.errors.front());
  EXPECT_LT(result.evaluation.usage.capacity_rows[1], 8);  // streamed, not held whole
  // With --stream-io the source feeds x and the sink drains the pool's row.
  options.stream_io = true;
  const AnalysisResult streamed_io = analyze(graph, options);
  EXPECT_TRUE(streamed_io.verification.ok);
}

}  // namespace
}  // namespace bufopt::analysis
