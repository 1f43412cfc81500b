// Row maps, barriers, streaming axes, work and fusion of imported synthetic models (MODEL 2, 3).
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "bufopt/onnx/operator_rules.h"
#include "bufopt/onnx/streaming_axis.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

using graph::BroadcastRow;
using graph::ResizeRows;
using graph::RowMap;
using graph::SlidingWindow;
using graph::TransposedWindow;
using graph::WholeInput;
using testing::actor_named;
using testing::Attr;
using testing::buffer_named;
using testing::ConvOptions;
using testing::OnnxBuilder;

/// The row map `actor` applies to its input buffer `input`.
RowMap map_of(const graph::Graph& graph, const std::string& actor, const std::string& input) {
  const graph::Actor& a = actor_named(graph, actor);
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    if (graph.buffers[static_cast<size_t>(a.inputs[i])].name == input) return a.input_maps[i];
  }
  throw std::out_of_range(actor + " does not read " + input);
}

std::optional<int> axis_of(const graph::Graph& graph, const std::string& buffer) {
  return buffer_named(graph, buffer).streaming_axis;
}

TEST(RowMaps, ConcatAlongHeightOffsetsEachInput) {
  OnnxBuilder builder;
  const std::string a = builder.input("a", {1, 2, 3, 4});
  const std::string b = builder.input("b", {1, 2, 5, 4});
  const std::string ra = builder.relu(a, "ra");
  const std::string rb = builder.relu(b, "rb");
  builder.output(builder.concat({ra, rb}, 2, "cat"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "cat_out").shape, (std::vector<int64_t>{1, 2, 8, 4}));
  EXPECT_EQ(map_of(graph, "cat", "ra_out"), RowMap(SlidingWindow{1, 1, 1, 0}));
  EXPECT_EQ(map_of(graph, "cat", "rb_out"), RowMap(SlidingWindow{1, 1, 1, 3}));
  EXPECT_FALSE(actor_named(graph, "cat").barrier);
}

TEST(RowMaps, ConcatOnChannelsReadsTheSameRows) {
  OnnxBuilder builder;
  const std::string a = builder.input("a", {1, 2, 6, 4});
  const std::string b = builder.input("b", {1, 3, 6, 4});
  builder.output(builder.concat({a, b}, 1, "cat"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(map_of(graph, "cat", "a"), RowMap(SlidingWindow{}));
  EXPECT_EQ(map_of(graph, "cat", "b"), RowMap(SlidingWindow{}));
}

TEST(RowMaps, ConcatOfOneTensorTwiceAlongHeightIsABarrier) {
  OnnxBuilder builder;
  const std::string a = builder.input("a", {1, 2, 3, 4});
  builder.output(builder.concat({a, a}, 2, "cat"));
  const graph::Graph graph = testing::import_unfused(builder);
  const graph::Actor& cat = actor_named(graph, "cat");
  EXPECT_EQ(cat.inputs.size(), 1u);
  EXPECT_TRUE(cat.barrier);
}

TEST(RowMaps, SliceAlongHeightIsAStridedWindow) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 10, 4});
  const std::string starts = builder.initializer_int64("starts", {1}, {2});
  const std::string ends = builder.initializer_int64("ends", {1}, {INT64_MAX});
  const std::string axes = builder.initializer_int64("axes", {1}, {2});
  const std::string steps = builder.initializer_int64("steps", {1}, {3});
  builder.output(builder.node("Slice", {x, starts, ends, axes, steps}, {}, "slice"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "slice_out").shape, (std::vector<int64_t>{1, 2, 3, 4}));  // rows 2, 5, 8
  EXPECT_EQ(map_of(graph, "slice", "x"), RowMap(SlidingWindow{1, 3, 1, -2}));
}

TEST(RowMaps, ReversingSliceIsABarrier) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 10, 4});
  const std::string starts = builder.initializer_int64("starts", {1}, {-1});
  const std::string ends = builder.initializer_int64("ends", {1}, {INT64_MIN});
  const std::string axes = builder.initializer_int64("axes", {1}, {2});
  const std::string steps = builder.initializer_int64("steps", {1}, {-1});
  builder.output(builder.node("Slice", {x, starts, ends, axes, steps}, {}, "flip"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "flip_out").shape, (std::vector<int64_t>{1, 2, 10, 4}));
  EXPECT_TRUE(actor_named(graph, "flip").barrier);
}

