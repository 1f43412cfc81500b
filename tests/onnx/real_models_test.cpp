// Real models imported without fusion: every tensor bufopt builds has the shape and dtype ONNX
// Runtime computed for it (tests/data/groundtruth/*.rt.json, recorded with onnxruntime-node).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include <gtest/gtest.h>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"
#include "support/real_models.h"

namespace bufopt::onnx {
namespace {

namespace fs = std::filesystem;
using testing::models_required;
using testing::RealModel;
using testing::real_models;

fs::path source_path(const std::string& relative) {
  return fs::path(BUFOPT_SOURCE_DIR) / relative;
}

nlohmann::json load_groundtruth(const std::string& file) {
  std::ifstream in(source_path("tests/data/groundtruth/" + file));
  if (!in) throw std::runtime_error("missing ground truth " + file);
  return nlohmann::json::parse(in);
}

class RealModelTest : public ::testing::TestWithParam<RealModel> {
 protected:
  void SetUp() override {
    const RealModel& model = GetParam();
    if (!fs::exists(source_path(model.path))) {
      if (models_required() || !model.external) FAIL() << model.path << " is missing";
      GTEST_SKIP() << model.path
                   << " is missing: run scripts/fetch_models.sh (BUFOPT_REQUIRE_MODELS=1 makes this a failure)";
    }
  }

  graph::Graph import(bool fuse) const {
    const RealModel& model = GetParam();
    ImportOptions options;
    options.fuse = fuse;
    options.input_shapes[model.input] = model.shape;
    return import_model(source_path(model.path).string(), options);
  }
};

TEST_P(RealModelTest, EveryTensorMatchesOnnxRuntime) {
  const graph::Graph graph = import(false);
  const nlohmann::json truth = load_groundtruth(GetParam().groundtruth);
  size_t compared = 0;
  for (const graph::Buffer& buffer : graph.buffers) {
    ASSERT_TRUE(buffer.shape_known()) << buffer.name << ": " << buffer.unknown_reason;
    if (buffer.io == graph::IoRole::kInput) {
      EXPECT_EQ(buffer.shape, GetParam().shape) << buffer.name;
      continue;
    }
    // ONNX Runtime recorded every node output: a buffer it does not know is a wrong name.
    ASSERT_TRUE(truth.contains(buffer.name)) << buffer.name << " is not a tensor of the model";
    const auto& expected = truth.at(buffer.name);
    EXPECT_EQ(graph::dtype_name(buffer.dtype), expected.at(0).get<std::string>()) << buffer.name;
    EXPECT_EQ(buffer.shape, expected.at(1).get<std::vector<int64_t>>()) << buffer.name;
    EXPECT_EQ(buffer.element_bytes, graph::dtype_bytes(buffer.dtype)) << buffer.name;
    ++compared;
  }
  EXPECT_GT(compared, 10u);
  EXPECT_TRUE(graph::validate(graph).empty());
  EXPECT_TRUE(graph.unsupported.empty());
  // No warning: the ONNX checker accepts the model and ONNX's own inference agrees with
  // bufopt's rules on every tensor (a disagreement is reported as a warning).
  EXPECT_TRUE(graph.warnings.empty()) << graph.warnings.front();
}

TEST_P(RealModelTest, FusedGraphIsValidAndSmaller) {
  const graph::Graph unfused = import(false);
  const graph::Graph fused = import(true);
  EXPECT_TRUE(graph::validate(fused).empty());
  EXPECT_LT(fused.actors.size(), unfused.actors.size());
  EXPECT_EQ(fused.actors.size() + fused.fused.size(), unfused.actors.size());
  EXPECT_EQ(fused.parameter_bytes, unfused.parameter_bytes);
}

INSTANTIATE_TEST_SUITE_P(Models, RealModelTest, ::testing::ValuesIn(real_models()),
                         [](const auto& info) { return std::string(info.param.label); });

class RealModelFileTest : public ::testing::Test {
 protected:
  static graph::Graph import_fixed(const RealModel& model, bool fuse = false) {
    ImportOptions options;
    options.fuse = fuse;
    options.input_shapes[model.input] = model.shape;
    return import_model(source_path(model.path).string(), options);
  }
};

// Streaming axes the models' layouts call for (MODEL 2).
TEST_F(RealModelFileTest, EmbeddingModelStreamsItsNhwcInputAlongH) {
  const graph::Graph graph = import_fixed(real_models()[1]);
  const graph::Buffer& input = testing::buffer_named(graph, "input_1");
  ASSERT_TRUE(input.streaming_axis.has_value());
  EXPECT_EQ(*input.streaming_axis, 1);  // [1, 76, 32, 1]: 76 frames
  const graph::Actor& reshape = testing::actor_named(graph, "model/conv2d/Conv2D__6");
  EXPECT_FALSE(reshape.barrier) << reshape.barrier_reason;
}

TEST_F(RealModelFileTest, MelspectrogramStreamsAlongTimeAfterItsTranspose) {
  const graph::Graph graph = import_fixed(real_models()[2]);
  const graph::Buffer& input = testing::buffer_named(graph, "input");
  EXPECT_FALSE(input.streaming_axis.has_value());                                   // [1, 1280]: rank 2, one token
  const graph::Buffer& frames = testing::buffer_named(graph, "onnx::Unsqueeze_6");  // Conv1d output [1, 257, 5]
  ASSERT_TRUE(frames.streaming_axis.has_value());
  EXPECT_EQ(*frames.streaming_axis, 2);
  const graph::Buffer& real = testing::buffer_named(graph, "real");  // [1, 1, 5, 257] after the Transpose
  ASSERT_TRUE(real.streaming_axis.has_value());
  EXPECT_EQ(*real.streaming_axis, 2);
  EXPECT_FALSE(testing::actor_named(graph, "Transpose_6").barrier);
  // The max over the whole spectrogram streams its rows (MODEL 3), it is no longer a barrier.
  EXPECT_TRUE(testing::actor_named(graph, "ReduceMax_24").streaming_reduction);
  EXPECT_FALSE(testing::actor_named(graph, "ReduceMax_24").barrier);
}

}  // namespace
}  // namespace bufopt::onnx
