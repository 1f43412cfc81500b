// Graphs with several heads: the pull order must not finish one head while another head's branch
// holds their shared tensor whole (issue 13). Capacities derived by hand in the comments.
#include <gtest/gtest.h>

#include <vector>

#include "bufopt/analysis/buffer_usage.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/schedule.h"
#include "bufopt/analysis/segment_schedule.h"
#include "bufopt/analysis/verify.h"
#include "bufopt/dataflow/network.h"
#include "support/graph_builder.h"

namespace bufopt::analysis {
namespace {

/// in (8 rows) -> t = 1x1 conv -> h1 = 1x1 conv (8 rows, output 1)
///                             -> h2 = 1x1 conv stride 2 (4 rows, output 2, reads t rows 0, 2, 4, 6)
/// Every actor one row per firing; graph outputs held by the application, so the roots are h1
/// and h2 (in that order) and t is the only counted buffer.
struct TwoHeads {
  graph::Graph graph;
  graph::BufferId t = 0;
};

TwoHeads two_heads() {
  testing::GraphBuilder builder;
  TwoHeads heads;
  heads.t = builder.conv("t", builder.input("in", 1, 8), 2, 1);
  builder.output(builder.conv("h1", heads.t, 1, 1));
  builder.output(builder.conv("h2", heads.t, 1, 1, 2));
  heads.graph = builder.build();
  return heads;
}

int64_t t_rows(const dataflow::Network& network, const Schedule& schedule, graph::BufferId t) {
  return measure_usage(network, schedule).capacity_rows[static_cast<size_t>(t)];
}

// Old order (each root to its end in node order): h1 pulls t rows 0..7 one by one while h2 has
// released nothing, so t holds all 8 rows when h1 finishes.
// New default (roots take turns, the one with the smallest fraction of its rows written after
// its next firing first, ties to h1): h1 row 0 (1/8 < 1/4); h1 row 1 (2/8 = 2/8: tie) writes t
// row 1 while h2 still needs row 0: 2 rows; h2 row 0 (2/8 < 3/8) releases t below 2; h1 row 2
// writes t row 2: 1 row; h1 row 3 (4/8 = 4/8: tie) writes t row 3 while h2 needs row 2: 2 rows;
// h2 row 1 releases below 4; and so on: t needs exactly 2 rows.
// The eager order (segment_schedule.h: h2 before h1 before t) fires both heads as soon as t's row
// is written: after t row 2k, h2 reads it and releases below 2k + 2, h1 releases below 2k + 1,
// so writing row 2k + 1 finds rows below 2k + 1 free: 1 row, the window (the minimum).
TEST(MultipleOutputs, HeadsAdvanceInProportionToTheirRows) {
  const TwoHeads heads = two_heads();
  const dataflow::Network network = dataflow::build_network(heads.graph, std::vector<int64_t>{1, 1, 1}, {});
  EXPECT_EQ(t_rows(network, pull_schedule(network, {BranchOrder::kLargestPeakFirst, RootOrder::kOneAfterAnother}),
                   heads.t),
            8);
  EXPECT_EQ(t_rows(network, pull_schedule(network, PullOptions{}), heads.t), 2);
  EXPECT_EQ(t_rows(network, segment_schedule(network, std::vector<int32_t>{0, 0, 0}), heads.t), 1);
}

// The evaluation every plan gets keeps the better orders, and the answer replays.
TEST(MultipleOutputs, EvaluationKeepsTheSharedTensorSmall) {
  const TwoHeads heads = two_heads();
  AnalysisOptions options;
  options.max_slowdown = 100;  // tiny actors: every extra firing costs a lot of the time
  const Evaluation evaluation = evaluate_plan(heads.graph, std::vector<int64_t>{1, 1, 1}, options);
  EXPECT_EQ(evaluation.usage.capacity_rows[static_cast<size_t>(heads.t)], 2);
  const VerifyReport report = verify(heads.graph, evaluation, options);
  EXPECT_TRUE(report.ok) << (report.errors.empty() ? "" : report.errors.front());
}

}  // namespace
}  // namespace bufopt::analysis
