// End-to-end imports of synthetic models: inputs, names, constants, external data, versions.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

namespace fs = std::filesystem;
using testing::actor_named;
using testing::Attr;
using testing::buffer_named;
using testing::ConvOptions;
using testing::OnnxBuilder;
using testing::TempDir;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool any_warning_contains(const graph::Graph& graph, const std::string& part) {
  for (const auto& warning : graph.warnings) {
    if (contains(warning, part)) return true;
  }
  return false;
}

// ---- graph inputs ------------------------------------------------------------------------------

TEST(InputShapes, SymbolicBatchDefaultsToOne) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {-1, 3, 8, 8});
  builder.output(builder.relu(x, "r"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "x").shape, (std::vector<int64_t>{1, 3, 8, 8}));
  EXPECT_EQ(buffer_named(graph, "x").io, graph::IoRole::kInput);
  EXPECT_EQ(buffer_named(graph, "r_out").io, graph::IoRole::kOutput);
  EXPECT_EQ(buffer_named(graph, "r_out").shape, (std::vector<int64_t>{1, 3, 8, 8}));
}

TEST(InputShapes, UnknownNonBatchDimIsNamedWithAHint) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {-1, 3, -1, -1}, {"", "", "p2o.DynamicDimension.1", "width"});
  builder.output(builder.relu(x));
  EXPECT_EQ(testing::import_error(builder),
            "input 'x' has unknown dim 2 (p2o.DynamicDimension.1); pass --input-shape x=1x3xHxW");
}

TEST(InputShapes, OverrideReplacesTheDeclaredShape) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {-1, 3, -1, -1});
  builder.output(builder.relu(x, "r"));
  ImportOptions options;
  options.input_shapes["x"] = {2, 3, 10, 12};
  const graph::Graph graph = testing::import_built(builder, options);
  EXPECT_EQ(buffer_named(graph, "r_out").shape, (std::vector<int64_t>{2, 3, 10, 12}));
}

TEST(InputShapes, OverrideOfAnUnknownInputIsAnError) {
  OnnxBuilder builder;
  builder.output(builder.relu(builder.input("x", {1, 3, 8, 8})));
  ImportOptions options;
  options.input_shapes["image"] = {1, 3, 8, 8};
  EXPECT_EQ(testing::import_error(builder, options),
            "--input-shape names 'image', which is not an input of the model (inputs: x)");
}

TEST(InputShapes, OverrideOfTheWrongRankIsAnError) {
  OnnxBuilder builder;
  builder.output(builder.relu(builder.input("x", {1, 3, 8, 8})));
  ImportOptions options;
  options.input_shapes["x"] = {1, 3, 8};
  EXPECT_EQ(testing::import_error(builder, options), "--input-shape x has rank 3 but input 'x' has rank 4");
}

