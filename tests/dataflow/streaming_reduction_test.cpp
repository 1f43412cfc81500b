// A streaming reduction (MODEL 3: a reduction over H consumes rows phase by phase and emits at the
// end) in the network: phase rows, windows, releases and writes, hand-derived.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "bufopt/dataflow/network.h"
#include "bufopt/dataflow/phases.h"
#include "support/graph_builder.h"

namespace bufopt::dataflow {
namespace {

using testing::GraphBuilder;

/// x[2ch, 8 rows, width 3] -> c: conv3x3 p1 (4ch, 8 rows) -> gap: GlobalAveragePool [1,4,1,1].
struct Head {
  graph::Graph graph;
  graph::BufferId x, c, pooled;
};

Head head() {
  GraphBuilder builder;
  Head h;
  h.x = builder.input("x", 2, 8, 3);
  h.c = builder.conv("c", h.x, 4, 3, 1, 1);
  h.pooled = builder.global_pool("gap", h.c);
  builder.output(h.pooled);
  h.graph = builder.build();
  return h;
}

TEST(StreamingReduction, GranularityCountsInputRows) {
  const Head h = head();
  EXPECT_EQ(output_rows(h.graph, 1), 1);
  EXPECT_EQ(phase_rows(h.graph, 1), 8);  // the input's rows
  EXPECT_EQ(phase_rows(h.graph, 0), 8);  // a conv: its output rows
  EXPECT_EQ(effective_granularity(h.graph, 1, 3), 3);
  EXPECT_EQ(effective_granularity(h.graph, 1, 0), 1);
  EXPECT_EQ(effective_granularity(h.graph, 1, 100), 8);
}

TEST(StreamingReduction, ConsumesItsRowsAndWritesAtTheLastFiring) {
  const Head h = head();
  const Network net = build_network(h.graph, std::vector<int64_t>{1, 3}, {});
  const Node& gap = net.nodes[1];
  EXPECT_EQ(gap.granularity, 3);
  ASSERT_EQ(gap.phases, 3);  // ceil(8 / 3)
  ASSERT_EQ(gap.inputs.size(), 1u);
  EXPECT_EQ(gap.inputs[0].channel, h.c);
  EXPECT_EQ(gap.inputs[0].window, (std::vector<RowRange>{{0, 3}, {3, 6}, {6, 8}}));
  EXPECT_EQ(gap.inputs[0].release, (std::vector<int64_t>{3, 6, 8}));
  ASSERT_EQ(gap.outputs.size(), 1u);
  EXPECT_EQ(gap.outputs[0].written, (std::vector<int64_t>{0, 0, 1}));
  // The conv is unaffected: one output row per firing.
  EXPECT_EQ(net.nodes[0].phases, 8);
}

TEST(StreamingReduction, WholeGranularityIsOneFiringReadingEveryRow) {
  const Head h = head();
  const Network net = build_network(h.graph, std::vector<int64_t>{8, 8}, {});
  const Node& gap = net.nodes[1];
  ASSERT_EQ(gap.phases, 1);
  EXPECT_EQ(gap.inputs[0].window, (std::vector<RowRange>{{0, 8}}));
  EXPECT_EQ(gap.inputs[0].release, (std::vector<int64_t>{8}));
  EXPECT_EQ(gap.outputs[0].written, (std::vector<int64_t>{1}));
}

TEST(StreamingReduction, TableAndHelpersAgreeWithTheNetwork) {
  const Head h = head();
  const RowWindowTable table = row_window_table(h.graph);
  ASSERT_EQ(table.windows[1].size(), 1u);
  ASSERT_EQ(table.windows[1][0].size(), 8u);  // one window per phase row (input row)
  for (int64_t r = 0; r < 8; ++r) EXPECT_EQ(table.windows[1][0][static_cast<size_t>(r)], (RowRange{r, r + 1}));
  EXPECT_EQ(phase_row_windows(h.graph, 1, 0), table.windows[1][0]);
  NetworkBuilder builder(h.graph, {});
  for (int64_t g = 1; g <= 8; ++g) {
    const std::vector<int64_t> granularity{2, g};
    const Network direct = build_network(h.graph, granularity, {});
    EXPECT_EQ(builder.build(granularity), direct) << g;
    EXPECT_EQ(actor_output_port(h.graph, 1, 0, g).written, direct.nodes[1].outputs[0].written) << g;
    EXPECT_EQ(actor_output_port(h.graph, 0, 0, 2).written, direct.nodes[0].outputs[0].written) << g;
  }
}

TEST(StreamingReduction, StreamIoSinkDrainsTheOneRow) {
  const Head h = head();
  const Network net = build_network(h.graph, std::vector<int64_t>{1, 1}, {.stream_io = true});
  ASSERT_EQ(net.nodes.size(), 4u);  // c, gap, source, sink
  EXPECT_EQ(net.nodes[1].phases, 8);
  EXPECT_EQ(net.nodes[1].outputs[0].written, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(net.nodes[3].phases, 1);
}

TEST(StreamingReduction, ReductionOutputPortWritesOnlyAtTheEnd) {
  EXPECT_EQ(reduction_output_port(5, 1, 4).written, (std::vector<int64_t>{0, 0, 0, 1}));
  EXPECT_EQ(reduction_output_port(5, 1, 1).written, (std::vector<int64_t>{1}));
  EXPECT_EQ(reduction_output_port(5, 1, 4).channel, 5);
  EXPECT_THROW(reduction_output_port(0, 0, 4), std::invalid_argument);
  EXPECT_THROW(reduction_output_port(0, 1, 0), std::invalid_argument);
}

TEST(StreamingReduction, ValidateRejectsMalformedReductions) {
  Head h = head();
  graph::Graph two_rows = h.graph;
  two_rows.buffers[static_cast<size_t>(h.pooled)].shape = {1, 4, 2, 1};  // writes two rows
  EXPECT_FALSE(graph::validate(two_rows).empty());
  graph::Graph barrier = h.graph;
  barrier.actors[1].barrier = true;  // a streaming reduction is not a barrier
  EXPECT_FALSE(graph::validate(barrier).empty());
  EXPECT_TRUE(graph::validate(h.graph).empty());
}

}  // namespace
}  // namespace bufopt::dataflow
