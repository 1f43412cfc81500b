#include "bufopt/analysis/plan_policy.h"

#include <gtest/gtest.h>

#include "support/graph_builder.h"

namespace bufopt::analysis {
namespace {

graph::Graph small_model() {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 3, 12, 12);
  const auto a = builder.conv("a", in, 8, 3, 2, 1);  // 6 rows
  const auto b = builder.conv("b", a, 8, 3, 1, 1);   // 6 rows
  builder.output(builder.barrier("head", b, 1));
  return builder.build();
}

TEST(PlanPolicy, LayerByLayerAndRowByRow) {
  const graph::Graph graph = small_model();
  EXPECT_EQ(layer_by_layer_granularity(graph), (std::vector<int64_t>{6, 6, 1}));
  EXPECT_EQ(row_by_row_granularity(graph), (std::vector<int64_t>{1, 1, 1}));
}

TEST(PlanPolicy, SimplePolicySplitsOnlyWhenRowByRowFits) {
  const graph::Graph graph = small_model();
  AnalysisOptions options;
  options.platform.firing_overhead_s = 1e-6;
  // Row by row: 10 extra firings of 1 us each.
  const Evaluation rows = evaluate_plan(graph, row_by_row_granularity(graph), options);
  ASSERT_GT(rows.slowdown, 1.0);
  options.max_slowdown = rows.slowdown;
  EXPECT_EQ(simple_policy_granularity(graph, options), row_by_row_granularity(graph));
  options.max_slowdown = 1.0 + (rows.slowdown - 1.0) * 0.99;
  EXPECT_EQ(simple_policy_granularity(graph, options), layer_by_layer_granularity(graph));
  options.max_slowdown = 1.0;
  options.platform.firing_overhead_s = 0;
  EXPECT_EQ(simple_policy_granularity(graph, options), row_by_row_granularity(graph));
}

}  // namespace
}  // namespace bufopt::analysis
