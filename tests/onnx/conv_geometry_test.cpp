// Windowed operators: bufopt's output sizes against libonnx's own shape inference, and the row
// map along H against padding worked out by hand from the ONNX operator documentation.
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/conv_geometry.h"
#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

using testing::Attr;
using testing::OnnxBuilder;
using testing::TempDir;

/// One windowed node over a [1, 2, height, 5] input; attributes along H (W uses kernel 1).
struct WindowCase {
  const char* label;
  const char* op_type;
  int64_t height;
  int64_t kernel;
  int64_t stride;
  int64_t dilation;           ///< 0: attribute absent
  std::vector<int64_t> pads;  ///< {top, bottom}; empty: attribute absent
  const char* auto_pad;       ///< "" : attribute absent
  bool ceil_mode;
  int64_t output_padding;      ///< ConvTranspose
  int64_t expected_pad_begin;  ///< worked out by hand from the ONNX documentation
};

std::ostream& operator<<(std::ostream& out, const WindowCase& c) {
  return out << c.label;
}

const WindowCase kCases[] = {
    // label, op, H, k, s, d, pads, auto_pad, ceil, output_padding, pad_begin
    {"conv_k3_s1_p1", "Conv", 7, 3, 1, 0, {1, 1}, "", false, 0, 1},
    {"conv_k3_s2_p1_odd", "Conv", 7, 3, 2, 0, {1, 1}, "", false, 0, 1},
    {"conv_k3_s2_p1_even", "Conv", 8, 3, 2, 0, {1, 1}, "", false, 0, 1},
    {"conv_asymmetric_0_1", "Conv", 8, 3, 2, 0, {0, 1}, "", false, 0, 0},
    {"conv_asymmetric_2_0", "Conv", 9, 3, 2, 0, {2, 0}, "", false, 0, 2},
    {"conv_dilated", "Conv", 20, 5, 3, 2, {1, 3}, "", false, 0, 1},
    // SAME_UPPER, H=7, k=3, s=2: out 4, total pad (4-1)*2+3-7 = 2, 1 before.
    {"conv_same_upper_odd", "Conv", 7, 3, 2, 0, {}, "SAME_UPPER", false, 0, 1},
    // H=8: total pad 3*2+3-8 = 1; SAME_UPPER puts it after, SAME_LOWER before.
    {"conv_same_upper_even", "Conv", 8, 3, 2, 0, {}, "SAME_UPPER", false, 0, 0},
    {"conv_same_lower_even", "Conv", 8, 3, 2, 0, {}, "SAME_LOWER", false, 0, 1},
    // k=4, s=2, H=7: out 4, total 3*2+4-7 = 3: SAME_LOWER puts 2 before.
    {"conv_same_lower_k4", "Conv", 7, 4, 2, 0, {}, "SAME_LOWER", false, 0, 2},
    // k_eff = 2*(2-1)+1 = 3, s=3, H=10: out 4, total 3*3+3-10 = 2, 1 before.
    {"conv_same_lower_dilated", "Conv", 10, 2, 3, 2, {}, "SAME_LOWER", false, 0, 1},
    {"conv_same_upper_k1_s2", "Conv", 8, 1, 2, 0, {}, "SAME_UPPER", false, 0, 0},
    {"conv_valid_dilated", "Conv", 11, 3, 2, 2, {}, "VALID", false, 0, 0},
    {"maxpool_ceil_pads", "MaxPool", 6, 3, 2, 0, {1, 1}, "", true, 0, 1},
    {"maxpool_ceil", "MaxPool", 5, 2, 2, 0, {}, "", true, 0, 0},
    {"maxpool_floor", "MaxPool", 5, 2, 2, 0, {}, "", false, 0, 0},
    {"maxpool_dilated_ceil", "MaxPool", 12, 3, 2, 2, {0, 1}, "", true, 0, 0},
    {"maxpool_same_upper", "MaxPool", 9, 3, 2, 0, {}, "SAME_UPPER", false, 0, 1},
    {"avgpool_ceil_asymmetric", "AveragePool", 10, 3, 3, 0, {2, 1}, "", true, 0, 2},
    {"avgpool_same_lower", "AveragePool", 6, 2, 2, 0, {}, "SAME_LOWER", false, 0, 0},
    {"convtranspose_p1_outpad1", "ConvTranspose", 5, 3, 2, 0, {1, 1}, "", false, 1, 1},
    {"convtranspose_k4_p1", "ConvTranspose", 6, 4, 2, 0, {1, 1}, "", false, 0, 1},
    {"convtranspose_dilated", "ConvTranspose", 4, 3, 2, 2, {0, 0}, "", false, 0, 0},
    // SAME_UPPER: out = 5*2 = 10, total = 2*4+3-10 = 1; ONNX: pads[begin] = total/2 = 0.
    {"convtranspose_same_upper", "ConvTranspose", 5, 3, 2, 0, {}, "SAME_UPPER", false, 0, 0},
};