TEST(RowMaps, ConstantPadAlongHeightShiftsRows) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 5, 4});
  const std::string pads = builder.initializer_int64("pads", {8}, {0, 0, 2, 1, 0, 0, 3, 1});
  builder.output(builder.node("Pad", {x, pads}, {}, "pad"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "pad_out").shape, (std::vector<int64_t>{1, 2, 10, 6}));
  EXPECT_EQ(map_of(graph, "pad", "x"), RowMap(SlidingWindow{1, 1, 1, 2}));
}

TEST(RowMaps, ReflectPadAlongHeightIsABarrier) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 5, 4});
  const std::string pads = builder.initializer_int64("pads", {8}, {0, 0, 1, 0, 0, 0, 1, 0});
  builder.output(builder.node("Pad", {x, pads}, {Attr::s("mode", "reflect")}, "pad"));
  EXPECT_TRUE(actor_named(testing::import_unfused(builder), "pad").barrier);
}

TEST(RowMaps, ResizeWithScalesKeepsItsModes) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 5, 4});
  const std::string roi = builder.initializer("roi", {0});
  const std::string scales = builder.initializer("scales", {4}, {1, 1, 2, 3});
  builder.output(builder.node("Resize", {x, roi, scales},
                              {Attr::s("mode", "nearest"), Attr::s("coordinate_transformation_mode", "asymmetric"),
                               Attr::s("nearest_mode", "floor")},
                              "up"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "up_out").shape, (std::vector<int64_t>{1, 2, 10, 12}));
  ResizeRows expected;
  expected.interpolation = ResizeRows::Interpolation::kNearest;
  expected.coordinates = ResizeRows::Coordinates::kAsymmetric;
  expected.rounding = ResizeRows::Rounding::kFloor;
  expected.scale = 2.0;
  EXPECT_EQ(map_of(graph, "up", "x"), RowMap(expected));
}

TEST(RowMaps, ResizeWithSizesUsesTheRatioOfRows) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  const std::string roi = builder.initializer("roi", {0});
  const std::string scales = builder.initializer("scales", {0});
  const std::string sizes = builder.initializer_int64("sizes", {4}, {1, 2, 6, 8});
  builder.output(builder.node("Resize", {x, roi, scales, sizes},
                              {Attr::s("mode", "linear"), Attr::s("coordinate_transformation_mode", "align_corners")},
                              "up"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "up_out").shape, (std::vector<int64_t>{1, 2, 6, 8}));
  ResizeRows expected;
  expected.interpolation = ResizeRows::Interpolation::kLinear;
  expected.coordinates = ResizeRows::Coordinates::kAlignCorners;
  expected.scale = 1.5;
  EXPECT_EQ(map_of(graph, "up", "x"), RowMap(expected));
}

TEST(RowMaps, UpsampleIsAsymmetricNearest) {
  OnnxBuilder builder(9);
  const std::string x = builder.input("x", {1, 2, 3, 3});
  const std::string scales = builder.initializer("scales", {4}, {1, 1, 2, 2});
  builder.output(builder.node("Upsample", {x, scales}, {}, "up"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "up_out").shape, (std::vector<int64_t>{1, 2, 6, 6}));
  ResizeRows expected;
  expected.coordinates = ResizeRows::Coordinates::kAsymmetric;
  expected.rounding = ResizeRows::Rounding::kFloor;
  expected.scale = 2.0;
  EXPECT_EQ(map_of(graph, "up", "x"), RowMap(expected));
}

TEST(RowMaps, DepthToSpaceRepeatsEachRowBlockTimes) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 8, 3, 3});
  builder.output(builder.node("DepthToSpace", {x}, {Attr::i("blocksize", 2)}, "d2s"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "d2s_out").shape, (std::vector<int64_t>{1, 2, 6, 6}));
  EXPECT_EQ(map_of(graph, "d2s", "x"), RowMap(TransposedWindow{2, 2, 1, 0}));
}

