// fuse_elementwise: chains collapse into their producer; shared or graph-output tensors do not.
#include "bufopt/graph/fusion.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/graph_builder.h"

namespace bufopt::graph {
namespace {

using bufopt::testing::GraphBuilder;

TEST(Fusion, ConvReluReluBecomesOneActor) {
  GraphBuilder builder;
  const BufferId x = builder.input("x", 3, 8, 8);
  const BufferId c = builder.conv("conv", x, 4, 3, 1, 1);
  const BufferId r1 = builder.relu("relu1", c);
  const BufferId r2 = builder.relu("relu2", r1);
  builder.output(r2);
  const Graph before = builder.build();
  const Actor& conv_before = before.actors[0];
  const int64_t work =
      conv_before.elementwise_ops + before.actors[1].elementwise_ops + before.actors[2].elementwise_ops;

  const Graph after = fuse_elementwise(before);
  EXPECT_TRUE(validate(after).empty());
  ASSERT_EQ(after.actors.size(), 1u);
  const Actor& conv = after.actors[0];
  EXPECT_EQ(conv.name, "conv");
  EXPECT_EQ(conv.op_type, "Conv");
  EXPECT_EQ(conv.fused, (std::vector<std::string>{"relu1", "relu2"}));
  EXPECT_EQ(conv.macs, conv_before.macs);
  EXPECT_EQ(conv.elementwise_ops, work);
  EXPECT_GT(conv.elementwise_ops, conv_before.elementwise_ops);
  EXPECT_EQ(conv.kernel, 3);

  // The surviving buffers: the input and relu2's output, written by the conv.
  ASSERT_EQ(after.buffers.size(), 2u);
  EXPECT_EQ(after.buffers[0].name, "x");
  EXPECT_EQ(after.buffers[1].name, before.buffers[static_cast<size_t>(r2)].name);
  EXPECT_EQ(after.buffers[1].producer, 0);
  EXPECT_EQ(after.buffers[1].io, IoRole::kOutput);
  EXPECT_EQ(conv.outputs, (std::vector<BufferId>{1}));
  EXPECT_EQ(after.buffers[0].consumers, (std::vector<ActorId>{0}));

  ASSERT_EQ(after.fused.size(), 2u);
  EXPECT_EQ(after.fused[0].node, "relu1");
  EXPECT_EQ(after.fused[0].op_type, "Relu");
  EXPECT_EQ(after.fused[0].into, "conv");
  EXPECT_EQ(after.fused[1].node, "relu2");
  EXPECT_EQ(after.fused[1].into, "conv");
}

TEST(Fusion, ProducerWithTwoReadersKeepsItsOutput) {
  GraphBuilder builder;
  const BufferId x = builder.input("x", 3, 8, 8);
  const BufferId c = builder.conv("conv", x, 4, 3, 1, 1);
  const BufferId r = builder.relu("relu", c);
  const BufferId other = builder.conv("other", c, 4, 1);
  builder.output(builder.elementwise("add", {r, other}));
  const Graph after = fuse_elementwise(builder.build());
  EXPECT_EQ(after.actors.size(), 4u);
  EXPECT_TRUE(after.fused.empty());
  for (const Actor& actor : after.actors) EXPECT_TRUE(actor.fused.empty());
}

TEST(Fusion, GraphOutputIsNotFusedThrough) {
  GraphBuilder builder;
  const BufferId x = builder.input("x", 3, 8, 8);
  const BufferId c = builder.conv("conv", x, 4, 3, 1, 1);
  builder.output(c);  // the application holds the conv output
  builder.output(builder.relu("relu", c));
  const Graph after = fuse_elementwise(builder.build());
  EXPECT_EQ(after.actors.size(), 2u);
  EXPECT_TRUE(after.fused.empty());
}

TEST(Fusion, ReluOnTheGraphInputStays) {
  GraphBuilder builder;
  const BufferId x = builder.input("x", 3, 8, 8);
  builder.output(builder.relu("relu", x));
  const Graph after = fuse_elementwise(builder.build());
  EXPECT_EQ(after.actors.size(), 1u);
  EXPECT_TRUE(after.fused.empty());
}

TEST(Fusion, ChainAfterABranchFusesIntoEachProducer) {
  // x -> a -> relu_a ; x -> b -> relu_b ; add(relu_a, relu_b): both relus fuse, the add stays.
  GraphBuilder builder;
  const BufferId x = builder.input("x", 3, 8, 8);
  const BufferId a = builder.relu("relu_a", builder.conv("a", x, 4, 3, 1, 1));
  const BufferId b = builder.relu("relu_b", builder.conv("b", x, 4, 3, 1, 1));
  builder.output(builder.elementwise("add", {a, b}));
  const Graph after = fuse_elementwise(builder.build());
  EXPECT_TRUE(validate(after).empty());
  ASSERT_EQ(after.actors.size(), 3u);
  EXPECT_EQ(after.actors[0].fused, (std::vector<std::string>{"relu_a"}));
  EXPECT_EQ(after.actors[1].fused, (std::vector<std::string>{"relu_b"}));
  EXPECT_EQ(after.actors[2].name, "add");
  EXPECT_EQ(after.actors[2].inputs.size(), 2u);
}

}  // namespace
}  // namespace bufopt::graph
