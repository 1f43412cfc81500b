#include "bufopt/analysis/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "analysis/analysis_test_graphs.h"
#include "bufopt/analysis/arena.h"
#include "bufopt/analysis/evaluate.h"

namespace bufopt::analysis {
namespace {

using test::conv_chain;
using test::pull_usage;
using test::residual;
using test::strided_pair;
using test::uniform;

size_t at(graph::BufferId id) {
  return static_cast<size_t>(id);
}

int64_t count_of(const Schedule& schedule, dataflow::NodeId node) {
  return std::count(schedule.firings.begin(), schedule.firings.end(), node);
}

// MODEL 8: chain of two 3x3/s1/p1 convs, g = 1, demand-driven: the middle buffer needs 3 rows.
TEST(PullSchedule, ConvChainMiddleBufferHoldsThreeRows) {
  for (int64_t rows : {3, 4, 8, 17}) {
    const auto chain = conv_chain(rows);
    const BufferUsage usage = pull_usage(chain.graph, uniform(chain.graph, 1));
    EXPECT_EQ(usage.capacity_rows[at(chain.buffers[1])], 3) << rows << " rows";
    // Graph input and output are held by the application: not counted.
    EXPECT_EQ(usage.capacity_rows[at(chain.buffers[0])], 0);
    EXPECT_EQ(usage.capacity_rows[at(chain.buffers[2])], 0);
  }
}

// MODEL 8: 3x3 stride-2 pad-1 conv fed one row per firing: its input buffer needs 3 rows.
TEST(PullSchedule, StrideTwoPadOneConvNeedsThreeInputRows) {
  for (int64_t rows : {8, 9, 16}) {
    const auto pair = strided_pair(rows, 3, 2, 1);
    const BufferUsage usage = pull_usage(pair.graph, uniform(pair.graph, 1));
    EXPECT_EQ(usage.capacity_rows[at(pair.buffers[1])], 3) << rows << " rows";
  }
}

// MODEL 8: 1x1 stride-2 conv: one row read per firing, the skipped row released unread: 1 row.
TEST(PullSchedule, OneByOneStrideTwoConvNeedsOneRow) {
  for (int64_t rows : {8, 9}) {
    const auto pair = strided_pair(rows, 1, 2, 0);
    const BufferUsage usage = pull_usage(pair.graph, uniform(pair.graph, 1));
    EXPECT_EQ(usage.capacity_rows[at(pair.buffers[1])], 1) << rows << " rows";
  }
}

// MODEL 8: residual x -> m convs -> Add(x): x's buffer needs max(3, m + 1) rows, the last conv's
// buffer 1 row, whichever port of the Add the skip connection is on.
TEST(PullSchedule, ResidualSkipBufferHoldsMPlusOneRows) {
  for (bool branch_first : {false, true}) {
    for (int m : {1, 2, 3, 4}) {
      const auto block = residual(12, m, branch_first);
      const BufferUsage usage = pull_usage(block.graph, uniform(block.graph, 1));
      EXPECT_EQ(usage.capacity_rows[at(block.buffers[0])], std::max(3, m + 1)) << "m = " << m;
      EXPECT_EQ(usage.capacity_rows[at(block.buffers[1])], 1) << "m = " << m;
    }
  }
}

// MODEL 8: layer by layer, capacities are whole tensors.
TEST(PullSchedule, LayerByLayerCapacitiesAreWholeTensors) {
  const auto block = residual(10, 3);
  const std::vector<int64_t> whole(block.graph.actors.size(), 1000);
  const BufferUsage usage = pull_usage(block.graph, whole);
  for (size_t b = 0; b < block.graph.buffers.size(); ++b) {
    const graph::Buffer& buffer = block.graph.buffers[b];
    EXPECT_EQ(usage.capacity_rows[b], buffer.io == graph::IoRole::kNone ? buffer.rows() : 0) << buffer.name;
  }
}

TEST(PullSchedule, EveryNodeFiresItsPhasesOnceEach) {
  const auto block = residual(9, 2);
  for (int64_t g : {1, 2, 4}) {
    const dataflow::Network network =
        dataflow::build_network(block.graph, uniform(block.graph, g), {.stream_io = true});
    const Schedule schedule = smallest_arena_pull_schedule(network);
    for (size_t n = 0; n < network.nodes.size(); ++n) {
      EXPECT_EQ(count_of(schedule, static_cast<dataflow::NodeId>(n)), network.nodes[n].phases) << network.nodes[n].name;
    }
    EXPECT_NO_THROW(measure_usage(network, schedule));
  }
}

TEST(PullSchedule, ObserverSeesTheSameOrderAndCanStopIt) {
  const auto block = residual(9, 2);
  const dataflow::Network network = dataflow::build_network(block.graph, uniform(block.graph, 1), {.stream_io = true});
  for (bool run_ahead : {false, true}) {
    for (RootOrder roots : {RootOrder::kOneAfterAnother, RootOrder::kInterleaved}) {
      const PullOptions options{BranchOrder::kPortOrder, roots, run_ahead};
      const Schedule collected = pull_schedule(network, options);
      Schedule observed;
      EXPECT_TRUE(pull_schedule(network, options, [&](dataflow::NodeId n) {
        observed.firings.push_back(n);
        return true;
      }));
      EXPECT_EQ(observed.firings, collected.firings);
      // Stopping after the 5th firing: no further firing is made.
      Schedule stopped;
      EXPECT_FALSE(pull_schedule(network, options, [&](dataflow::NodeId n) {
        stopped.firings.push_back(n);
        return stopped.firings.size() < 5;
      }));
      EXPECT_EQ(stopped.firings, std::vector<dataflow::NodeId>(collected.firings.begin(), collected.firings.begin() + 5));
    }
  }
}

TEST(PullSchedule, IsDeterministic) {
  const auto block = residual(11, 3);
  const dataflow::Network network = dataflow::build_network(block.graph, uniform(block.graph, 2), {});
  EXPECT_EQ(smallest_arena_pull_schedule(network).firings, smallest_arena_pull_schedule(network).firings);
}

// Rows nobody reads (the last row skipped by a 1x1 stride-2 conv) are written right after the
// reader's last firing, so the buffer dies then rather than at the end of the schedule.
TEST(PullSchedule, UnreadRowsAreWrittenAsSoonAsTheReaderIsDone) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 2, 8, 3);
  const auto a = builder.conv("a", in, 2, 1);
  const auto b = builder.conv("b", a, 2, 1, 2, 0);  // reads rows 0, 2, 4, 6 of a
  const auto c = builder.conv("c", b, 2, 3, 1, 1);
  builder.output(c);
  const graph::Graph graph = builder.build();
  const dataflow::Network network = dataflow::build_network(graph, uniform(graph, 1), {});
  const Schedule schedule = smallest_arena_pull_schedule(network);
  const auto& firings = schedule.firings;
  const auto last_of = [&](dataflow::NodeId n) {
    return static_cast<int64_t>(firings.rend() - std::find(firings.rbegin(), firings.rend(), n)) - 1;
  };
  EXPECT_EQ(last_of(0), last_of(1) + 1);
  const BufferUsage usage = measure_usage(network, schedule);
  EXPECT_EQ(usage.lifetimes[at(a)].last, last_of(0));
  EXPECT_EQ(usage.capacity_rows[at(a)], 1);
}

