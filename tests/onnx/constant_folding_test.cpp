// Constant and shape-only subgraphs are folded (no actors) and make Reshape / Expand / Resize
// targets known; the folder's and the shape rules' arithmetic against hand-worked values.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/constant_folding.h"
#include "bufopt/onnx/import.h"
#include "bufopt/onnx/shape_rules.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

using graph::DataType;
using testing::actor_named;
using testing::Attr;
using testing::buffer_named;
using testing::ConvOptions;
using testing::has_actor;
using testing::OnnxBuilder;

// ---- end to end --------------------------------------------------------------------------------

TEST(Folding, ShapeGatherConcatReshapeChainIsFoldedAway) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {-1, 3, 8, 8});
  const std::string c = builder.conv(x, 4, ConvOptions::square(3, 1, 1).named("conv"));
  const std::string shape = builder.node("Shape", {c}, {}, "shape");
  const std::string zero = builder.constant_int64("zero", {0});
  const std::string batch = builder.node("Gather", {shape, zero}, {Attr::i("axis", 0)}, "gather");
  const std::string minus_one = builder.constant_int64("minus_one", {-1});
  const std::string target = builder.node("Concat", {batch, minus_one}, {Attr::i("axis", 0)}, "concat");
  builder.output(builder.node("Reshape", {c, target}, {}, "reshape"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "reshape_out").shape, (std::vector<int64_t>{1, 4 * 8 * 8}));
  EXPECT_EQ(graph.actors.size(), 2u);
  for (const char* folded : {"shape", "gather", "concat", "zero", "minus_one"}) {
    EXPECT_FALSE(has_actor(graph, folded)) << folded;
    EXPECT_FALSE(testing::has_buffer(graph, std::string(folded) + "_out")) << folded;
  }
  const graph::Actor& reshape = actor_named(graph, "reshape");
  EXPECT_TRUE(reshape.barrier);  // [1,4,8,8] -> [1,256] merges the rows
  EXPECT_EQ(reshape.inputs.size(), 1u);
}

TEST(Folding, SliceCastUnsqueezeAndArithmeticOnShapes) {
  // target = Concat(Unsqueeze(Cast(Slice(Shape(x), 0, 2))), [H*W]) computed from the shape
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 6, 4, 5});
  const std::string r = builder.relu(x, "r");
  const std::string shape = builder.node("Shape", {r}, {}, "shape");
  const std::string head =
      builder.node("Slice", {shape, builder.constant_int64("s0", {0}), builder.constant_int64("s1", {2})}, {}, "head");
  const std::string as_float = builder.node("Cast", {head}, {Attr::i("to", ::onnx::TensorProto::FLOAT)}, "to_float");
  const std::string back = builder.node("Cast", {as_float}, {Attr::i("to", ::onnx::TensorProto::INT64)}, "to_int");
  const std::string h = builder.node("Gather", {shape, builder.constant_int64("i2", {2})}, {}, "h");
  const std::string w = builder.node("Gather", {shape, builder.constant_int64("i3", {3})}, {}, "w");
  const std::string hw = builder.node("Mul", {h, w}, {}, "hw");
  const std::string target = builder.node("Concat", {back, hw}, {Attr::i("axis", 0)}, "target");
  builder.output(builder.node("Reshape", {r, target}, {}, "reshape"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "reshape_out").shape, (std::vector<int64_t>{1, 6, 20}));
  EXPECT_EQ(graph.actors.size(), 2u);
}

TEST(Folding, ConstantOfShapeAndExpandTargets) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 1, 3, 1});
  const std::string dims = builder.constant_int64("dims", {4});  // ConstantOfShape -> [3, 3, 3, 3]
  ::onnx::TensorProto one;
  one.set_data_type(::onnx::TensorProto::INT64);
  one.add_dims(1);
  one.add_int64_data(3);
  const std::string threes = builder.node("ConstantOfShape", {dims}, {Attr::tensor("value", one)}, "threes");
  builder.output(builder.node("Expand", {x, threes}, {}, "expand"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "expand_out").shape, (std::vector<int64_t>{3, 3, 3, 3}));
  EXPECT_FALSE(has_actor(graph, "threes"));
}