TEST(RowMaps, SqueezeExciteScaleIsABroadcastRow) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 6, 6});
  const std::string pooled = builder.global_average_pool(x, "pool");
  const std::string gate = builder.sigmoid(builder.conv(pooled, 4, ConvOptions::square(1).named("fc")), "gate");
  builder.output(builder.mul(x, gate, "scale"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(map_of(graph, "scale", "x"), RowMap(SlidingWindow{}));
  EXPECT_EQ(map_of(graph, "scale", "gate_out"), RowMap(BroadcastRow{}));
  EXPECT_FALSE(actor_named(graph, "scale").barrier);
  EXPECT_FALSE(actor_named(graph, "scale").fusable);  // two activation operands
  const graph::Actor& pool = actor_named(graph, "pool");
  EXPECT_FALSE(pool.barrier);  // MODEL 3: a streaming reduction over the rows of x
  EXPECT_TRUE(pool.streaming_reduction);
  EXPECT_EQ(map_of(graph, "pool", "x"), RowMap(WholeInput{}));
}

TEST(Barriers, SoftmaxOverHeightMixesRowsButNotOverChannels) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 6, 6});
  builder.output(builder.node("Softmax", {x}, {Attr::i("axis", 2)}, "over_h"));
  builder.output(builder.node("Softmax", {x}, {Attr::i("axis", 1)}, "over_c"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_TRUE(actor_named(graph, "over_h").barrier);
  EXPECT_FALSE(actor_named(graph, "over_c").barrier);
  EXPECT_EQ(map_of(graph, "over_c", "x"), RowMap(SlidingWindow{}));
}

TEST(Barriers, ReduceMeanOverSpatialAxesButNotOverChannels) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 6, 6});
  const std::string hw = builder.initializer_int64("hw", {2}, {2, 3});
  const std::string c = builder.initializer_int64("c", {1}, {1});
  builder.output(builder.node("ReduceSum", {x, hw}, {}, "over_hw"));
  builder.output(builder.node("ReduceSum", {x, c}, {}, "over_c"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_FALSE(actor_named(graph, "over_hw").barrier);  // streamed: see streaming_reduction_test.cpp
  EXPECT_TRUE(actor_named(graph, "over_hw").streaming_reduction);
  EXPECT_FALSE(actor_named(graph, "over_c").barrier);
  EXPECT_FALSE(actor_named(graph, "over_c").streaming_reduction);
  EXPECT_EQ(buffer_named(graph, "over_c_out").shape, (std::vector<int64_t>{1, 1, 6, 6}));
}

TEST(Barriers, FlattenGemmAndTransposeOfHeight) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 6, 6});
  const std::string c = builder.conv(x, 4, ConvOptions::square(3, 1, 1).named("c1"));
  const std::string swapped = builder.transpose(c, {0, 1, 3, 2}, "swap");
  const std::string c2 = builder.conv(swapped, 4, ConvOptions::square(3, 1, 1).named("c2"));
  const std::string flat = builder.flatten(c2, 1, "flat");
  const std::string w = builder.initializer("w", {144, 10});
  builder.output(builder.node("Gemm", {flat, w}, {}, "fc"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_TRUE(actor_named(graph, "swap").barrier);
  EXPECT_NE(actor_named(graph, "swap").barrier_reason.find("Transpose moves"), std::string::npos);
  EXPECT_TRUE(actor_named(graph, "flat").barrier);
  EXPECT_NE(actor_named(graph, "flat").barrier_reason.find("merges"), std::string::npos);
  const graph::Actor& fc = actor_named(graph, "fc");
  EXPECT_TRUE(fc.barrier);
  EXPECT_EQ(fc.macs, 144 * 10);
  EXPECT_FALSE(actor_named(graph, "c1").barrier);
  EXPECT_FALSE(axis_of(graph, "flat_out").has_value());  // rank 2: one token
}

TEST(Barriers, MatMulStreamsOverRowsButNotOverItsContraction) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 8, 6});
  const std::string w = builder.initializer("w", {6, 5});
  builder.output(builder.node("MatMul", {x, w}, {}, "rows"));     // contracts W, keeps H
  const std::string t = builder.transpose(x, {0, 1, 3, 2}, "t");  // H becomes the last axis
  const std::string v = builder.initializer("v", {8, 3});
  builder.output(builder.node("MatMul", {t, v}, {}, "over_h"));
  const graph::Graph graph = testing::import_unfused(builder);
  const graph::Actor& rows = actor_named(graph, "rows");
  EXPECT_FALSE(rows.barrier);
  EXPECT_EQ(rows.macs, 2 * 8 * 5 * 6);
  EXPECT_EQ(map_of(graph, "rows", "x"), RowMap(SlidingWindow{}));
  EXPECT_EQ(axis_of(graph, "t_out"), 3);
  EXPECT_FALSE(actor_named(graph, "t").barrier);
  const graph::Actor& over_h = actor_named(graph, "over_h");
  EXPECT_TRUE(over_h.barrier);
  EXPECT_NE(over_h.barrier_reason.find("contracts"), std::string::npos);
}