// Two outputs reading one trunk: taking turns between the outputs keeps the trunk's buffer at a
// few rows, where finishing one output first holds the whole trunk for the other.
TEST(PullSchedule, InterleavedRootsKeepASharedTrunkSmall) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 2, 16, 3);
  const auto trunk = builder.conv("trunk", in, 4, 1);
  const auto left = builder.conv("left", trunk, 2, 3, 1, 1);
  const auto right = builder.conv("right", trunk, 2, 3, 1, 1);
  builder.output(left);
  builder.output(right);
  const graph::Graph graph = builder.build();
  const dataflow::Network network = dataflow::build_network(graph, uniform(graph, 1), {});
  const auto trunk_rows = [&](const Schedule& schedule) {
    return measure_usage(network, schedule).capacity_rows[at(trunk)];
  };
  EXPECT_EQ(trunk_rows(pull_schedule(network, {BranchOrder::kPortOrder, RootOrder::kOneAfterAnother})), 16);
  EXPECT_EQ(trunk_rows(pull_schedule(network, {BranchOrder::kPortOrder, RootOrder::kInterleaved})), 3);
  EXPECT_EQ(trunk_rows(smallest_arena_pull_schedule(network)), 3);
}

// With streamed I/O the sinks pull: the image buffer then holds only the rows the first conv's
// window spans.
TEST(PullSchedule, StreamedInputHoldsOneWindow) {
  const auto chain = conv_chain(10);
  const BufferUsage usage = pull_usage(chain.graph, uniform(chain.graph, 1), /*stream_io=*/true);
  EXPECT_EQ(usage.capacity_rows[at(chain.buffers[0])], 3);
  EXPECT_EQ(usage.capacity_rows[at(chain.buffers[1])], 3);
  EXPECT_EQ(usage.capacity_rows[at(chain.buffers[2])], 1);
}

