#include "bufopt/analysis/lower_bound.h"

#include <gtest/gtest.h>

#include <iostream>

#include "analysis/analysis_test_graphs.h"
#include "analysis/small_graphs.h"
#include "bufopt/analysis/exact_search.h"
#include "bufopt/analysis/time_model.h"

namespace bufopt::analysis {
namespace {

/// Options whose slowdown bound leaves exactly `extra + 0.5` extra firings of overhead.
AnalysisOptions options_with_budget(const graph::Graph& graph, double extra) {
  AnalysisOptions options;
  options.platform.macs_per_s = 1e9;
  options.platform.elems_per_s = 1e9;
  options.platform.firing_overhead_s = 1e-6;
  const double baseline = baseline_time_seconds(graph, options.platform);
  options.max_slowdown = 1.0 + (extra + 0.5) * 1e-6 / baseline;
  return options;
}

TEST(MinimumGranularity, FollowsTheFiringBudget) {
  const auto chain = test::conv_chain(8);
  // 3 extra firings: ceil(8 / g) <= 4 needs g >= 2.
  EXPECT_EQ(minimum_granularity(chain.graph, 0, options_with_budget(chain.graph, 3)), 2);
  // 1 extra firing: g >= 4; none: whole.
  EXPECT_EQ(minimum_granularity(chain.graph, 0, options_with_budget(chain.graph, 1)), 4);
  EXPECT_EQ(minimum_granularity(chain.graph, 0, options_with_budget(chain.graph, 0)), 8);
  // 7 or more: one row per firing.
  EXPECT_EQ(minimum_granularity(chain.graph, 1, options_with_budget(chain.graph, 7)), 1);
  AnalysisOptions free_firings;
  free_firings.platform.firing_overhead_s = 0;
  free_firings.max_slowdown = 1.0;
  EXPECT_EQ(minimum_granularity(chain.graph, 1, free_firings), 1);
}

TEST(MinimumGranularity, BarriersFireOnce) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 1, 8);
  builder.output(builder.barrier("flat", builder.conv("c", in, 2, 1), 4));
  EXPECT_EQ(minimum_granularity(builder.build(), 1, test::loose_options()), 4);
}

TEST(LowerBound, ChainHandComputed) {
  // Middle tensor: 3 channels x width 5 x 4 B = 60 B per row; graph I/O 40 B per row.
  const auto chain = test::conv_chain(8);
  // Row by row allowed: the second conv's 3-row window.
  EXPECT_EQ(lower_bound_bytes(chain.graph, test::loose_options()), 3 * 60);
  // No extra firing: whole tensors, the middle one in full.
  AnalysisOptions strict;
  strict.max_slowdown = 1.0;
  EXPECT_EQ(lower_bound_bytes(chain.graph, strict), 8 * 60);
  // Streamed I/O: at the second conv's first firing either the first conv has finished (the
  // middle tensor whole, 8 rows) or it has not, and the input (3 rows: the first conv's window),
  // the middle tensor (3 rows: the second conv's window) and the output row are all alive.
  AnalysisOptions streamed = test::loose_options();
  streamed.stream_io = true;
  EXPECT_EQ(lower_bound_bytes(chain.graph, streamed), 3 * 40 + 3 * 60 + 40);
}

TEST(LowerBound, ResidualSkipIsHeldAcrossTheBranch) {
  // x = Conv1x1(in); two 3x3 convs b0, b1 on x; Add(x, b1). Rows of 3 channels x 4 columns x 4 B.
  // At b1's last firing: b0 (3 rows, b1's window) and b1 (1 row) are b1's own; x was written
  // before (b1 reads b0 in every row, b0 reads x in every row) and the Add, whose last firing
  // comes after b1's, still reads it: x is alive too, with b0's 3-row window. The optimum is
  // the same 3 + 3 + 1 rows (MODEL 8: x needs max(3, m + 1) = 3 rows).
  const auto block = test::residual(8, 2);
  EXPECT_EQ(lower_bound_bytes(block.graph, test::loose_options()), (3 + 3 + 1) * 48);
}

