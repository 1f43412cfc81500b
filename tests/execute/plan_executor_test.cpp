// The by-parts executor on hand-built models: by parts == layer by layer bit for bit in an
// arena of exactly shared_bytes, and a wrong plan caught with buffer, row and firing named.
#include "bufopt/execute/plan_executor.h"

#include <gtest/gtest.h>

#include "execution_test_support.h"
#include "support/onnx_builder.h"

namespace bufopt::testing {
namespace {

/// x -> Conv3x3/s1/p1 -> Relu -> Conv3x3/s2/p1 -> Conv1x1/s2 -> y (strides skip rows).
OnnxBuilder strided_chain() {
  OnnxBuilder b;
  std::string x = b.input("x", {1, 3, 19, 12});
  x = b.relu(b.conv(x, 4, ConvOptions::square(3, 1, 1)));
  x = b.conv(x, 6, ConvOptions::square(3, 2, 1));
  b.output(b.conv(x, 5, ConvOptions::square(1, 2, 0)));
  return b;
}

/// x -> Conv1x1 -> y; y -> Conv3x3 -> Conv3x3 -> Add(y) -> Relu (MODEL 8: y needs 3 rows).
OnnxBuilder residual_block() {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 3, 16, 10});
  const std::string y = b.conv(x, 4, ConvOptions::square(1).named("stem"));
  std::string main = b.conv(y, 4, ConvOptions::square(3, 1, 1));
  main = b.conv(main, 4, ConvOptions::square(3, 1, 1));
  b.output(b.relu(b.add(main, y)));
  return b;
}

/// Two branches of different receptive fields, concatenated on channels, then a Conv.
OnnxBuilder concat_branches() {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 2, 15, 9});
  const std::string left = b.conv(x, 3, ConvOptions::square(3, 1, 1));
  const std::string right = b.max_pool(b.conv(x, 2, ConvOptions::square(1)), PoolOptions::square(3, 1, 1));
  b.output(b.conv(b.concat({left, right}, 1), 4, ConvOptions::square(3, 2, 1)));
  return b;
}

/// Conv -> GlobalAveragePool (a streaming reduction) -> output; and a whole-height AveragePool.
OnnxBuilder streaming_reductions() {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 3, 14, 8});
  const std::string features = b.relu(b.conv(x, 4, ConvOptions::square(3, 1, 1)));
  b.output(b.global_average_pool(features));
  b.output(b.average_pool(b.conv(features, 3, ConvOptions::square(1)), PoolOptions{}.with_kernel({14, 2}).with_strides({1, 2})));
  return b;
}

/// NHWC in and out (tf2onnx style): Transpose -> Conv -> Transpose, streaming along H both ways.
OnnxBuilder nhwc_transposes() {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 13, 9, 3});
  const std::string nchw = b.transpose(x, {0, 3, 1, 2});
  b.set_channels(nchw, 3);
  const std::string y = b.conv(nchw, 4, ConvOptions::square(3, 2, 1));
  b.output(b.transpose(b.sigmoid(y), {0, 2, 3, 1}));
  return b;
}

struct HandModel {
  const char* label;
  OnnxBuilder (*build)();
  friend void PrintTo(const HandModel& model, std::ostream* out) { *out << model.label; }
};

const HandModel kHandModels[] = {
    {"strided_chain", strided_chain},     {"residual_block", residual_block},
    {"concat_branches", concat_branches}, {"streaming_reductions", streaming_reductions},
    {"nhwc_transposes", nhwc_transposes},
};

class HandModels : public ::testing::TestWithParam<HandModel> {};

TEST_P(HandModels, ByPartsEqualsLayerByLayerBitForBit) {
  TempDir dir;
  const std::string path = GetParam().build().save(dir.file("m.onnx"));
  const onnx::ExecutableModel model = executable(path);
  for (bool stream_io : {false, true}) {
    expect_by_parts_equals_layer_by_layer(model, {1.2, "cpu", stream_io, PlanKind::kOptimized});
    expect_by_parts_equals_layer_by_layer(model, {1.0, "mcu", stream_io, PlanKind::kOptimized});
    expect_by_parts_equals_layer_by_layer(model, {100.0, "mcu", stream_io, PlanKind::kOptimized});
    expect_by_parts_equals_layer_by_layer(model, {1.0, "cpu", stream_io, PlanKind::kOneRowEach});
  }
}

INSTANTIATE_TEST_SUITE_P(Execute, HandModels, ::testing::ValuesIn(kHandModels),
                         [](const ::testing::TestParamInfo<HandModel>& info) { return std::string(info.param.label); });