TEST(InputShapes, InitializerListedAsInputIsAConstant) {
  OnnxBuilder builder(13, 3);  // IR 3 lists initializers among the inputs
  const std::string x = builder.input("x", {1, 2, 4, 4});
  builder.input("bias", {1, 2, 1, 1});
  builder.initializer("bias", {1, 2, 1, 1});
  builder.output(builder.add(x, "bias", "plus"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_FALSE(testing::has_buffer(graph, "bias"));
  const graph::Actor& plus = actor_named(graph, "plus");
  ASSERT_EQ(plus.inputs.size(), 1u);
  EXPECT_EQ(plus.parameter_bytes, 2 * 4);
}

// ---- names, metadata -------------------------------------------------------------------------

TEST(Names, UnnamedNodesAreNamedByOpTypeAndIndex) {
  OnnxBuilder builder;
  builder.name_nodes(false);
  const std::string x = builder.input("x", {1, 2, 4, 4});
  const std::string a = builder.relu(x);
  builder.output(builder.sigmoid(a));
  const graph::Graph graph = testing::import_unfused(builder);
  ASSERT_EQ(graph.actors.size(), 2u);
  EXPECT_EQ(graph.actors[0].name, "Relu_0");
  EXPECT_EQ(graph.actors[1].name, "Sigmoid_1");
}

TEST(Names, RepeatedNodeNamesAreMadeUnique) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  const std::string a = builder.node("Relu", {x}, {}, "same");
  builder.graph().mutable_node(0)->set_output(0, "first");
  builder.output(builder.node_outputs("Relu", {"first"}, {}, 1, "same").front());
  const graph::Graph graph = testing::import_unfused(builder);
  ASSERT_EQ(graph.actors.size(), 2u);
  EXPECT_EQ(graph.actors[0].name, "same");
  EXPECT_EQ(graph.actors[1].name, "same_2");
  (void)a;
}

TEST(Names, GraphNameFallsBackToTheFileStem) {
  OnnxBuilder builder;
  builder.graph().set_name("");
  builder.output(builder.relu(builder.input("x", {1, 1, 2, 2})));
  TempDir dir;
  const graph::Graph graph = import_model(builder.save(dir.file("my_net.onnx")), {});
  EXPECT_EQ(graph.name, "my_net");
}

TEST(Names, BufoptMetadataBecomesAnnotations) {
  OnnxBuilder builder;
  builder.output(builder.relu(builder.input("x", {1, 1, 2, 2})));
  auto* mine = builder.model().add_metadata_props();
  mine->set_key("bufopt.capacity.x");
  mine->set_value("3");
  auto* other = builder.model().add_metadata_props();
  other->set_key("author");
  other->set_value("someone");
  const graph::Graph graph = testing::import_unfused(builder);
  ASSERT_EQ(graph.annotations.size(), 1u);
  EXPECT_EQ(graph.annotations[0].first, "bufopt.capacity.x");
  EXPECT_EQ(graph.annotations[0].second, "3");
}

// ---- weights ---------------------------------------------------------------------------------

TEST(Weights, ConstantNodesHoldWeights) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 6, 6});
  const std::string w = builder.constant("w", {4, 2, 3, 3});
  const std::string b = builder.constant("b", {4});
  builder.output(builder.node("Conv", {x, w, b}, {Attr::ints("pads", {1, 1, 1, 1})}, "conv"));
  const graph::Graph graph = testing::import_unfused(builder);
  ASSERT_EQ(graph.actors.size(), 1u);  // the Constant nodes are no actors
  const graph::Actor& conv = actor_named(graph, "conv");
  EXPECT_EQ(conv.inputs.size(), 1u);
  EXPECT_EQ(conv.parameter_bytes, (4 * 2 * 3 * 3 + 4) * 4);
  EXPECT_EQ(graph.parameter_bytes, conv.parameter_bytes);
  EXPECT_EQ(buffer_named(graph, "conv_out").shape, (std::vector<int64_t>{1, 4, 6, 6}));
}

TEST(Weights, SharedWeightCountsOnceInTheModel) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 6, 6});
  const std::string w = builder.initializer("w", {2, 2, 1, 1});
  const std::string a = builder.node("Conv", {x, w}, {}, "a");
  builder.output(builder.node("Conv", {a, w}, {}, "b"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(actor_named(graph, "a").parameter_bytes, 16);
  EXPECT_EQ(actor_named(graph, "b").parameter_bytes, 16);
  EXPECT_EQ(graph.parameter_bytes, 16);
}

/// A model whose Resize scales (needed as values) and conv weight live in `location`.
OnnxBuilder external_data_model(const std::string& location, int64_t scales_offset = 0,
                                std::vector<int64_t> output_shape = {}) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  const std::string scales = builder.external_initializer("scales", {4}, location, scales_offset, 16);
  const std::string w = builder.external_initializer("w", {3, 2, 1, 1}, location, 16, 24);
  const std::string roi = builder.initializer("roi", {0});
  const std::string up = builder.node("Resize", {x, roi, scales}, {Attr::s("mode", "nearest")}, "up");
  const std::string conv = builder.node("Conv", {up, w}, {}, "conv");
  if (output_shape.empty()) {
    builder.output(conv);
  } else {
    builder.output(conv, output_shape);
  }
  return builder;
}

std::string float_bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

TEST(ExternalData, InsideTheModelDirectoryIsRead) {
  TempDir dir;
  testing::write_file(dir.file("weights.bin"), float_bytes({1, 1, 2, 3, 0, 0, 0, 0, 0, 0}));
  const std::string path = external_data_model("weights.bin", 0, {1, 3, 8, 12}).save(dir.file("m.onnx"));
  ImportOptions options;
  options.fuse = false;
  const graph::Graph graph = import_model(path, options);
  // The scales were read from the file: H doubles, W triples.
  EXPECT_EQ(buffer_named(graph, "up_out").shape, (std::vector<int64_t>{1, 2, 8, 12}));
  EXPECT_EQ(actor_named(graph, "conv").parameter_bytes, 24);
  // The checker looks for the weights in the model's directory, not in the working directory.
  EXPECT_FALSE(any_warning_contains(graph, "checker"));
  // libonnx cannot read external scales: its inference gives up and bufopt's rules take over.
  ASSERT_EQ(graph.warnings.size(), 1u);
  EXPECT_TRUE(contains(graph.warnings[0], "ONNX shape inference failed")) << graph.warnings[0];
}

