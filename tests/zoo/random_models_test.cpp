// The random-CNN generator (tools/zoo/random_architectures.h): deterministic per seed, every
// pattern of the family present, every model valid for bufopt's importer with the actor count
// the builder computed, and the documented ranges of actors and input sizes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/analysis/analyze.h"
#include "bufopt/graph/graph.h"
#include "support/onnx_builder.h"
#include "support/run_command.h"
#include "zoo/random_models.h"

namespace bufopt::testing {
namespace {

TEST(RandomModels, SameSeedSameBytes) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const std::string first = zoo::random_model(seed).model.SerializeAsString();
    EXPECT_EQ(zoo::random_model(seed).model.SerializeAsString(), first) << "seed " << seed;
    EXPECT_NE(zoo::random_model(seed + 1000).model.SerializeAsString(), first) << "seed " << seed;
  }
}

TEST(RandomModels, NameSaysTheSeed) {
  const zoo::RandomModel model = zoo::random_model(42);
  EXPECT_EQ(model.name, "random_42");
  EXPECT_EQ(model.model.graph().name(), "random_42");
}

TEST(RandomModels, CommandLineWritesTheSameModels) {
  TempDir dir;
  const std::string command = shell_quote(BUFOPT_ZOO) + " --random 7,3 " + shell_quote(dir.path().string()) + " >/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  for (uint64_t seed = 7; seed < 10; ++seed) {
    const std::string stem = "random_" + std::to_string(seed);
    const std::filesystem::path path = dir.path() / (stem + ".onnx");
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    const zoo::RandomModel model = zoo::random_model(seed, stem + ".weights");
    EXPECT_EQ(read_file(path), model.model.SerializeAsString()) << stem;
    EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(dir.path() / (stem + ".weights"))), model.weight_bytes);
    // Written with external weights, the file imports to the same graph as the in-memory model.
    const graph::Graph from_file = onnx::import_model(path.string(), {});
    EXPECT_EQ(from_file.actors.size(), import_random_model(zoo::random_model(seed)).actors.size()) << stem;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "random_10.onnx"));
}

TEST(RandomModels, BadSeedArgumentsAreRefused) {
  EXPECT_EQ(zoo::parse_random_seeds("5"), (std::vector<uint64_t>{5}));
  EXPECT_EQ(zoo::parse_random_seeds("5,3"), (std::vector<uint64_t>{5, 6, 7}));
  for (const char* bad : {"", ",3", "5,", "5,0", "-1", "x", "5,3,1", "18446744073709551615,2"}) {
    EXPECT_THROW(zoo::parse_random_seeds(bad), std::invalid_argument) << bad;
  }
  TempDir dir;
  const std::string command = shell_quote(BUFOPT_ZOO) + " --random 5,x " + shell_quote(dir.path().string()) +
                              " >/dev/null 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(command.c_str())), 2);
}

TEST(RandomModels, ActorsAndSizesStayInTheirRanges) {
  int64_t fewest = zoo::kRandomMaxActors + 1;
  int64_t most = 0;
  int64_t smallest = zoo::kRandomMaxSize + 1;
  int64_t largest = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    const zoo::RandomModel model = zoo::random_model(seed);
    fewest = std::min(fewest, model.actors);
    most = std::max(most, model.actors);
    for (int64_t side : {model.input_height, model.input_width}) {
      smallest = std::min(smallest, side);
      largest = std::max(largest, side);
    }
  }
  EXPECT_GE(fewest, zoo::kRandomMinActors);
  EXPECT_LE(most, zoo::kRandomMaxActors);
  EXPECT_GE(smallest, zoo::kRandomMinSize);
  EXPECT_LE(largest, zoo::kRandomMaxSize);
  // The whole range is drawn, not a corner of it.
  EXPECT_LE(fewest, 4);
  EXPECT_GE(most, 50);
  EXPECT_LE(smallest, 12);
  EXPECT_GE(largest, 200);
}