TEST(PlanExecutor, HandModelsStreamWhatTheyAreMeantTo) {
  TempDir dir;
  const graph::Graph reductions = executable(streaming_reductions().save(dir.file("r.onnx"))).graph;
  int streamed = 0;
  for (const graph::Actor& actor : reductions.actors) streamed += actor.streaming_reduction ? 1 : 0;
  EXPECT_EQ(streamed, 2);  // GlobalAveragePool and the whole-height AveragePool
  const graph::Graph nhwc = executable(nhwc_transposes().save(dir.file("n.onnx"))).graph;
  for (const graph::Actor& actor : nhwc.actors) EXPECT_FALSE(actor.barrier) << actor.name;
  EXPECT_EQ(buffer_named(nhwc, "x").streaming_axis, 1);
}

TEST(PlanExecutor, FusedActorsRunTheirNodesInDataOrder) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(strided_chain().save(dir.file("m.onnx")));
  // Conv+Relu is one actor: its program holds both nodes, the Conv first.
  ASSERT_FALSE(model.graph.actors.empty());
  const graph::ActorProgram& first = model.program.actors.front();
  ASSERT_EQ(first.nodes.size(), 2u);
  EXPECT_EQ(first.nodes[0].op_type, "Conv");
  EXPECT_EQ(first.nodes[1].op_type, "Relu");
  EXPECT_EQ(first.nodes[1].inputs[0], first.nodes[0].outputs[0]);
  // The tensor fusion removed from the graph still has its value info for the kernels.
  EXPECT_TRUE(model.program.values.count(first.nodes[0].outputs[0]));
  EXPECT_FALSE(model.program.constants.at(first.nodes[0].inputs[1]).reals.empty());
}

TEST(PlanExecutor, OneRowPlanNeedsLessArenaThanLayerByLayer) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(residual_block().save(dir.file("m.onnx")));
  const analysis::Evaluation fine = plan_for(model.graph, {1.0, "cpu", false, PlanKind::kOneRowEach});
  const analysis::Evaluation whole = plan_for(model.graph, {1.0, "mcu", false, PlanKind::kOptimized});
  EXPECT_LT(execute::PlanExecutor(model.graph, model.program, fine).arena_bytes(),
            execute::PlanExecutor(model.graph, model.program, whole).arena_bytes());
}

/// x [1,2,6,4] -> Conv1x1 to 3 channels (with bias) -> GlobalAveragePool -> y [1,3,1,1]: every
/// figure outside the arena follows from the shapes (OutsideArenaIsWhatTheExecutorHolds).
OnnxBuilder pooled_projection() {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 2, 6, 4});
  b.output(b.global_average_pool(b.conv(x, 3, ConvOptions::square(1))));
  return b;
}

TEST(PlanExecutor, OutsideArenaIsWhatTheExecutorHolds) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(pooled_projection().save(dir.file("m.onnx")));
  ASSERT_EQ(model.graph.actors.size(), 2u);  // the Conv and the GlobalAveragePool (a streaming reduction)
  const execute::TensorMap inputs = execute::random_inputs(model.graph, {}, 3);
  auto outside = [&](bool stream_io) {
    const analysis::Evaluation plan = plan_for(model.graph, {1.0, "cpu", stream_io, PlanKind::kOneRowEach});
    return execute::PlanExecutor(model.graph, model.program, plan).run(inputs).outside_arena;
  };
  const execute::OutsideArena held = outside(false);
  // x: 2*6*4 floats = 192 B, y: 3 floats = 12 B, both held by the application.
  EXPECT_EQ(held.io_bytes, 192 + 12);
  // W [3,2,1,1] and bias [3]: 9 floats.
  EXPECT_EQ(held.weight_bytes, 9 * 4);
  // The GlobalAveragePool's accumulator: one float per channel.
  EXPECT_EQ(held.accumulator_bytes, 3 * 4);
  // The largest firing is the Conv's, one row: its x window (2 channels x 4 columns) and its
  // output rows (3 x 4) = 20 floats; a pooling firing holds its 12-float window (+3 at the end).
  EXPECT_EQ(held.scratch_peak_bytes, 20 * 4);
  EXPECT_EQ(held.stream_staging_bytes, 0);
  // --stream-io: nothing application-held; x and y are staged for the source and the sink.
  const execute::OutsideArena streamed = outside(true);
  EXPECT_EQ(streamed.io_bytes, 0);
  EXPECT_EQ(streamed.stream_staging_bytes, 192 + 12);
  EXPECT_EQ(streamed.weight_bytes, 9 * 4);
  EXPECT_EQ(streamed.accumulator_bytes, 3 * 4);
  EXPECT_EQ(streamed.scratch_peak_bytes, 20 * 4);
  // Layer by layer the Conv's one firing holds all of x (48 floats) and y (72 floats).
  const analysis::Evaluation whole = plan_for(model.graph, {1.0, "mcu", false, PlanKind::kOptimized});
  ASSERT_EQ(static_cast<int64_t>(whole.schedule.firings.size()), 2);
  const execute::OutsideArena at_once = execute::PlanExecutor(model.graph, model.program, whole).run(inputs).outside_arena;
  EXPECT_EQ(at_once.scratch_peak_bytes, (48 + 72) * 4);
  EXPECT_EQ(at_once.accumulator_bytes, 3 * 4);
}