TEST(ExternalData, SubdirectoryInsideTheModelDirectoryIsAllowed) {
  TempDir dir;
  fs::create_directory(dir.path() / "data");
  testing::write_file(dir.file("data/weights.bin"), float_bytes({1, 1, 2, 2, 0, 0, 0, 0, 0, 0}));
  const std::string path = external_data_model("data/weights.bin").save(dir.file("m.onnx"));
  EXPECT_EQ(buffer_named(import_model(path, {}), "conv_out").shape, (std::vector<int64_t>{1, 3, 8, 8}));
}

std::string import_message(const std::string& path) {
  try {
    import_model(path, {});
  } catch (const ImportError& error) {
    return error.what();
  }
  return "no error";
}

TEST(ExternalData, ParentDirectoryIsRefused) {
  TempDir outer;
  fs::create_directory(outer.path() / "model");
  testing::write_file(outer.file("weights.bin"), float_bytes({1, 1, 2, 2, 0, 0, 0, 0, 0, 0}));
  const std::string path = external_data_model("../weights.bin").save(outer.file("model/m.onnx"));
  EXPECT_EQ(import_message(path), "external data '../weights.bin' leaves the model directory");
}

TEST(ExternalData, AbsolutePathIsRefused) {
  TempDir dir;
  testing::write_file(dir.file("weights.bin"), float_bytes({1, 1, 2, 2, 0, 0, 0, 0, 0, 0}));
  const std::string location = dir.file("weights.bin");
  const std::string path = external_data_model(location).save(dir.file("m.onnx"));
  EXPECT_EQ(import_message(path), "external data '" + location + "' leaves the model directory");
}

TEST(ExternalData, SymlinkLeavingTheDirectoryIsRefused) {
  TempDir outer;
  fs::create_directory(outer.path() / "model");
  testing::write_file(outer.file("secret.bin"), float_bytes({1, 1, 2, 2, 0, 0, 0, 0, 0, 0}));
  fs::create_symlink(outer.path() / "secret.bin", outer.path() / "model" / "weights.bin");
  const std::string path = external_data_model("weights.bin").save(outer.file("model/m.onnx"));
  EXPECT_EQ(import_message(path), "external data 'weights.bin' leaves the model directory");
}

TEST(ExternalData, OffsetBeyondTheFileIsRefused) {
  TempDir dir;
  testing::write_file(dir.file("weights.bin"), float_bytes({1, 1, 2, 2, 0, 0, 0, 0, 0, 0}));
  const std::string path = external_data_model("weights.bin", 100).save(dir.file("m.onnx"));
  EXPECT_TRUE(contains(import_message(path), "beyond the file")) << import_message(path);
}

TEST(ExternalData, MissingFileIsAnError) {
  TempDir dir;
  const std::string path = external_data_model("nowhere.bin").save(dir.file("m.onnx"));
  EXPECT_EQ(import_message(path), "external data 'nowhere.bin' of tensor 'scales' cannot be found");
}

TEST(ExternalData, TotalBeyondTheLimitIsRefused) {
  TempDir dir;
  testing::write_file(dir.file("weights.bin"), float_bytes({1, 1, 2, 2, 0, 0, 0, 0, 0, 0}));
  const std::string path = external_data_model("weights.bin").save(dir.file("m.onnx"));
  ImportOptions options;
  options.limits.max_external_bytes = 30;  // 16 + 24 bytes are needed
  try {
    import_model(path, options);
    FAIL() << "expected an ImportError";
  } catch (const ImportError& error) {
    EXPECT_TRUE(contains(error.what(), "limit of 30 bytes")) << error.what();
  }
}

// ---- versions --------------------------------------------------------------------------------

