// build_network on small graphs from GraphBuilder: nodes, channels, I/O handling, ports.
#include "bufopt/dataflow/network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "support/graph_builder.h"

namespace bufopt::dataflow {
namespace {

using testing::GraphBuilder;

/// x[3ch, 16 rows, width 8] -> a: conv3x3 p1 -> b: conv3x3 s2 p1 -> output (8 rows).
struct Chain {
  graph::Graph graph;
  graph::BufferId x, a, b;
};

Chain chain() {
  GraphBuilder builder;
  Chain c;
  c.x = builder.input("x", 3, 16, 8);
  c.a = builder.conv("a", c.x, 4, 3, 1, 1);
  c.b = builder.conv("b", c.a, 5, 3, 2, 1);
  builder.output(c.b);
  c.graph = builder.build();
  return c;
}

TEST(Network, WithoutStreamIoGraphIoIsHeldByTheApplication) {
  const Chain c = chain();
  const Network net = build_network(c.graph, std::vector<int64_t>{1, 1}, {});
  ASSERT_EQ(net.nodes.size(), 2u);
  ASSERT_EQ(net.channels.size(), 3u);
  for (size_t n = 0; n < 2; ++n) {
    EXPECT_EQ(net.nodes[n].kind, NodeKind::kActor);
    EXPECT_EQ(net.nodes[n].actor, static_cast<graph::ActorId>(n));
  }
  EXPECT_EQ(net.nodes[0].name, "a");
  EXPECT_EQ(net.nodes[1].name, "b");

  const Channel& input = net.channels[static_cast<size_t>(c.x)];
  EXPECT_EQ(input.producer, kNoNode);
  EXPECT_EQ(input.consumers, (std::vector<NodeId>{0}));
  EXPECT_FALSE(input.counted);
  const Channel& middle = net.channels[static_cast<size_t>(c.a)];
  EXPECT_EQ(middle.producer, 0);
  EXPECT_EQ(middle.consumers, (std::vector<NodeId>{1}));
  EXPECT_TRUE(middle.counted);
  const Channel& output = net.channels[static_cast<size_t>(c.b)];
  EXPECT_EQ(output.producer, 1);
  EXPECT_TRUE(output.consumers.empty());
  EXPECT_FALSE(output.counted);

  // Rows and row bytes of NCHW float32: C * W * 4.
  EXPECT_EQ(input.rows, 16);
  EXPECT_EQ(input.row_bytes, 3 * 8 * 4);
  EXPECT_EQ(middle.rows, 16);
  EXPECT_EQ(middle.row_bytes, 4 * 8 * 4);
  EXPECT_EQ(output.rows, 8);
  for (size_t id = 0; id < net.channels.size(); ++id) {
    EXPECT_EQ(net.channels[id].buffer, static_cast<graph::BufferId>(id));
  }
}

TEST(Network, PerActorVectorsReadTheActorNodesOnly) {
  const Chain c = chain();
  const Network net = build_network(c.graph, std::vector<int64_t>{3, 1}, {.stream_io = true});
  ASSERT_EQ(net.nodes.size(), 4u);                                    // the source and sink follow
  EXPECT_EQ(actor_granularities(net), (std::vector<int64_t>{3, 1}));  // 16 rows at 3, 8 rows at 1
  EXPECT_EQ(actor_phases(net), (std::vector<int64_t>{6, 8}));         // ceil(16 / 3), 8
}

TEST(Network, StreamIoAddsSourcesAndSinks) {
  const Chain c = chain();
  const Network net = build_network(c.graph, std::vector<int64_t>{1, 1}, {.stream_io = true});
  ASSERT_EQ(net.nodes.size(), 4u);  // a, b, source of x, sink of b
  const Node& source = net.nodes[2];
  const Node& sink = net.nodes[3];
  EXPECT_EQ(source.kind, NodeKind::kSource);
  EXPECT_EQ(sink.kind, NodeKind::kSink);
  EXPECT_EQ(source.actor, graph::kNoActor);
  EXPECT_EQ(sink.actor, graph::kNoActor);

  EXPECT_EQ(source.phases, 16);
  ASSERT_EQ(source.outputs.size(), 1u);
  EXPECT_TRUE(source.inputs.empty());
  EXPECT_EQ(source.outputs[0].channel, c.x);
  for (int64_t f = 0; f < 16; ++f) EXPECT_EQ(source.outputs[0].written[static_cast<size_t>(f)], f + 1);

  EXPECT_EQ(sink.phases, 8);
  ASSERT_EQ(sink.inputs.size(), 1u);
  EXPECT_TRUE(sink.outputs.empty());
  EXPECT_EQ(sink.inputs[0].channel, c.b);
  for (int64_t f = 0; f < 8; ++f) {
    EXPECT_EQ(sink.inputs[0].window[static_cast<size_t>(f)], (RowRange{f, f + 1}));
    EXPECT_EQ(sink.inputs[0].release[static_cast<size_t>(f)], f + 1);
  }

  EXPECT_EQ(net.channels[static_cast<size_t>(c.x)].producer, 2);
  EXPECT_EQ(net.channels[static_cast<size_t>(c.b)].consumers, (std::vector<NodeId>{3}));
  for (const Channel& channel : net.channels) EXPECT_TRUE(channel.counted);
}

TEST(Network, SharedBufferListsEveryReaderAndTheSink) {
  // Residual: x -> p (1x1) -> two 3x3 convs -> add(p); p is also a graph output.
  GraphBuilder builder;
  const auto x = builder.input("x", 2, 12, 4);
  const auto p = builder.conv("p", x, 4, 1);
  const auto c1 = builder.conv("c1", p, 4, 3, 1, 1);
  const auto c2 = builder.conv("c2", c1, 4, 3, 1, 1);
  const auto sum = builder.elementwise("add", {c2, p});
  builder.output(sum);
  builder.output(p);
  const graph::Graph g = builder.build();
  const Network net = build_network(g, std::vector<int64_t>(4, 1), {.stream_io = true});
  ASSERT_EQ(net.nodes.size(), 4u + 1 + 2);
  // Sinks follow the source, in buffer order: p's buffer comes before the sum's.
  EXPECT_EQ(net.nodes[5].name, "sink:" + g.buffers[static_cast<size_t>(p)].name);
  EXPECT_EQ(net.channels[static_cast<size_t>(p)].consumers, (std::vector<NodeId>{1, 3, 5}));
  EXPECT_EQ(net.channels[static_cast<size_t>(sum)].consumers, (std::vector<NodeId>{6}));
  // The Add reads the same row of both inputs.
  const Node& add = net.nodes[3];
  ASSERT_EQ(add.inputs.size(), 2u);
  for (const InputPort& port : add.inputs) {
    for (int64_t f = 0; f < 12; ++f) EXPECT_EQ(port.window[static_cast<size_t>(f)], (RowRange{f, f + 1}));
  }
  const Network held = build_network(g, std::vector<int64_t>(4, 1), {});
  EXPECT_EQ(held.nodes.size(), 4u);
  EXPECT_EQ(held.channels[static_cast<size_t>(p)].consumers, (std::vector<NodeId>{1, 3}));
  EXPECT_FALSE(held.channels[static_cast<size_t>(p)].counted);
  EXPECT_TRUE(held.channels[static_cast<size_t>(c1)].counted);
}

TEST(Network, GranularityIsClampedAndSetsThePorts) {
  const Chain c = chain();
  EXPECT_EQ(output_rows(c.graph, 0), 16);
  EXPECT_EQ(output_rows(c.graph, 1), 8);
  EXPECT_EQ(effective_granularity(c.graph, 0, 0), 1);
  EXPECT_EQ(effective_granularity(c.graph, 0, -5), 1);
  EXPECT_EQ(effective_granularity(c.graph, 0, 1000), 16);
  EXPECT_EQ(effective_granularity(c.graph, 1, 3), 3);

  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    const std::vector<int64_t> requested{std::uniform_int_distribution<int64_t>(-2, 20)(rng),
                                         std::uniform_int_distribution<int64_t>(-2, 20)(rng)};
    const Network net = build_network(c.graph, requested, {});
    for (size_t a = 0; a < 2; ++a) {
      const Node& node = net.nodes[a];
      const int64_t rows = a == 0 ? 16 : 8;
      const int64_t g = std::clamp<int64_t>(requested[a], 1, rows);
      EXPECT_EQ(node.granularity, g);
      EXPECT_EQ(node.phases, (rows + g - 1) / g);
      ASSERT_EQ(node.outputs.size(), 1u);
      ASSERT_EQ(node.inputs.size(), 1u);
      const auto& written = node.outputs[0].written;
      ASSERT_EQ(written.size(), static_cast<size_t>(node.phases));
      for (size_t f = 0; f < written.size(); ++f) {
        EXPECT_EQ(written[f], std::min<int64_t>((static_cast<int64_t>(f) + 1) * g, rows));
      }
      EXPECT_EQ(node.inputs[0].window.size(), static_cast<size_t>(node.phases));
      EXPECT_EQ(node.inputs[0].release.back(), 16);  // both inputs have 16 rows
    }
  }
}

TEST(Network, LayerByLayerFiresEveryActorOnce) {
  const Chain c = chain();
  const Network net = build_network(c.graph, std::vector<int64_t>{16, 8}, {});
  for (const Node& node : net.nodes) {
    EXPECT_EQ(node.phases, 1);
    EXPECT_EQ(node.inputs[0].window[0], (RowRange{0, 16}));
    EXPECT_EQ(node.outputs[0].written, (std::vector<int64_t>{node.granularity}));
  }
}

TEST(Network, BarrierFiresOnceOnItsWholeInput) {
  GraphBuilder builder;
  const auto x = builder.input("x", 2, 10, 4);
  const auto a = builder.conv("a", x, 2, 3, 1, 1);
  const auto flat = builder.barrier("flat", a, 6);
  // A non-barrier actor whose output has one row fires once whatever it is asked.
  const auto pooled = builder.actor("pool", "ReduceMean", {flat}, {graph::WholeInput{}}, 2, 1, 1);
  builder.output(pooled);
  const graph::Graph g = builder.build();
  EXPECT_EQ(effective_granularity(g, 1, 1), 6);
  EXPECT_EQ(effective_granularity(g, 2, 5), 1);
  const Network net = build_network(g, std::vector<int64_t>{1, 1, 1}, {});
  const Node& barrier = net.nodes[1];
  EXPECT_EQ(barrier.granularity, 6);
  EXPECT_EQ(barrier.phases, 1);
  EXPECT_EQ(barrier.inputs[0].window, (std::vector<RowRange>{{0, 10}}));
  EXPECT_EQ(barrier.inputs[0].release, (std::vector<int64_t>{10}));
  EXPECT_EQ(barrier.outputs[0].written, (std::vector<int64_t>{6}));
  const Node& pool = net.nodes[2];
  EXPECT_EQ(pool.phases, 1);
  EXPECT_EQ(pool.inputs[0].window, (std::vector<RowRange>{{0, 6}}));
}

TEST(Network, BarrierWithASlidingMapStillNeedsEveryRow) {
  // The barrier flag wins over a row map that would let it stream.
  GraphBuilder builder;
  const auto x = builder.input("x", 1, 9, 1);
  // A Slice of rows [3, 6): streaming, it would read only those rows.
  builder.actor("slice", "Slice", {x}, {graph::SlidingWindow{1, 1, 1, -3}}, 1, 3, 1);
  graph::Graph g = builder.build();
  EXPECT_EQ(build_network(g, std::vector<int64_t>{3}, {}).nodes[0].inputs[0].window, (std::vector<RowRange>{{3, 6}}));
  g.actors[0].barrier = true;
  const Network net = build_network(g, std::vector<int64_t>{1}, {});
  EXPECT_EQ(net.nodes[0].phases, 1);
  EXPECT_EQ(net.nodes[0].inputs[0].window, (std::vector<RowRange>{{0, 9}}));
}

TEST(Network, RejectsBadSizesAndBrokenGraphs) {
  const Chain c = chain();
  EXPECT_THROW(build_network(c.graph, std::vector<int64_t>{1}, {}), std::invalid_argument);
  EXPECT_THROW(build_network(c.graph, std::vector<int64_t>{1, 1, 1}, {}), std::invalid_argument);
  graph::Graph broken = c.graph;
  broken.buffers[static_cast<size_t>(c.a)].consumers.clear();  // b reads a but is not listed
  EXPECT_THROW(build_network(broken, std::vector<int64_t>{1, 1}, {}), std::invalid_argument);
  EXPECT_THROW(output_rows(c.graph, 2), std::out_of_range);
}

TEST(NetworkBuilder, EveryBuildEqualsBuildNetwork) {
  // Residual block with a graph output read inside the graph; random granularity sequences that
  // change one, several or no actors between builds, with and without --stream-io.
  GraphBuilder builder;
  const auto x = builder.input("x", 2, 12, 4);
  const auto p = builder.conv("p", x, 4, 1);
  const auto c1 = builder.conv("c1", p, 4, 3, 1, 1);
  const auto c2 = builder.conv("c2", c1, 4, 3, 2, 1);
  const auto c3 = builder.conv("c3", p, 4, 1, 2);
  builder.output(builder.elementwise("add", {c2, c3}));
  builder.output(p);
  const graph::Graph g = builder.build();
  std::mt19937 random(7);
  for (bool stream_io : {false, true}) {
    NetworkBuilder networks(g, {.stream_io = stream_io});
    std::vector<int64_t> granularity(g.actors.size(), 1);
    for (int step = 0; step < 200; ++step) {
      const int changes = std::uniform_int_distribution<int>(0, 3)(random);
      for (int k = 0; k < changes; ++k) {
        const size_t actor = std::uniform_int_distribution<size_t>(0, granularity.size() - 1)(random);
        granularity[actor] = std::uniform_int_distribution<int64_t>(0, 14)(random);  // clamped: 0 and > rows too
      }
      ASSERT_EQ(networks.build(granularity), build_network(g, granularity, {.stream_io = stream_io})) << step;
    }
  }
}

TEST(NetworkBuilder, RejectsBadSizesAndBrokenGraphs) {
  const Chain c = chain();
  NetworkBuilder networks(c.graph, {});
  EXPECT_THROW(networks.build(std::vector<int64_t>{1}), std::invalid_argument);
  graph::Graph broken = c.graph;
  broken.buffers[static_cast<size_t>(c.a)].consumers.clear();
  EXPECT_THROW(NetworkBuilder(broken, {}), std::invalid_argument);
}

}  // namespace
}  // namespace bufopt::dataflow