/// The message of the ExecutionError running `evaluation` throws ("" if none).
std::string execution_error(const onnx::ExecutableModel& model, const analysis::Evaluation& evaluation) {
  try {
    execute::PlanExecutor executor(model.graph, model.program, evaluation);
    executor.run(execute::random_inputs(model.graph, {}, 3));
  } catch (const execute::ExecutionError& error) {
    return error.what();
  }
  return "";
}

graph::BufferId buffer_id(const graph::Graph& graph, const std::string& name) {
  for (size_t i = 0; i < graph.buffers.size(); ++i) {
    if (graph.buffers[i].name == name) return static_cast<graph::BufferId>(i);
  }
  throw std::out_of_range(name);
}

TEST(PlanExecutor, CapacityOneRowTooSmallIsCaughtNamingBufferRowAndFiring) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(residual_block().save(dir.file("m.onnx")));
  analysis::Evaluation evaluation = plan_for(model.graph, {1.0, "cpu", false, PlanKind::kOneRowEach});
  const std::string stem = model.graph.actors.front().outputs.empty()
                               ? ""
                               : model.graph.buffers[static_cast<size_t>(model.graph.actors.front().outputs[0])].name;
  const auto y = static_cast<size_t>(buffer_id(model.graph, stem));
  ASSERT_EQ(evaluation.usage.capacity_rows[y], 3);  // MODEL 8: m = 2 convs -> 3 rows
  ASSERT_EQ(execution_error(model, evaluation), "");
  evaluation.usage.capacity_rows[y] = 2;
  const std::string message = execution_error(model, evaluation);
  EXPECT_NE(message.find("buffer '" + stem + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("firing "), std::string::npos) << message;
  EXPECT_NE(message.find("row "), std::string::npos) << message;
  EXPECT_NE(message.find("too small"), std::string::npos) << message;
}

TEST(PlanExecutor, OverlappingRingsAreCaughtNamingBothBuffers) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(residual_block().save(dir.file("m.onnx")));
  analysis::Evaluation evaluation = plan_for(model.graph, {1.0, "cpu", false, PlanKind::kOneRowEach});
  // Two counted buffers alive at once: moving one onto the other makes their rings overlap.
  const auto& channels = evaluation.network.channels;
  std::optional<std::pair<size_t, size_t>> pair;
  for (size_t a = 0; a < channels.size() && !pair; ++a) {
    for (size_t b = 0; b < channels.size() && !pair; ++b) {
      if (a == b || !channels[a].counted || !channels[b].counted) continue;
      if (!evaluation.usage.lifetimes[a].overlaps(evaluation.usage.lifetimes[b])) continue;
      const int64_t size_b = evaluation.usage.capacity_rows[b] * channels[b].row_bytes;
      if (evaluation.arena.offsets[a] + size_b <= evaluation.shared_bytes()) pair.emplace(a, b);
    }
  }
  ASSERT_TRUE(pair);
  evaluation.arena.offsets[pair->second] = evaluation.arena.offsets[pair->first];
  const std::string message = execution_error(model, evaluation);
  EXPECT_NE(message.find(model.graph.buffers[pair->first].name), std::string::npos) << message;
  EXPECT_NE(message.find(model.graph.buffers[pair->second].name), std::string::npos) << message;
  EXPECT_NE(message.find("overlap"), std::string::npos) << message;
  EXPECT_NE(message.find("firing "), std::string::npos) << message;
}