OnnxBuilder single_node_model(const WindowCase& c) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, c.height, 5});
  std::vector<Attr> attributes{Attr::ints("kernel_shape", {c.kernel, 1}), Attr::ints("strides", {c.stride, 1})};
  if (c.dilation > 0) attributes.push_back(Attr::ints("dilations", {c.dilation, 1}));
  if (!c.pads.empty()) attributes.push_back(Attr::ints("pads", {c.pads[0], 0, c.pads[1], 0}));
  if (std::string(c.auto_pad).size() > 0) attributes.push_back(Attr::s("auto_pad", c.auto_pad));
  if (c.ceil_mode) attributes.push_back(Attr::i("ceil_mode", 1));
  if (c.output_padding > 0) attributes.push_back(Attr::ints("output_padding", {c.output_padding, 0}));
  std::vector<std::string> inputs{x};
  const std::string op = c.op_type;
  if (op == "Conv") inputs.push_back(builder.initializer("w", {3, 2, c.kernel, 1}));
  if (op == "ConvTranspose") inputs.push_back(builder.initializer("w", {2, 3, c.kernel, 1}));
  builder.output(builder.node(op, inputs, attributes, "window"));
  return builder;
}

/// The output shape libonnx's InferShapes gives the single node of `builder`.
std::vector<int64_t> libonnx_output_shape(OnnxBuilder builder) {
  ::onnx::ModelProto model = builder.model();
  ::onnx::shape_inference::InferShapes(model, ::onnx::OpSchemaRegistry::Instance(),
                                     ::onnx::ShapeInferenceOptions(false, 1, false));
  std::vector<int64_t> shape;
  for (const auto& dim : model.graph().output(0).type().tensor_type().shape().dim()) shape.push_back(dim.dim_value());
  return shape;
}

class WindowGeometryTest : public ::testing::TestWithParam<WindowCase> {};

TEST_P(WindowGeometryTest, OutputShapeMatchesLibonnx) {
  const WindowCase& c = GetParam();
  OnnxBuilder builder = single_node_model(c);
  const std::vector<int64_t> expected = libonnx_output_shape(builder);
  ASSERT_EQ(expected.size(), 4u);
  TempDir dir;
  ImportOptions options;
  options.fuse = false;
  const graph::Graph graph = import_model(builder.save(dir.file("m.onnx")), options);
  EXPECT_EQ(testing::buffer_named(graph, "window_out").shape, expected);
}