// Branch order matters on whole branches: Concat of a big-peak branch and a small one. Pulling
// the big branch first holds only the small result while the big one peaks (Sethi-Ullman).
TEST(PullSchedule, LargestPeakFirstRunsTheHungryBranchFirst) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 1, 8, 2);
  const auto small = builder.conv("small", in, 1, 1);      // 8 rows x 8 B
  const auto wide = builder.conv("wide", in, 16, 1);       // 8 rows x 128 B
  const auto narrow = builder.conv("narrow", wide, 1, 1);  // 8 rows x 8 B
  const auto joined = builder.elementwise("concat", {small, narrow}, true);
  builder.output(joined);
  const graph::Graph graph = builder.build();
  const std::vector<int64_t> whole(graph.actors.size(), 8);
  const dataflow::Network network = dataflow::build_network(graph, whole, {});
  const auto arena = [&](const Schedule& schedule) {
    return place_greedy_by_size(channel_requests(network, measure_usage(network, schedule))).size;
  };
  const int64_t heuristic =
      arena(pull_schedule(network, {BranchOrder::kLargestPeakFirst, RootOrder::kOneAfterAnother}));
  const int64_t in_port_order = arena(pull_schedule(network, {BranchOrder::kPortOrder, RootOrder::kOneAfterAnother}));
  // Port order: small (64) held while wide (1024) and narrow (64) run: 64 + 1024 + 64.
  EXPECT_EQ(in_port_order, 64 + 1024 + 64);
  // Largest peak first: wide + narrow (1088), then small beside narrow.
  EXPECT_EQ(heuristic, 1024 + 64);
  EXPECT_EQ(arena(smallest_arena_pull_schedule(network)), heuristic);
}

// A layer that shrinks the data a lot (a 5-row window of a 12 B/row image into a 4 B/row map)
// run to its end when first pulled lets the image die before the wide layers are born.
TEST(PullSchedule, RunAheadFreesABigInputEarly) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 3, 6, 1);      // 6 rows x 12 B
  const auto a = builder.conv("a", in, 1, 5, 1, 1);  // 4 rows x 4 B
  const auto b = builder.conv("b", a, 8, 1);         // 4 rows x 32 B
  builder.output(builder.conv("c", b, 1, 3, 1, 1));  // 4 rows x 4 B
  const graph::Graph graph = builder.build();
  const dataflow::Network network = dataflow::build_network(graph, uniform(graph, 1), {.stream_io = true});
  const auto arena = [&](const Schedule& schedule) {
    return place_greedy_by_size(channel_requests(network, measure_usage(network, schedule))).size;
  };
  // Lazily, everything lives to the end: image 5 rows (60) + a 1 row (4) + b 3 rows (96) +
  // output 1 row (4).
  EXPECT_EQ(arena(pull_schedule(network, {BranchOrder::kPortOrder, RootOrder::kOneAfterAnother, false})), 164);
  // Run ahead (a and c qualify): the image (60) dies before b (96) is born and shares its bytes;
  // a (whole, 16) and the output (whole, 16) stack above b: 96 + 16 + 16.
  EXPECT_EQ(arena(pull_schedule(network, {BranchOrder::kPortOrder, RootOrder::kOneAfterAnother, true})), 128);
  EXPECT_EQ(arena(smallest_arena_pull_schedule(network)), 128);
}

// Deep networks: the explicit stack handles hundreds of layers and the work stays linear.
TEST(PullSchedule, DeepChainIsFastAndExact) {
  testing::GraphBuilder builder;
  auto current = builder.input("in", 1, 224, 1);
  std::vector<graph::BufferId> inner;
  for (int layer = 0; layer < 150; ++layer) {
    current = builder.conv("c" + std::to_string(layer), current, 1, 3, 1, 1);
    inner.push_back(current);
  }
  builder.output(current);
  const graph::Graph graph = builder.build();
  const auto start = std::chrono::steady_clock::now();
  const dataflow::Network network = dataflow::build_network(graph, uniform(graph, 1), {});
  const Schedule schedule = smallest_arena_pull_schedule(network);
  const BufferUsage usage = measure_usage(network, schedule);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(schedule.firings.size(), 150u * 224u);
  for (size_t i = 0; i + 1 < inner.size(); ++i) EXPECT_EQ(usage.capacity_rows[at(inner[i])], 3);
  EXPECT_LT(seconds, 2.0);
}

TEST(NodeByNodeSchedule, RunsEachNodeWholeInGraphOrder) {
  const auto chain = conv_chain(4);
  const dataflow::Network network = dataflow::build_network(chain.graph, uniform(chain.graph, 1), {.stream_io = true});
  const Schedule schedule = node_by_node_schedule(network);
  // Nodes: c1 = 0, c2 = 1, source = 2, sink = 3; each 4 phases.
  const std::vector<dataflow::NodeId> expected = {2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 3, 3, 3, 3};
  EXPECT_EQ(schedule.firings, expected);
  const BufferUsage usage = measure_usage(network, schedule);
  EXPECT_EQ(usage.capacity_rows[at(chain.buffers[1])], 4);
}

TEST(PullSchedule, RejectsACycle) {
  dataflow::Network network;
  network.channels.resize(2);
  network.channels[0] = {0, 1, 4, 1, {0}, true};
  network.channels[1] = {1, 1, 4, 0, {1}, true};
  dataflow::Node node;
  node.phases = 1;
  node.inputs = {{0, {{0, 1}}, {1}}};
  node.outputs = {{1, {1}}};
  network.nodes.push_back(node);
  node.inputs = {{1, {{0, 1}}, {1}}};
  node.outputs = {{0, {1}}};
  network.nodes.push_back(node);
  EXPECT_THROW(pull_schedule(network, {}), std::logic_error);
}

}  // namespace
}  // namespace bufopt::analysis