/// The patterns of the family, recognised in the imported graph (not taken from the generator).
std::set<std::string> patterns_in(const graph::Graph& graph) {
  std::set<std::string> found;
  int outputs = 0;
  for (const graph::Buffer& buffer : graph.buffers) outputs += buffer.io == graph::IoRole::kOutput;
  if (outputs >= 2) found.insert("head");
  for (const graph::Actor& actor : graph.actors) {
    const auto& input = graph.buffers[static_cast<size_t>(actor.inputs.front())];
    if (actor.op_type == "Conv") {
      const int64_t in_channels = input.shape.size() == 4 ? input.shape[1] : 0;
      if (actor.groups > 1 && actor.groups == in_channels) found.insert("depthwise");
      if (actor.groups == 1 && actor.stride == 1 && actor.dilation == 1) found.insert("conv");
      if (actor.dilation > 1) found.insert("dilated");
    }
    if ((actor.op_type == "Conv" || actor.op_type == "MaxPool" || actor.op_type == "AveragePool") && actor.stride > 1) {
      found.insert("strided");
    }
    if (actor.op_type == "MaxPool" || actor.op_type == "AveragePool") found.insert("pool");
    if (actor.op_type == "Add" && actor.inputs.size() == 2) found.insert("residual_add");
    if (actor.op_type == "Concat" && actor.inputs.size() >= 2) found.insert("concat");
    if (actor.op_type == "Resize") found.insert("resize");
    // A layout Transpose streams (MODEL 2): it maps H onto H and is no barrier.
    if (actor.op_type == "Transpose" && !actor.barrier) found.insert("nhwc_transpose");
    if (actor.op_type == "Pad") found.insert("pad");
  }
  return found;
}

TEST(RandomModels, EveryPatternAppearsInTheFirstSeeds) {
  std::set<std::string> generated;
  std::set<std::string> imported;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const zoo::RandomModel model = zoo::random_model(seed);
    for (zoo::RandomOp op : model.ops) generated.insert(zoo::random_op_name(op));
    const std::set<std::string> found = patterns_in(import_random_model(model));
    imported.insert(found.begin(), found.end());
  }
  for (int i = 0; i < zoo::kRandomOpCount; ++i) {
    const std::string name = zoo::random_op_name(static_cast<zoo::RandomOp>(i));
    EXPECT_TRUE(generated.count(name)) << name << " never drawn";
    EXPECT_TRUE(imported.count(name)) << name << " never found in an imported graph";
  }
}

TEST(RandomModels, EveryModelImportsAndAnalysesCleanly) {
  const int count = random_model_count(100);
  for (int i = 0; i < count; ++i) {
    const uint64_t seed = static_cast<uint64_t>(i);
    const zoo::RandomModel model = zoo::random_model(seed);
    const graph::Graph graph = import_random_model(model);
    EXPECT_TRUE(graph::validate(graph).empty()) << model.name;
    EXPECT_TRUE(graph.unsupported.empty()) << model.name << ": " << graph.unsupported.front().op_type;
    EXPECT_TRUE(graph.warnings.empty()) << model.name << ": " << graph.warnings.front();
    // Two independent counts: the builder's and the importer's (after fusion).
    EXPECT_EQ(static_cast<int64_t>(graph.actors.size()), model.actors) << model.name;
    for (const graph::Buffer& buffer : graph.buffers) {
      EXPECT_TRUE(buffer.shape_known()) << model.name << ": " << buffer.name;
      EXPECT_TRUE(buffer.streaming_axis.has_value()) << model.name << ": " << buffer.name;
    }
    analysis::AnalysisOptions options;
    const analysis::AnalysisResult result = analysis::analyze(graph, options);
    EXPECT_TRUE(result.verification.ok) << model.name << ": "
                                        << (result.verification.errors.empty() ? "" : result.verification.errors[0]);
    EXPECT_LE(result.lower_bound_bytes, result.evaluation.shared_bytes()) << model.name;
  }
}

}  // namespace
}  // namespace bufopt::testing