TEST(Versions, Opset18ImportsWithOwnRulesAndAWarning) {
  OnnxBuilder builder(18);
  const std::string x = builder.input("x", {1, 4, 8, 8});
  // Opset 18: ReduceMean takes its axes as an input, Split its output count as an attribute.
  const std::string axes = builder.initializer_int64("axes", {1}, {3});
  const std::string mean = builder.node("ReduceMean", {x, axes}, {}, "mean");
  const auto halves = builder.node_outputs("Split", {x}, {Attr::i("axis", 1), Attr::i("num_outputs", 2)}, 2, "split");
  builder.output(mean);
  builder.output(builder.add(halves[0], halves[1], "sum"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_TRUE(any_warning_contains(graph, "opset 18")) << (graph.warnings.empty() ? "" : graph.warnings[0]);
  EXPECT_EQ(buffer_named(graph, "mean_out").shape, (std::vector<int64_t>{1, 4, 8, 1}));
  EXPECT_EQ(buffer_named(graph, "split_out1").shape, (std::vector<int64_t>{1, 2, 8, 8}));
  EXPECT_EQ(buffer_named(graph, "sum_out").shape, (std::vector<int64_t>{1, 2, 8, 8}));
  EXPECT_TRUE(graph.unsupported.empty());
}

TEST(Versions, NewerIrVersionImportsWithAWarning) {
  OnnxBuilder builder(17, 10);
  builder.output(builder.relu(builder.input("x", {1, 1, 4, 4}), "r"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_TRUE(any_warning_contains(graph, "IR version 10"));
  EXPECT_EQ(buffer_named(graph, "r_out").shape, (std::vector<int64_t>{1, 1, 4, 4}));
}

TEST(Versions, CheckerFindingsAreWarnings) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 1, 4, 4});
  // An attribute Relu does not have: the checker complains, bufopt carries on.
  builder.output(builder.node("Relu", {x}, {Attr::i("bogus", 1)}, "r"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_TRUE(any_warning_contains(graph, "ONNX checker")) << graph.warnings.size();
  EXPECT_TRUE(testing::has_actor(graph, "r"));
}

// ---- unsupported operators ---------------------------------------------------------------------

TEST(Unsupported, UnknownOperatorBecomesABarrierListedAsUnsupported) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 6, 6});
  const std::string a = builder.relu(x, "before");
  const std::string custom = builder.node_outputs("FusedThing", {a}, {}, 1, "custom", "com.example").front();
  builder.output(builder.relu(custom, "after"));
  const graph::Graph graph = testing::import_unfused(builder);
  const graph::Actor& actor = actor_named(graph, "custom");
  EXPECT_TRUE(actor.barrier);
  EXPECT_EQ(actor.barrier_reason, "unsupported operator com.example.FusedThing");
  ASSERT_EQ(graph.unsupported.size(), 1u);
  EXPECT_EQ(graph.unsupported[0].node, "custom");
  EXPECT_EQ(graph.unsupported[0].op_type, "com.example.FusedThing");
  // Its output shape cannot be known: the buffer says why instead of failing the import.
  EXPECT_FALSE(buffer_named(graph, "custom_out").shape_known());
  EXPECT_FALSE(buffer_named(graph, "custom_out").unknown_reason.empty());
  EXPECT_TRUE(graph::validate(graph).empty());
}

TEST(Unsupported, DeclaredShapeOfAnUnknownOperatorIsUsed) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 6, 6});
  const std::string custom = builder.node_outputs("Mystery", {x}, {}, 1, "custom", "com.example").front();
  auto* info = builder.graph().add_value_info();
  info->set_name(custom);
  auto* type = info->mutable_type()->mutable_tensor_type();
  type->set_elem_type(::onnx::TensorProto::FLOAT);
  for (int64_t dim : {1, 2, 3, 3}) type->mutable_shape()->add_dim()->set_dim_value(dim);
  builder.output(builder.relu(custom, "after"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_EQ(buffer_named(graph, "after_out").shape, (std::vector<int64_t>{1, 2, 3, 3}));
  EXPECT_TRUE(actor_named(graph, "custom").barrier);
}

}  // namespace
}  // namespace bufopt::onnx

namespace bufopt::onnx {
namespace {

TEST(Versions, FailedOnnxInferenceFallsBackToOwnRules) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 6, 6});
  // "b" is listed as an input of shape [3] but its initializer (which bufopt, like ONNX Runtime,
  // uses) is [2, 1, 1]: libonnx's inference throws on the mismatch.
  builder.input("b", {3});
  builder.initializer("b", {2, 1, 1});
  const std::string sum = builder.add(x, "b", "plus");
  const std::string c = builder.conv(sum, 4, ConvOptions::square(3, 2, 1).named("conv"));
  builder.output(builder.relu(c, "r"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_TRUE(any_warning_contains(graph, "ONNX shape inference failed"));
  EXPECT_EQ(buffer_named(graph, "plus_out").shape, (std::vector<int64_t>{1, 2, 6, 6}));
  EXPECT_EQ(buffer_named(graph, "r_out").shape, (std::vector<int64_t>{1, 4, 3, 3}));
  EXPECT_TRUE(actor_named(graph, "plus").fusable);
}

}  // namespace
}  // namespace bufopt::onnx