TEST(Folding, FoldedWeightsCountAtTheirStoredSize) {
  // A weight computed from an int8 initializer: the model keeps the int8 tensor.
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  auto* w8 = builder.graph().add_initializer();
  w8->set_name("w8");
  w8->set_data_type(::onnx::TensorProto::INT8);
  for (int64_t d : {3, 2, 1, 1}) w8->add_dims(d);
  w8->set_raw_data(std::string(6, '\1'));
  const std::string scale = builder.initializer("scale", {}, {0.1f});
  const std::string w = builder.node("DequantizeLinear", {"w8", scale}, {}, "dequant");
  builder.output(builder.node("Conv", {x, w}, {}, "conv"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_FALSE(has_actor(graph, "dequant"));
  EXPECT_EQ(actor_named(graph, "conv").parameter_bytes, 6 + 4);
  EXPECT_EQ(graph.parameter_bytes, 6 + 4);
}

// ---- folder arithmetic -----------------------------------------------------------------------

OpNode op(const std::string& type, int64_t opset = 13) {
  OpNode node;
  node.name = type;
  node.op_type = type;
  node.opset = opset;
  node.outputs = {"out"};
  return node;
}

std::vector<int64_t> fold_ints(const OpNode& node, const std::vector<TensorInfo>& inputs) {
  NodeInputs pointers;
  for (const TensorInfo& input : inputs) pointers.push_back(&input);
  std::vector<TensorInfo> outputs = infer_output_shapes(node, pointers);
  fold_values(node, pointers, outputs);
  if (!outputs[0].values) return {-999};
  return *values_as_ints(outputs[0]);
}

TEST(FoldValues, SliceClampsLikeOnnx) {
  OpNode node = op("Slice");
  node.inputs = {"d", "s", "e"};
  const TensorInfo data = int64_constant({6}, {10, 11, 12, 13, 14, 15});
  EXPECT_EQ(
      fold_ints(node, {data, int64_constant({1}, {-2}), int64_constant({1}, {std::numeric_limits<int64_t>::max()})}),
      (std::vector<int64_t>{14, 15}));
  EXPECT_EQ(fold_ints(node, {data, int64_constant({1}, {-100}), int64_constant({1}, {2})}),
            (std::vector<int64_t>{10, 11}));
  node.inputs = {"d", "s", "e", "a", "st"};
  EXPECT_EQ(
      fold_ints(node, {data, int64_constant({1}, {-1}), int64_constant({1}, {std::numeric_limits<int64_t>::min()}),
                       int64_constant({1}, {0}), int64_constant({1}, {-2})}),
      (std::vector<int64_t>{15, 13, 11}));
}

TEST(FoldValues, GatherTakesNegativeIndicesFromTheEnd) {
  OpNode node = op("Gather");
  const TensorInfo data = int64_constant({2, 3}, {1, 2, 3, 4, 5, 6});
  node.attributes["axis"].i = 1;
  EXPECT_EQ(fold_ints(node, {data, int64_constant({2}, {-1, 0})}), (std::vector<int64_t>{3, 1, 6, 4}));
}

TEST(FoldValues, IntegerDivisionTruncatesAndBroadcasts) {
  OpNode node = op("Div");
  EXPECT_EQ(fold_ints(node, {int64_constant({3}, {7, -7, 9}), int64_constant({}, {2})}),
            (std::vector<int64_t>{3, -3, 4}));
  EXPECT_EQ(fold_ints(node, {int64_constant({1}, {1}), int64_constant({1}, {0})}), (std::vector<int64_t>{-999}));
}

TEST(FoldValues, WhereEqualAndRange) {
  OpNode equal = op("Equal");
  const TensorInfo mask_source = int64_constant({3}, {0, 5, 0});
  const std::vector<int64_t> mask = fold_ints(equal, {mask_source, int64_constant({}, {0})});
  EXPECT_EQ(mask, (std::vector<int64_t>{1, 0, 1}));
  TensorInfo condition = int64_constant({3}, mask);
  condition.dtype = DataType::kBool;
  EXPECT_EQ(fold_ints(op("Where"), {condition, int64_constant({}, {7}), int64_constant({3}, {1, 2, 3})}),
            (std::vector<int64_t>{7, 2, 7}));
  EXPECT_EQ(fold_ints(op("Range"), {int64_constant({}, {2}), int64_constant({}, {11}), int64_constant({}, {3})}),
            (std::vector<int64_t>{2, 5, 8}));
}

TEST(FoldValues, ReduceProdAndTranspose) {
  OpNode reduce = op("ReduceProd");
  reduce.attributes["keepdims"].i = 0;
  EXPECT_EQ(fold_ints(reduce, {int64_constant({4}, {1, 3, 8, 8})}), (std::vector<int64_t>{192}));
  OpNode transpose = op("Transpose");
  transpose.attributes["perm"].ints = {1, 0};
  EXPECT_EQ(fold_ints(transpose, {int64_constant({2, 3}, {1, 2, 3, 4, 5, 6})}),
            (std::vector<int64_t>{1, 4, 2, 5, 3, 6}));
}

TEST(FoldValues, CastTruncatesTowardZero) {
  OpNode cast = op("Cast");
  cast.attributes["to"].i = static_cast<int64_t>(DataType::kInt64);
  TensorInfo reals = constant_tensor(DataType::kFloat32, {3}, Values{{}, {2.7, -2.7, 0.2}});
  EXPECT_EQ(fold_ints(cast, {reals}), (std::vector<int64_t>{2, -2, 0}));
}

// ---- shape rules -----------------------------------------------------------------------------

std::vector<int64_t> shape_of(const OpNode& node, const std::vector<TensorInfo>& inputs) {
  NodeInputs pointers;
  for (const TensorInfo& input : inputs) pointers.push_back(&input);
  const std::vector<TensorInfo> outputs = infer_output_shapes(node, pointers);
  EXPECT_TRUE(outputs[0].shape_known) << outputs[0].unknown_reason;
  return outputs[0].shape;
}

TensorInfo activation(std::vector<int64_t> shape) {
  return known_tensor(DataType::kFloat32, std::move(shape));
}

TEST(ShapeRules, ReshapeCopiesZerosAndInfersMinusOne) {
  EXPECT_EQ(shape_of(op("Reshape"), {activation({2, 3, 4, 5}), int64_constant({3}, {0, -1, 5})}),
            (std::vector<int64_t>{2, 12, 5}));
  OpNode allow_zero = op("Reshape", 14);
  allow_zero.attributes["allowzero"].i = 1;
  EXPECT_EQ(shape_of(allow_zero, {activation({0, 3}), int64_constant({2}, {3, 0})}), (std::vector<int64_t>{3, 0}));
}

TEST(ShapeRules, UnknownReshapeTargetLeavesTheShapeUnknownWithAReason) {
  OpNode node = op("Reshape");
  node.inputs = {"x", "target"};
  TensorInfo target = known_tensor(DataType::kInt64, {3});  // an activation: values unknown
  const TensorInfo x = activation({2, 3});
  const std::vector<TensorInfo> outputs = infer_output_shapes(node, {&x, &target});
  EXPECT_FALSE(outputs[0].shape_known);
  EXPECT_EQ(outputs[0].unknown_reason, "its shape depends on the values of input 'target', which is not a constant");
  // Its rank is the target's length (MODEL 9: a partly known shape).
  EXPECT_EQ(outputs[0].partial_shape, (std::vector<int64_t>(3, graph::kUnknownDim)));
}

TEST(ShapeRules, SqueezeUnsqueezeFlattenTranspose) {
  OpNode squeeze = op("Squeeze");
  EXPECT_EQ(shape_of(squeeze, {activation({1, 3, 1, 5})}), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(shape_of(squeeze, {activation({1, 3, 1, 5}), int64_constant({1}, {-2})}), (std::vector<int64_t>{1, 3, 5}));
  OpNode squeeze11 = op("Squeeze", 11);
  squeeze11.attributes["axes"].ints = {0};
  EXPECT_EQ(shape_of(squeeze11, {activation({1, 3, 1, 5})}), (std::vector<int64_t>{3, 1, 5}));
  EXPECT_EQ(shape_of(op("Unsqueeze"), {activation({3, 5}), int64_constant({2}, {0, -1})}),
            (std::vector<int64_t>{1, 3, 5, 1}));
  OpNode flatten = op("Flatten");
  flatten.attributes["axis"].i = 2;
  EXPECT_EQ(shape_of(flatten, {activation({2, 3, 4, 5})}), (std::vector<int64_t>{6, 20}));
  EXPECT_EQ(shape_of(op("Transpose"), {activation({2, 3, 4})}), (std::vector<int64_t>{4, 3, 2}));
}

TEST(ShapeRules, MatMulGemmAndBroadcast) {
  EXPECT_EQ(shape_of(op("MatMul"), {activation({2, 1, 4, 3}), activation({5, 3, 6})}),
            (std::vector<int64_t>{2, 5, 4, 6}));
  EXPECT_EQ(shape_of(op("MatMul"), {activation({3}), activation({2, 3, 4})}), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(shape_of(op("MatMul"), {activation({2, 4, 3}), activation({3})}), (std::vector<int64_t>{2, 4}));
  OpNode gemm = op("Gemm");
  gemm.attributes["transB"].i = 1;
  EXPECT_EQ(shape_of(gemm, {activation({1, 64}), activation({10, 64})}), (std::vector<int64_t>{1, 10}));
  EXPECT_EQ(broadcast_shapes({4, 1, 3}, {2, 1}), (std::vector<int64_t>{4, 2, 3}));
  EXPECT_THROW(broadcast_shapes({4, 2}, {3}), ShapeError);
}

TEST(ShapeRules, SplitPadResizeAndSlice) {
  OpNode split = op("Split", 13);
  split.outputs = {"a", "b", "c"};
  split.attributes["axis"].i = 1;
  NodeInputs inputs;
  const TensorInfo x = activation({1, 9, 4});
  inputs.push_back(&x);
  const std::vector<TensorInfo> parts = infer_output_shapes(split, inputs);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].shape, (std::vector<int64_t>{1, 3, 4}));
  EXPECT_EQ(shape_of(op("Pad"), {activation({1, 2, 5, 5}), int64_constant({8}, {0, 0, 1, -1, 0, 0, 2, -2})}),
            (std::vector<int64_t>{1, 2, 8, 2}));
  OpNode resize = op("Resize");
  TensorInfo scales = constant_tensor(DataType::kFloat32, {4}, Values{{}, {1, 1, 1.5, 0.5}});
  EXPECT_EQ(shape_of(resize, {activation({1, 2, 5, 7}), known_tensor(DataType::kFloat32, {0}), scales}),
            (std::vector<int64_t>{1, 2, 7, 3}));
  OpNode slice9 = op("Slice", 9);
  slice9.attributes["starts"].ints = {1};
  slice9.attributes["ends"].ints = {1000};
  slice9.attributes["axes"].ints = {2};
  EXPECT_EQ(shape_of(slice9, {activation({1, 2, 5, 7})}), (std::vector<int64_t>{1, 2, 4, 7}));
}

TEST(ShapeRules, ReductionsKeepOrDropAxes) {
  OpNode mean = op("ReduceMean", 13);
  mean.attributes["axes"].ints = {-1};
  EXPECT_EQ(shape_of(mean, {activation({1, 40, 120})}), (std::vector<int64_t>{1, 40, 1}));
  OpNode max = op("ReduceMax", 13);
  max.attributes["keepdims"].i = 0;
  EXPECT_EQ(shape_of(max, {activation({1, 1, 5, 32})}), (std::vector<int64_t>{}));
}

}  // namespace
}  // namespace bufopt::onnx
