// Which operators the importer makes streaming reductions (MODEL 3: a reduction over H consumes
// rows phase by phase and emits at the end) and which stay barriers or plain windows.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

using testing::actor_named;
using testing::Attr;
using testing::buffer_named;
using testing::ConvOptions;
using testing::OnnxBuilder;
using testing::PoolOptions;

void expect_streaming(const graph::Actor& actor) {
  EXPECT_TRUE(actor.streaming_reduction) << actor.name;
  EXPECT_FALSE(actor.barrier) << actor.name << ": " << actor.barrier_reason;
  EXPECT_TRUE(actor.barrier_reason.empty()) << actor.name;
  ASSERT_EQ(actor.input_maps.size(), 1u) << actor.name;
  EXPECT_EQ(actor.input_maps[0], graph::RowMap(graph::WholeInput{})) << actor.name;  // row 0 reads every row
}

TEST(StreamingReductions, GlobalPoolingStreams) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 8, 6});
  const std::string c = builder.conv(x, 4, ConvOptions::square(3, 1, 1).named("conv"));
  builder.output(builder.global_average_pool(c, "gap"));
  builder.output(builder.node("GlobalMaxPool", {c}, {}, "gmp"));
  builder.output(builder.node("GlobalLpPool", {c}, {Attr::i("p", 2)}, "glp"));
  const graph::Graph graph = testing::import_unfused(builder);
  for (const char* name : {"gap", "gmp", "glp"}) expect_streaming(actor_named(graph, name));
  EXPECT_FALSE(actor_named(graph, "conv").streaming_reduction);
  EXPECT_EQ(buffer_named(graph, "gap_out").rows(), 1);
}

TEST(StreamingReductions, ReduceOverHeightStreamsButNotOverChannelsOrWidthAlone) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 8, 6});
  const std::string hw = builder.initializer_int64("hw", {2}, {2, 3});
  const std::string c = builder.initializer_int64("c", {1}, {1});
  const std::string w = builder.initializer_int64("w", {1}, {-1});
  builder.output(builder.node("ReduceMean", {x}, {Attr::ints("axes", {2, 3})}, "mean_hw"));
  builder.output(builder.node("ReduceMean", {x}, {Attr::ints("axes", {-2})}, "mean_h"));
  builder.output(builder.node("ReduceMean", {x}, {Attr::ints("axes", {2, 3}), Attr::i("keepdims", 0)}, "mean_flat"));
  // [1,4,6] streams along its last axis (W): 6 rows out, not one, so it stays a barrier.
  builder.output(builder.node("ReduceMean", {x}, {Attr::ints("axes", {2}), Attr::i("keepdims", 0)}, "mean_h_dropped"));
  builder.output(builder.node("ReduceMax", {x}, {}, "max_all"));
  builder.output(builder.node("ReduceSum", {x, hw}, {}, "sum_hw"));
  builder.output(builder.node("ReduceMean", {x}, {Attr::ints("axes", {1})}, "mean_c"));
  builder.output(builder.node("ReduceSum", {x, c}, {}, "sum_c"));
  builder.output(builder.node("ReduceSum", {x, w}, {}, "sum_w"));
  builder.output(builder.node("ArgMax", {x}, {Attr::i("axis", 2)}, "argmax_h"));
  const graph::Graph graph = testing::import_unfused(builder);
  for (const char* name : {"mean_hw", "mean_h", "mean_flat", "max_all", "sum_hw"}) {
    expect_streaming(actor_named(graph, name));
  }
  EXPECT_EQ(buffer_named(graph, "mean_h_dropped_out").rows(), 6);
  EXPECT_FALSE(actor_named(graph, "mean_h_dropped").streaming_reduction);
  EXPECT_TRUE(actor_named(graph, "mean_h_dropped").barrier);
  for (const char* name : {"mean_c", "sum_c", "sum_w"}) {
    EXPECT_FALSE(actor_named(graph, name).streaming_reduction) << name;
    EXPECT_FALSE(actor_named(graph, name).barrier) << name;  // rows stay apart: a plain row map
  }
  EXPECT_EQ(buffer_named(graph, "sum_w_out").rows(), 8);
  // ArgMax is not a Reduce*: it stays a barrier.
  EXPECT_FALSE(actor_named(graph, "argmax_h").streaming_reduction);
  EXPECT_TRUE(actor_named(graph, "argmax_h").barrier);
}

TEST(StreamingReductions, ReduceWithAxesFromAnActivationStaysABarrier) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 8, 6});
  const std::string axes = builder.input("axes", {1}, ::onnx::TensorProto::INT64);
  builder.output(builder.node("ReduceSum", {x, axes}, {Attr::i("keepdims", 1)}, "dynamic"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_FALSE(actor_named(graph, "dynamic").streaming_reduction);
}

TEST(StreamingReductions, WholeHeightPoolingStreamsOtherPoolingDoesNot) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 7, 7});
  builder.output(builder.average_pool(x, PoolOptions::square(7).named("whole")));
  builder.output(builder.max_pool(x, PoolOptions::square(7, 1, 1).named("padded_whole")));  // 3 rows out
  builder.output(builder.max_pool(x, PoolOptions::square(2, 2).named("local")));
  const graph::Graph graph = testing::import_unfused(builder);
  const graph::Actor& whole = actor_named(graph, "whole");
  EXPECT_TRUE(whole.streaming_reduction);
  EXPECT_FALSE(whole.barrier);
  EXPECT_EQ(whole.kernel, 7);  // the geometry is still reported
  EXPECT_FALSE(actor_named(graph, "padded_whole").streaming_reduction);
  EXPECT_FALSE(actor_named(graph, "local").streaming_reduction);
}

TEST(StreamingReductions, FollowingElementwiseOpsStillFuse) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 8, 6});
  const std::string c = builder.conv(x, 4, ConvOptions::square(3, 1, 1).named("conv"));
  const std::string pooled = builder.global_average_pool(c, "gap");
  const std::string scale = builder.initializer("scale", {1, 4, 1, 1});
  const std::string scaled = builder.mul(builder.relu(pooled, "relu"), scale, "scaled");
  builder.output(builder.flatten(scaled, 1, "flat"));
  const graph::Graph graph = testing::import_built(builder, ImportOptions{});
  const graph::Actor& gap = actor_named(graph, "gap");
  expect_streaming(gap);
  EXPECT_EQ(gap.fused, (std::vector<std::string>{"relu", "scaled"}));
  EXPECT_TRUE(graph::validate(graph).empty());
}

TEST(StreamingReductions, SqueezeExciteGateReadsTheWholeTensorThroughTheMul) {
  // The pool streams, but the Mul that scales x needs the gate, written after every row of x:
  // nothing in the import forces x to be whole; the analysis finds it must be (see analysis tests).
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 6, 6});
  const std::string pooled = builder.global_average_pool(x, "pool");
  const std::string gate = builder.sigmoid(builder.conv(pooled, 4, ConvOptions::square(1).named("fc")), "gate");
  builder.output(builder.mul(x, gate, "scale"));
  const graph::Graph graph = testing::import_unfused(builder);
  expect_streaming(actor_named(graph, "pool"));
  EXPECT_FALSE(actor_named(graph, "scale").barrier);
}

}  // namespace
}  // namespace bufopt::onnx