TEST(PlanExecutor, RingOutsideTheArenaIsRefused) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(strided_chain().save(dir.file("m.onnx")));
  analysis::Evaluation evaluation = plan_for(model.graph, {1.2, "cpu", false, PlanKind::kOptimized});
  evaluation.arena.size -= 1;
  EXPECT_THROW(execute::PlanExecutor(model.graph, model.program, evaluation), execute::ExecutionError);
}

TEST(PlanExecutor, WrongInputShapeIsRefusedNamingTheInput) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(strided_chain().save(dir.file("m.onnx")));
  const analysis::Evaluation evaluation = plan_for(model.graph, {1.2, "cpu", false, PlanKind::kOptimized});
  execute::PlanExecutor executor(model.graph, model.program, evaluation);
  execute::TensorMap inputs;
  inputs["x"] = execute::random_tensor(graph::DataType::kFloat32, {1, 3, 18, 12}, 1);
  try {
    executor.run(inputs);
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("'x'"), std::string::npos) << error.what();
  }
}

TEST(PlanExecutor, UnsupportedOperatorIsListedWithItsReason) {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 2, 8, 8});
  b.output(b.node("NoSuchOp", {b.relu(x)}, {}, "mystery"));
  TempDir dir;
  const onnx::ExecutableModel model = onnx::import_executable_model(b.save(dir.file("m.onnx")), {});
  const std::vector<std::string> reasons = execute::unsupported_operations(model.graph, model.program);
  ASSERT_FALSE(reasons.empty());
  EXPECT_NE(reasons[0].find("NoSuchOp"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[0].find("'mystery'"), std::string::npos) << reasons[0];
  for (const std::string& reason : reasons) EXPECT_EQ(reason.find("Relu"), std::string::npos) << reason;
  EXPECT_THROW(execute::check_supported(model.graph, model.program), execute::UnsupportedModel);
}

TEST(PlanExecutor, GraphOutputsFoldedToConstantsAreReturned) {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 2, 8, 8});
  b.output(b.relu(x));
  b.output(b.node("Shape", {x}, {}, "shape_of_x"));
  TempDir dir;
  const onnx::ExecutableModel model = executable(b.save(dir.file("m.onnx")));
  ASSERT_EQ(model.program.constant_outputs.size(), 1u);
  const std::string shape_name = model.program.constant_outputs.front();
  const analysis::Evaluation evaluation = plan_for(model.graph, {1.2, "mcu", true, PlanKind::kOneRowEach});
  execute::TensorMap inputs;
  inputs["x"] = execute::random_tensor(graph::DataType::kFloat32, {1, 2, 8, 8}, 3);
  const execute::ExecutionResult by_parts = execute::PlanExecutor(model.graph, model.program, evaluation).run(inputs);
  const execute::ExecutionResult whole = execute::run_layer_by_layer(model.graph, model.program, inputs);
  for (const execute::ExecutionResult* result : {&by_parts, &whole}) {
    ASSERT_EQ(result->outputs.size(), 2u);
    EXPECT_EQ(result->outputs[1].name, shape_name);
    EXPECT_EQ(result->outputs[1].tensor.integers, (std::vector<int64_t>{1, 2, 8, 8}));
  }
}

TEST(ImportProgram, InputsInParameterPositionsAreBoundAsConstants) {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 2, 6, 6});
  const std::string w = b.input("w", {3, 2, 3, 3});
  b.output(b.node("Conv", {x, w}, {Attr::ints("pads", {1, 1, 1, 1})}, "conv"));
  TempDir dir;
  const std::string path = b.save(dir.file("m.onnx"));
  onnx::ImportOptions options;
  options.input_values["w"] = execute::random_tensor(graph::DataType::kFloat32, {3, 2, 3, 3}, 5);
  options.input_values["x"] = execute::random_tensor(graph::DataType::kFloat32, {1, 2, 6, 6}, 6);
  const onnx::ExecutableModel model = onnx::import_executable_model(path, options);
  EXPECT_EQ(model.bound_inputs, std::vector<std::string>{"w"});
  EXPECT_EQ(model.program.constants.at("w"), options.input_values["w"]);
  // Only x is an activation buffer.
  int inputs = 0;
  for (const graph::Buffer& buffer : model.graph.buffers) inputs += buffer.io == graph::IoRole::kInput ? 1 : 0;
  EXPECT_EQ(inputs, 1);
  options.input_values["w"].shape = {3, 2, 1, 9};
  EXPECT_THROW(onnx::import_executable_model(path, options), onnx::InputValueError);
}

}  // namespace
}  // namespace bufopt::testing