TEST_P(WindowGeometryTest, RowMapAlongHeightFollowsTheDocumentedPadding) {
  const WindowCase& c = GetParam();
  OnnxBuilder builder = single_node_model(c);
  TempDir dir;
  ImportOptions options;
  options.fuse = false;
  const graph::Graph graph = import_model(builder.save(dir.file("m.onnx")), options);
  const graph::Actor& actor = testing::actor_named(graph, "window");
  ASSERT_EQ(actor.input_maps.size(), 1u);
  const int64_t dilation = c.dilation > 0 ? c.dilation : 1;
  if (std::string(c.op_type) == "ConvTranspose") {
    const auto* map = std::get_if<graph::TransposedWindow>(&actor.input_maps[0]);
    ASSERT_NE(map, nullptr);
    EXPECT_EQ(*map, (graph::TransposedWindow{c.kernel, c.stride, dilation, c.expected_pad_begin}));
  } else {
    const auto* map = std::get_if<graph::SlidingWindow>(&actor.input_maps[0]);
    ASSERT_NE(map, nullptr);
    EXPECT_EQ(*map, (graph::SlidingWindow{c.kernel, c.stride, dilation, c.expected_pad_begin}));
  }
  EXPECT_EQ(actor.kernel, c.kernel);
  EXPECT_EQ(actor.stride, c.stride);
  EXPECT_EQ(actor.pad_begin, c.expected_pad_begin);
}

INSTANTIATE_TEST_SUITE_P(Cases, WindowGeometryTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(WindowGeometry, KernelLargerThanPaddedInputIsAnImportError) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 2, 5});
  builder.output(builder.conv(x, 4, testing::ConvOptions().with_kernel({5, 1}).named("too_big")));
  TempDir dir;
  try {
    import_model(builder.save(dir.file("m.onnx")), {});
    FAIL() << "expected an ImportError";
  } catch (const ImportError& error) {
    EXPECT_NE(std::string(error.what()).find("too_big"), std::string::npos) << error.what();
  }
}

TEST(WindowGeometry, ConvMacsCountEveryMultiplyAccumulate) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 10, 10});
  // Cout 6, groups 2: each output reads Cin/groups = 2 channels of a 3x3 window.
  builder.output(builder.conv(x, 6, testing::ConvOptions::square(3, 2, 1).with_group(2).named("c")));
  TempDir dir;
  ImportOptions options;
  options.fuse = false;
  const graph::Graph graph = import_model(builder.save(dir.file("m.onnx")), options);
  const graph::Actor& conv = testing::actor_named(graph, "c");
  EXPECT_EQ(conv.macs, int64_t{1} * 6 * 5 * 5 * 2 * 3 * 3);
  EXPECT_EQ(conv.elementwise_ops, 0);
  EXPECT_EQ(conv.groups, 2);
  // Weights 6x2x3x3 and bias 6, float32.
  EXPECT_EQ(conv.parameter_bytes, (6 * 2 * 3 * 3 + 6) * 4);
}

TEST(WindowGeometry, ConvTransposeMacsCountEveryInputContribution) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 4, 5, 5});
  builder.output(builder.conv_transpose(x, 3, testing::ConvOptions::square(2, 2).without_bias().named("up")));
  TempDir dir;
  ImportOptions options;
  options.fuse = false;
  const graph::Graph graph = import_model(builder.save(dir.file("m.onnx")), options);
  EXPECT_EQ(testing::buffer_named(graph, "up_out").shape, (std::vector<int64_t>{1, 3, 10, 10}));
  // Every input element (4*5*5) is multiplied into Cout * kh * kw = 3*2*2 outputs.
  EXPECT_EQ(testing::actor_named(graph, "up").macs, 4 * 5 * 5 * 3 * 2 * 2);
}

TEST(WindowAttributes, WrongLengthsAreShapeErrors) {
  OpNode node;
  node.op_type = "Conv";
  node.attributes["strides"].ints = {1, 1, 1};
  EXPECT_THROW(window_attributes(node, 2, {3, 3}), ShapeError);
  node.attributes.clear();
  node.attributes["kernel_shape"].ints = {0, 3};
  EXPECT_THROW(window_attributes(node, 2, {}), ShapeError);
}

}  // namespace
}  // namespace bufopt::onnx
