#include "bufopt/analysis/measured_times.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "bufopt/onnx/import.h"
#include "support/run_command.h"

namespace bufopt::analysis {
namespace {

const std::filesystem::path kSource = BUFOPT_SOURCE_DIR;
const std::filesystem::path kProfile = kSource / "tests/data/ort_profile/ch_ppocr_mobile_v2.0_cls_ort1.30.json";
const std::filesystem::path kModel = kSource / "models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx";

TEST(MeasuredTimes, OrtProfileGivesTheMeanKernelTimePerNode) {
  const std::string text = R"([
    {"cat":"Session","dur":500,"ts":0,"ph":"X","name":"model_run","args":{}},
    {"cat":"Node","dur":10,"ts":1,"ph":"X","name":"conv_a_fence_before","args":{}},
    {"cat":"Node","dur":30,"ts":2,"ph":"X","name":"conv_a_kernel_time","args":{"op_name":"Conv"}},
    {"cat":"Node","dur":7,"ts":3,"ph":"X","name":"relu_kernel_time","args":{"op_name":"Relu"}},
    {"cat":"Session","dur":400,"ts":9,"ph":"X","name":"model_run","args":{}},
    {"cat":"Node","dur":10,"ts":10,"ph":"X","name":"conv_a_kernel_time","args":{"op_name":"Conv"}}
  ])";
  const NodeTimes times = parse_ort_profile(text);
  EXPECT_EQ(times.events, 3);
  ASSERT_EQ(times.seconds.size(), 2u);
  EXPECT_DOUBLE_EQ(times.seconds.at("conv_a"), 20e-6);  // (30 + 10) / 2 runs
  EXPECT_DOUBLE_EQ(times.seconds.at("relu"), 7e-6);
}

TEST(MeasuredTimes, RejectsWhatIsNotAProfile) {
  EXPECT_THROW(parse_ort_profile("{}"), std::invalid_argument);
  EXPECT_THROW(parse_ort_profile("[1, 2"), std::invalid_argument);
  EXPECT_THROW(parse_ort_profile(R"([{"cat":"Session","name":"model_run","dur":3}])"), std::invalid_argument);
  EXPECT_THROW(parse_ort_profile(R"([{"cat":"Node","name":"a_kernel_time","dur":-3}])"), std::invalid_argument);
  EXPECT_THROW(parse_ort_profile(R"([{"cat":"Node","name":"a_kernel_time"}])"), std::invalid_argument);
}

TEST(MeasuredTimes, ActorTimesFileInSecondsOrCycles) {
  const auto seconds = parse_actor_times_json(R"({"actor_seconds": {"a": 0.5, "b": 2e-3}})");
  EXPECT_EQ(seconds, (std::map<std::string, double>{{"a", 0.5}, {"b", 2e-3}}));
  // FINN-style cycles per layer at a 200 MHz clock; seconds win for an actor given both ways.
  const auto cycles = parse_actor_times_json(R"({"clock_hz": 2e8, "actor_cycles": {"mvau_0": 4000, "a": 1}, "actor_seconds": {"a": 1.0}})");
  EXPECT_DOUBLE_EQ(cycles.at("mvau_0"), 2e-5);
  EXPECT_DOUBLE_EQ(cycles.at("a"), 1.0);
  EXPECT_THROW(parse_actor_times_json(R"({"actor_cycles": {"a": 4}})"), std::invalid_argument);
  EXPECT_THROW(parse_actor_times_json(R"({"actor_seconds": {"a": "fast"}})"), std::invalid_argument);
  EXPECT_THROW(parse_actor_times_json(R"({"seconds": {}})"), std::invalid_argument);
  EXPECT_THROW(parse_actor_times_json("[]"), std::invalid_argument);
  // Either format from its first character.
  EXPECT_EQ(parse_measured_times(R"(  {"actor_seconds": {"a": 1}})").at("a"), 1.0);
  EXPECT_DOUBLE_EQ(parse_measured_times(R"( [{"cat":"Node","name":"x_kernel_time","dur":4}])").at("x"), 4e-6);
}

TEST(MeasuredTimes, RealProfileMapsOntoFusedActors) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << "bundled model missing";
  const std::string text = testing::read_file(kProfile);
  const NodeTimes times = parse_ort_profile(text);
  // The fixture's own events, summed here without the parser: two runs of every kernel.
  const nlohmann::json events = nlohmann::json::parse(text);
  std::map<std::string, std::pair<double, int>> raw;
  for (const nlohmann::json& event : events) {
    const std::string name = event.at("name");
    if (event.at("cat") != "Node" || !name.ends_with("_kernel_time")) continue;
    auto& [total, count] = raw[name.substr(0, name.size() - 12)];
    total += event.at("dur").get<double>();
    ++count;
  }
  ASSERT_EQ(times.seconds.size(), raw.size());
  for (const auto& [node, total] : raw) {
    EXPECT_EQ(total.second, 2) << node;
    EXPECT_NEAR(times.seconds.at(node), total.first * 1e-6 / 2, 1e-12) << node;
  }

  onnx::ImportOptions import;
  import.input_shapes["x"] = {1, 3, 48, 192};
  const graph::Graph graph = onnx::import_model(kModel.string(), import);
  const ActorTimes actors = actor_times(graph, times.seconds);
  // At "basic" ORT folds each BatchNormalization into its Conv (no event of its own) and turns
  // MatMul + Add into "p2o.MatMul.0/MatMulAddFusion"; every event still lands on an actor.
  EXPECT_TRUE(actors.unmatched.empty()) << actors.unmatched.front();
  EXPECT_TRUE(actors.unmeasured.empty()) << actors.unmeasured.front();
  int summed = 0;
  for (const graph::Actor& actor : graph.actors) {
    double expected = 0;
    int found = 0;
    for (const auto& [name, seconds] : times.seconds) {
      const std::string node = name.substr(0, name.find('/'));
      if (node == actor.name || std::find(actor.fused.begin(), actor.fused.end(), node) != actor.fused.end()) {
        expected += seconds;
        ++found;
      }
    }
    EXPECT_DOUBLE_EQ(actors.seconds.at(actor.name), expected) << actor.name;
    if (found > 1) ++summed;
  }
  EXPECT_GT(summed, 10);  // actors whose time adds up several kernels
  EXPECT_GT(actors.seconds.at("p2o.MatMul.0"), 0);
}

}  // namespace
}  // namespace bufopt::analysis
