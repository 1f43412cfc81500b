// MODEL 9: a tensor whose shape depends on input values is unknown (never a scalar []), keeps
// what is known of its shape, passes its unknown size on to what is computed from it, and is
// named in a warning.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/graph/unknown_sizes.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

using graph::kUnknownDim;
using testing::OnnxBuilder;
using testing::buffer_named;

graph::BufferId id_of(const graph::Graph& graph, const std::string& name) {
  return static_cast<graph::BufferId>(&buffer_named(graph, name) - graph.buffers.data());
}

int warnings_naming(const graph::Graph& graph, const std::string& text) {
  return static_cast<int>(std::count_if(graph.warnings.begin(), graph.warnings.end(),
                                        [&](const std::string& w) { return w.find(text) != std::string::npos; }));
}

TEST(UnknownShapes, NonZeroOfAnActivationIsTwoByUnknown) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 4, 4});
  const std::string nz = builder.node("NonZero", {builder.relu(x)}, {}, "nz");
  builder.output(builder.node("Cast", {nz}, {testing::Attr::i("to", ::onnx::TensorProto::FLOAT)}, "cast"));
  const graph::Graph graph = testing::import_unfused(builder);
  const graph::Buffer& indices = buffer_named(graph, "nz_out");
  EXPECT_FALSE(indices.shape_known());
  EXPECT_TRUE(indices.shape.empty());
  EXPECT_EQ(indices.partial_shape, (std::vector<int64_t>{4, kUnknownDim}));
  EXPECT_EQ(indices.dtype, graph::DataType::kInt64);
  EXPECT_EQ(indices.tensor_bytes(), 0);
  EXPECT_EQ(graph::shape_text(indices), "4x?");
  // Computed from it: unknown too, with the same partial shape.
  const graph::Buffer& cast = buffer_named(graph, "cast_out");
  EXPECT_FALSE(cast.shape_known());
  EXPECT_EQ(cast.partial_shape, (std::vector<int64_t>{4, kUnknownDim}));
  EXPECT_EQ(cast.dtype, graph::DataType::kFloat32);
  EXPECT_TRUE(testing::actor_named(graph, "nz").barrier);
  EXPECT_EQ(warnings_naming(graph, "node 'nz' (NonZero): the size of 'nz_out' is unknown"), 1);
  EXPECT_EQ(warnings_naming(graph, "1 more tensor(s) computed from those are of unknown size too: cast_out"), 1);
  // The graph output is held by the application: no figure would count it without --stream-io.
  EXPECT_EQ(graph::unknown_size_buffers(graph, false), (std::vector<graph::BufferId>{id_of(graph, "nz_out")}));
}

TEST(UnknownShapes, RangeOfInputsHasUnknownLength) {
  OnnxBuilder builder(13);
  const std::string start = builder.input("start", {}, ::onnx::TensorProto::INT64);
  const std::string limit = builder.input("limit", {}, ::onnx::TensorProto::INT64);
  const std::string delta = builder.input("delta", {}, ::onnx::TensorProto::INT64);
  builder.output(builder.node("Range", {start, limit, delta}, {}, "range"), ::onnx::TensorProto::INT64);
  const graph::Graph graph = testing::import_unfused(builder);
  const graph::Buffer& out = buffer_named(graph, "range_out");
  EXPECT_FALSE(out.shape_known());
  EXPECT_EQ(out.partial_shape, (std::vector<int64_t>{kUnknownDim}));
  EXPECT_NE(out.unknown_reason.find("depends on the values of input 'start'"), std::string::npos) << out.unknown_reason;
}

TEST(UnknownShapes, ExpandToAnInputShapeKeepsTheDimsItCannotChange) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 1});
  const std::string shape = builder.input("shape", {4}, ::onnx::TensorProto::INT64);
  builder.output(builder.node("Expand", {x, shape}, {}, "expand"));
  const graph::Graph graph = testing::import_unfused(builder);
  const graph::Buffer& out = buffer_named(graph, "expand_out");
  EXPECT_FALSE(out.shape_known());
  // Rank 4 (the shape input's length); the 3 of x survives any broadcast, the 1s do not.
  EXPECT_EQ(out.partial_shape, (std::vector<int64_t>{kUnknownDim, kUnknownDim, 3, kUnknownDim}));
  EXPECT_EQ(graph::shape_text(out), "?x?x3x?");
}

TEST(UnknownShapes, ReduceOverInputAxesKeepsOnlyTheRank) {
  OnnxBuilder builder(18);
  const std::string x = builder.input("x", {2, 1, 5});
  const std::string axes = builder.input("axes", {1}, ::onnx::TensorProto::INT64);
  builder.output(builder.node("ReduceSum", {x, axes}, {}, "sum"));
  const graph::Graph graph = testing::import_unfused(builder);
  const graph::Buffer& out = buffer_named(graph, "sum_out");
  EXPECT_FALSE(out.shape_known());
  EXPECT_EQ(out.partial_shape, (std::vector<int64_t>{kUnknownDim, 1, kUnknownDim}));
}

TEST(UnknownShapes, UnknownIntermediateIsCountedAndNamed) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 8, 8});
  const std::string k = builder.input("k", {1}, ::onnx::TensorProto::INT64);
  const auto topk = builder.node_outputs("TopK", {x, k}, {}, 2, "topk");
  builder.output(builder.relu(topk[0], "relu"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, topk[0]).partial_shape, (std::vector<int64_t>{1, 3, 8, kUnknownDim}));
  EXPECT_EQ(buffer_named(graph, topk[1]).dtype, graph::DataType::kInt64);
  // Both TopK outputs are intermediate: the figures exclude them even without --stream-io.
  const auto unknown = graph::unknown_size_buffers(graph, false);
  EXPECT_EQ(unknown.size(), 2u);
  EXPECT_EQ(graph::unknown_size_buffers(graph, true).size(), 3u);  // and the Relu's output
  EXPECT_EQ(warnings_naming(graph, "node 'topk' (TopK)"), 2);
}

TEST(UnknownShapes, ConstantArgumentsStillGiveKnownShapes) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 1});
  const std::string shape = builder.initializer_int64("shape", {3}, {2, 3, 4});
  builder.output(builder.node("Expand", {x, shape}, {}, "expand"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "expand_out").shape, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_TRUE(graph::unknown_size_buffers(graph, true).empty());
  EXPECT_EQ(warnings_naming(graph, "unknown"), 0);
}

}  // namespace
}  // namespace bufopt::onnx