TEST(StreamingAxis, NhwcLayoutTransposesStream) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 8, 8, 3});
  const std::string nchw = builder.transpose(x, {0, 3, 1, 2}, "to_nchw");
  builder.set_channels(nchw, 3);
  const std::string c = builder.conv(nchw, 4, ConvOptions::square(3, 1, 1).named("conv"));
  builder.output(builder.transpose(c, {0, 2, 3, 1}, "to_nhwc"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(axis_of(graph, "x"), 1);
  EXPECT_EQ(axis_of(graph, "to_nchw_out"), 2);
  EXPECT_EQ(axis_of(graph, "conv_out"), 2);
  EXPECT_EQ(axis_of(graph, "to_nhwc_out"), 1);
  for (const char* name : {"to_nchw", "to_nhwc"}) {
    const graph::Actor& transpose = actor_named(graph, name);
    EXPECT_FALSE(transpose.barrier) << name << ": " << transpose.barrier_reason;
    EXPECT_EQ(transpose.input_maps[0], RowMap(SlidingWindow{})) << name;
  }
  EXPECT_EQ(buffer_named(graph, "x").rows(), 8);
  EXPECT_EQ(buffer_named(graph, "x").row_bytes(), 8 * 3 * 4);
}

TEST(StreamingAxis, ReshapeThatKeepsTheRowsStreams) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 6, 5});
  builder.output(builder.reshape(x, {1, 2, 2, 6, 5}, "split_channels"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(axis_of(graph, "split_channels_out"), 3);
  EXPECT_FALSE(actor_named(graph, "split_channels").barrier);
}

TEST(StreamingAxis, RankOneAndTwoTensorsAreOneToken) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {2, 7});
  builder.output(builder.relu(x, "r"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_FALSE(axis_of(graph, "x").has_value());
  EXPECT_EQ(buffer_named(graph, "x").rows(), 1);
}

TEST(StreamingAxis, RegroupedAxisNeedsTheSameRowsBeforeIt) {
  EXPECT_EQ(regrouped_axis({1, 76, 32, 1}, 1, {1, 1, 76, 32}), 2);
  EXPECT_EQ(regrouped_axis({1, 4, 6, 5}, 2, {1, 24, 5}), std::nullopt);  // merged with channels
  EXPECT_EQ(regrouped_axis({1, 4, 6, 5}, 2, {4, 6, 5}), 1);
  EXPECT_EQ(regrouped_axis({1, 4, 6, 5}, 2, {1, 4, 30}), std::nullopt);  // merged with W
}

TEST(Work, ElementwiseOpsCountOutputElements) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 6, 5});
  builder.output(builder.relu(x, "r"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(actor_named(graph, "r").elementwise_ops, 4 * 6 * 5);
  EXPECT_EQ(actor_named(graph, "r").macs, 0);
}

TEST(Fusion, FusableFlagsFollowSpec21) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 6, 5});
  const std::string y = builder.input("y", {1, 4, 6, 5});
  const std::string k = builder.initializer("k", {1});
  const std::string big = builder.initializer("big", {1, 4, 6, 5});
  const std::string small = builder.input("small", {1, 4, 1, 5});
  builder.output(builder.mul(x, k, "by_constant"));
  builder.output(builder.node("Sub", {k, x}, {}, "constant_first"));
  builder.output(builder.mul(x, x, "square"));
  builder.output(builder.add(x, y, "two_inputs"));
  builder.output(builder.add(small, big, "broadcast_up"));
  builder.output(builder.node("Clip", {x, k, k}, {}, "clip"));
  builder.output(builder.node("Clip", {x, y, k}, {}, "clip_by_activation"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_TRUE(actor_named(graph, "by_constant").fusable);
  EXPECT_TRUE(actor_named(graph, "constant_first").fusable);
  EXPECT_FALSE(actor_named(graph, "square").fusable);
  EXPECT_FALSE(actor_named(graph, "two_inputs").fusable);
  EXPECT_FALSE(actor_named(graph, "broadcast_up").fusable);
  EXPECT_TRUE(actor_named(graph, "clip").fusable);
  EXPECT_FALSE(actor_named(graph, "clip_by_activation").fusable);
}

TEST(Fusion, ConvBatchNormReluBecomeOneActor) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 8, 8});
  const std::string c = builder.conv(x, 4, ConvOptions::square(3, 1, 1).named("conv"));
  const std::string bn = builder.batch_norm(c, "bn");
  builder.output(builder.relu(bn, "relu"));
  const graph::Graph graph = testing::import_built(builder, {});
  ASSERT_EQ(graph.actors.size(), 1u);
  const graph::Actor& conv = graph.actors[0];
  EXPECT_EQ(conv.name, "conv");
  EXPECT_EQ(conv.fused, (std::vector<std::string>{"bn", "relu"}));
  EXPECT_EQ(conv.elementwise_ops, 2 * 4 * 8 * 8);  // BN and Relu outputs
  EXPECT_EQ(conv.parameter_bytes, (4 * 3 * 3 * 3 + 4 + 4 * 4) * 4);
  EXPECT_EQ(graph.buffers[static_cast<size_t>(conv.outputs[0])].name, "relu_out");
  ASSERT_EQ(graph.fused.size(), 2u);
  EXPECT_EQ(graph.fused[0].into, "conv");
}