TEST(LowerBound, ActorsShareOneBudgetOfExtraFirings) {
  // The residual block again, 8 rows, with 7 extra firings for the whole graph: b0 and b1 can
  // each fire once per row alone, not both. The skip x (charged to b0's window) and b0, b1
  // (charged to b1) compete for the one budget, which the bound now sees.
  const auto block = test::residual(8, 2);
  const AnalysisOptions shared_budget = options_with_budget(block.graph, 7);
  const int64_t bound = lower_bound_bytes(block.graph, shared_budget);
  EXPECT_GT(bound, lower_bound_bytes(block.graph, test::loose_options()));
  const auto exact = minimum_arena_plan(block.graph, shared_budget);
  ASSERT_TRUE(exact);
  EXPECT_LE(bound, exact->peak_live_bytes);
  std::cout << "residual block, 7 extra firings: bound " << bound << " B, exact minimum peak "
            << exact->peak_live_bytes << " B\n";
}

TEST(LowerBound, BarrierReadsItsInputWhole) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 1, 8);
  const auto c = builder.conv("c", in, 2, 1);    // 8 rows x 8 B
  const auto f = builder.barrier("flat", c, 1);  // 1 row x 8 B
  builder.output(builder.conv("fc", f, 3, 1));
  EXPECT_EQ(lower_bound_bytes(builder.build(), test::loose_options()), 64 + 8);
}

// The bound holds for every plan within R: here R is each random plan's own slowdown, the
// tightest R that still allows it.
TEST(LowerBound, NeverExceedsTheArenaOfAnyPlanWithinR) {
  std::mt19937 random(2024);
  for (int trial = 0; trial < 150; ++trial) {
    const graph::Graph graph = test::random_model(random);
    const std::vector<int64_t> granularity = test::random_granularity(graph, random);
    AnalysisOptions options;
    options.stream_io = trial % 2 == 1;
    options.platform.firing_overhead_s = std::vector<double>{1e-6, 1e-5, 1e-4}[static_cast<size_t>(trial % 3)];
    const Evaluation evaluation = evaluate_plan(graph, granularity, options);
    options.max_slowdown = evaluation.slowdown;
    for (size_t a = 0; a < granularity.size(); ++a) {
      ASSERT_LE(minimum_granularity(graph, static_cast<graph::ActorId>(a), options), evaluation.granularity()[a])
          << "trial " << trial << " actor " << a;
    }
    const int64_t bound = lower_bound_bytes(graph, options);
    ASSERT_LE(bound, evaluation.shared_bytes()) << "trial " << trial;
    if (evaluation.shared_bytes() > 0) {
      EXPECT_GT(bound, 0) << "trial " << trial;
    }
  }
}

// The bound against the true optimum: the smallest peak of live bytes over every granularity
// within R and every firing order (exact_search.h), on small random graphs.
TEST(LowerBound, NeverExceedsTheExactMinimumPeak) {
  testing::SmallGraphGenerator generator(1313, 5, 12);
  const double bounds[] = {1.0, 1.01, 1.03, 1.1, 1.3, 100.0};
  int compared = 0;
  int tight = 0;
  double ratio_sum = 0;
  for (int i = 0; i < 160; ++i) {
    const graph::Graph graph = generator.next();
    AnalysisOptions options;
    options.platform.macs_per_s = 1e6;
    options.platform.elems_per_s = 1e6;
    options.platform.firing_overhead_s = 1e-6;
    options.max_slowdown = bounds[generator.pick(0, 5)];
    options.stream_io = i % 2 == 1;
    const auto plan = minimum_arena_plan(graph, options);
    if (!plan) continue;
    ++compared;
    const int64_t bound = lower_bound_bytes(graph, options);
    ASSERT_LE(bound, plan->peak_live_bytes) << "graph " << i << " R " << options.max_slowdown;
    if (bound == plan->peak_live_bytes) ++tight;
    if (bound > 0) ratio_sum += static_cast<double>(plan->peak_live_bytes) / static_cast<double>(bound);
  }
  EXPECT_GE(compared, 100);
  std::cout << "lower bound vs exact minimum peak: " << compared << " graphs, equal on " << tight
            << ", mean optimum / bound " << ratio_sum / compared << "\n";
}

TEST(LowerBound, ShrinksAsRGrows) {
  std::mt19937 random(7);
  for (int trial = 0; trial < 30; ++trial) {
    const graph::Graph graph = test::random_model(random);
    AnalysisOptions options;
    int64_t previous = lower_bound_bytes(graph, options_with_budget(graph, 0));
    for (double extra : {1.0, 3.0, 10.0, 100.0}) {
      const int64_t bound = lower_bound_bytes(graph, options_with_budget(graph, extra));
      EXPECT_LE(bound, previous);
      previous = bound;
    }
  }
}

}  // namespace
}  // namespace bufopt::analysis