TEST(Fusion, ConvOutputWithTwoReadersIsNotFusedInto) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 8, 8});
  const std::string c = builder.conv(x, 3, ConvOptions::square(3, 1, 1).named("conv"));
  const std::string bn = builder.batch_norm(c, "bn");
  const std::string r = builder.relu(bn, "relu");
  builder.output(builder.add(r, c, "residual"));
  const graph::Graph graph = testing::import_built(builder, {});
  EXPECT_TRUE(testing::has_actor(graph, "conv"));
  EXPECT_TRUE(testing::has_actor(graph, "bn"));  // conv_out is read by bn and residual
  EXPECT_TRUE(actor_named(graph, "conv").fused.empty());
  EXPECT_EQ(actor_named(graph, "bn").fused, (std::vector<std::string>{"relu"}));
  EXPECT_TRUE(graph::validate(graph).empty());
}

TEST(Operators, EveryOperatorTheBriefNamesIsModelled) {
  const std::vector<std::string> modelled = modelled_operators();
  // clang-format off
  for (const char* op : {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
                         "BatchNormalization", "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish",
                         "Tanh", "Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "Concat", "Split", "Slice", "Pad",
                         "Resize", "Upsample", "Reshape", "Flatten", "Transpose", "Gemm", "MatMul", "Softmax",
                         "ReduceMean", "Cast", "DepthToSpace", "Identity", "Dropout", "QuantizeLinear",
                         "DequantizeLinear", "QLinearConv", "ConvInteger", "DynamicQuantizeLinear", "Sqrt", "Log",
                         "Exp", "Erf", "ReduceMax", "Squeeze", "Unsqueeze"}) {
  // clang-format on
    EXPECT_NE(std::find(modelled.begin(), modelled.end(), op), modelled.end()) << op;
  }
}

TEST(Operators, QuantisedConvolutionChainImports) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 6, 6});
  const std::string scale = builder.initializer("scale", {}, {0.5f});
  const std::string zero = builder.initializer_int64("zero_unused", {1}, {0});
  (void)zero;
  const auto quantized = builder.node_outputs("DynamicQuantizeLinear", {x}, {}, 3, "dq");
  const std::string w = builder.initializer("w_float", {4, 2, 3, 3});
  const std::string wq = builder.node("QuantizeLinear", {w, scale}, {}, "wq");  // folded: constant
  const std::string conv = builder.node("ConvInteger", {quantized[0], wq, quantized[2]}, {}, "conv");
  builder.output(builder.node("Cast", {conv}, {Attr::i("to", ::onnx::TensorProto::FLOAT)}, "cast"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_FALSE(testing::has_actor(graph, "wq"));
  EXPECT_TRUE(actor_named(graph, "dq").barrier);  // its scale depends on the whole tensor
  EXPECT_EQ(buffer_named(graph, "dq_out").dtype, graph::DataType::kUint8);
  EXPECT_EQ(buffer_named(graph, "conv_out").dtype, graph::DataType::kInt32);
  EXPECT_EQ(buffer_named(graph, "conv_out").shape, (std::vector<int64_t>{1, 4, 4, 4}));
  EXPECT_EQ(actor_named(graph, "conv").macs, 4 * 4 * 4 * 2 * 3 * 3);
  EXPECT_EQ(map_of(graph, "conv", "dq_out"), RowMap(SlidingWindow{3, 1, 1, 0}));
  EXPECT_EQ(map_of(graph, "conv", "dq_out2"), RowMap(BroadcastRow{}));
}

}  // namespace
}  // namespace bufopt::onnx
