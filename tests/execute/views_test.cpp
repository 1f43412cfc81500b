// MODEL 4.1 views: the legality rule on shapes, the hand-derived "Flatten before a Gemm" with
// exact capacities and arena with and without the rule, a streamed chain of views, a Reshape
// that regroups rows staying a copy; each executed by parts bit-identical to layer by layer.
#include "bufopt/graph/views.h"

#include <gtest/gtest.h>

#include "execution_test_support.h"
#include "support/onnx_builder.h"

namespace bufopt::testing {
namespace {

using Shape = std::vector<int64_t>;

TEST(Views, SameStorageBytesOnShapes) {
  // H == 1: any regrouping of the one row keeps its bytes (GAP output -> Flatten).
  EXPECT_TRUE(graph::same_storage_bytes(Shape{1, 64, 1, 1}, 2, Shape{1, 64}, std::nullopt));
  EXPECT_TRUE(graph::same_storage_bytes(Shape{1, 64}, std::nullopt, Shape{1, 8, 8}, std::nullopt));
  // H > 1: outer and inner unchanged (split W into 3x2, unsqueeze a leading axis).
  EXPECT_TRUE(graph::same_storage_bytes(Shape{1, 4, 6, 6}, 2, Shape{1, 4, 6, 3, 2}, 2));
  EXPECT_TRUE(graph::same_storage_bytes(Shape{1, 4, 6, 6}, 2, Shape{1, 1, 4, 6, 6}, 3));
  // H > 1 with the row regrouped: same rows, but row r's elements come from other rows.
  EXPECT_FALSE(graph::same_storage_bytes(Shape{1, 4, 6, 6}, 2, Shape{1, 2, 6, 12}, 2));
  // Rows change (merging H into W): another row size.
  EXPECT_FALSE(graph::same_storage_bytes(Shape{1, 4, 6, 6}, 2, Shape{1, 4, 3, 12}, 2));
  EXPECT_FALSE(graph::same_storage_bytes(Shape{1, 4, 6, 6}, 2, Shape{1, 144}, std::nullopt));
  // Element counts differ: never.
  EXPECT_FALSE(graph::same_storage_bytes(Shape{1, 4, 1, 1}, 2, Shape{1, 5}, std::nullopt));
  EXPECT_EQ(graph::row_split(Shape{2, 3, 5, 7}, 2), (graph::RowSplit{6, 5, 7}));
  EXPECT_EQ(graph::row_split(Shape{2, 3}, std::nullopt), (graph::RowSplit{1, 1, 6}));
  EXPECT_FALSE(graph::row_split(Shape{2, 3}, 2).has_value());
}

/// x [1,64,2,2] (held by the application) -> GlobalAveragePool -> g [1,64,1,1] -> Flatten ->
/// f [1,64] -> Gemm -> y [1,10] (held). g and f are 64 floats = 256 B, one row each.
OnnxBuilder flatten_before_gemm() {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 64, 2, 2});
  const std::string flat = b.flatten(b.global_average_pool(x, "gap"), 1, "flatten");
  const std::string w = b.initializer("w", {10, 64});
  const std::string c = b.initializer("c", {10});
  b.output(b.node("Gemm", {flat, w, c}, {Attr::i("transB", 1)}, "gemm"));
  return b;
}

const graph::Buffer& named(const graph::Graph& graph, const std::string& name) {
  for (const graph::Buffer& buffer : graph.buffers) {
    if (buffer.name == name) return buffer;
  }
  throw std::out_of_range(name);
}

size_t index_of(const graph::Graph& graph, const std::string& name) {
  return static_cast<size_t>(&named(graph, name) - graph.buffers.data());
}

TEST(Views, FlattenBeforeGemmSharesTheStorageOfThePoolOutput) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(flatten_before_gemm().save(dir.file("m.onnx")));
  ASSERT_EQ(model.graph.actors.size(), 3u);
  const std::string g = model.graph.actors[0].op_type == "GlobalAveragePool"
                            ? model.graph.buffers[static_cast<size_t>(model.graph.actors[0].outputs[0])].name
                            : "";
  ASSERT_FALSE(g.empty());
  const std::string f = model.graph.buffers[static_cast<size_t>(model.graph.actors[1].outputs[0])].name;
  ASSERT_TRUE(graph::is_view(model.graph, 1));

  // --no-inplace (the FIFO model of MODEL 4): g and f one row of 256 B each, both live while
  // the Flatten copies: capacities 1 and 1, FIFO sum 512, arena 512.
  const analysis::AnalysisResult fifo = analysis::analyze(model.graph, cpu_options(1.2, false));
  ASSERT_TRUE(fifo.verification.ok);
  EXPECT_EQ(fifo.graph.actors.size(), 3u);
  EXPECT_EQ(fifo.evaluation.usage.capacity_rows[index_of(fifo.graph, g)], 1);
  EXPECT_EQ(fifo.evaluation.usage.capacity_rows[index_of(fifo.graph, f)], 1);
  EXPECT_EQ(fifo.evaluation.fifo_bytes, 512);
  EXPECT_EQ(fifo.evaluation.shared_bytes(), 512);
  EXPECT_EQ(fifo.evaluation.schedule.firings.size(), 3u);

  // Views: f is g's storage; the Flatten does no firing; one row of 256 B in all.
  const analysis::AnalysisResult views = analysis::analyze(model.graph, cpu_options(1.2, true));
  ASSERT_TRUE(views.verification.ok) << views.verification.errors.front();
  ASSERT_EQ(views.graph.actors.size(), 2u);
  ASSERT_EQ(views.graph.views.size(), 1u);
  EXPECT_EQ(views.graph.views[0].op_type, "Flatten");
  EXPECT_EQ(named(views.graph, f).storage_of, static_cast<graph::BufferId>(index_of(views.graph, g)));
  EXPECT_EQ(views.evaluation.usage.capacity_rows[index_of(views.graph, g)], 1);
  EXPECT_FALSE(views.evaluation.network.channels[index_of(views.graph, f)].counted);
  EXPECT_EQ(views.evaluation.fifo_bytes, 256);
  EXPECT_EQ(views.evaluation.shared_bytes(), 256);
  EXPECT_EQ(views.evaluation.schedule.firings.size(), 2u);
  EXPECT_LE(views.lower_bound_bytes, views.evaluation.shared_bytes());
  // The baseline keeps the Flatten (MODEL 4.1 Time); the answer pays neither its work nor its firing.
  EXPECT_DOUBLE_EQ(views.evaluation.baseline_time_s, fifo.evaluation.baseline_time_s);
  EXPECT_LT(views.evaluation.time_s, fifo.evaluation.time_s);
  EXPECT_EQ(views.baselines.baseline_bytes, fifo.baselines.baseline_bytes);

  expect_plan_executes(model, fifo.graph, fifo.evaluation);
  expect_plan_executes(model, views.graph, views.evaluation);
}

/// x [1,3,6,6] -> Conv3x3/p1 (4 ch) -> Reshape [1,4,6,3,2] -> Reshape [1,4,6,6] -> Conv3x3/p1 -> y:
/// both Reshapes keep the rows and each row's elements (outer 4, inner 6): a chain of views.
OnnxBuilder streamed_view_chain() {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 3, 6, 6});
  const std::string c = b.conv(x, 4, ConvOptions::square(3, 1, 1));
  const std::string back = b.reshape(b.reshape(c, {1, 4, 6, 3, 2}), {1, 4, 6, 6});
  b.set_channels(back, 4);
  b.output(b.conv(back, 2, ConvOptions::square(3, 1, 1)));
  return b;
}

TEST(Views, StreamedChainOfViewsRunsOneRowAtATime) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(streamed_view_chain().save(dir.file("m.onnx")));
  ASSERT_EQ(model.graph.actors.size(), 4u);
  const analysis::AnalysisOptions options = cpu_options(100, true);
  const graph::Graph analysed = analysis::storage_graph(model.graph, options);
  ASSERT_EQ(analysed.actors.size(), 2u);
  ASSERT_EQ(analysed.views.size(), 2u);
  const size_t conv_out = static_cast<size_t>(model.graph.actors[0].outputs[0]);
  for (const graph::EliminatedView& view : analysed.views) {
    EXPECT_EQ(analysed.buffers[static_cast<size_t>(view.output)].storage_of, static_cast<graph::BufferId>(conv_out));
  }
  // One row per firing: the second Conv's 3x3 window on the first Conv's output, read through
  // the views, needs 3 rows (MODEL 8's chain), 3 * 4 ch * 6 cols * 4 B = 288 B; with copies
  // each view would hold rows of its own.
  const analysis::Evaluation one_row = analysis::evaluate_plan(analysed, std::vector<int64_t>{1, 1}, options);
  EXPECT_EQ(one_row.usage.capacity_rows[conv_out], 3);
  EXPECT_EQ(one_row.fifo_bytes, 288);
  EXPECT_TRUE(analysis::verify(analysed, one_row, options).ok);
  expect_plan_executes(model, analysed, one_row);
  const analysis::AnalysisResult fifo = analysis::analyze(model.graph, cpu_options(100, false));
  const analysis::AnalysisResult views = analysis::analyze(model.graph, options);
  ASSERT_TRUE(views.verification.ok);
  EXPECT_LT(views.evaluation.shared_bytes(), fifo.evaluation.shared_bytes());
  expect_plan_executes(model, views.graph, views.evaluation);
}

/// x [1,3,6,6] -> Conv (4 ch) -> Reshape [1,2,6,12] -> Conv -> y: the rows stay 6 but row r of
/// the output holds elements of other input rows (outer 4 -> 2): a copy, not a view.
TEST(Views, ReshapeRegroupingARowStaysACopy) {
  TempDir dir;
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 3, 6, 6});
  const std::string regrouped = b.reshape(b.conv(x, 4, ConvOptions::square(3, 1, 1)), {1, 2, 6, 12});
  b.set_channels(regrouped, 2);
  b.output(b.conv(regrouped, 2, ConvOptions::square(3, 1, 1)));
  const onnx::ExecutableModel model = executable(b.save(dir.file("m.onnx")));
  ASSERT_EQ(model.graph.actors.size(), 3u);
  EXPECT_EQ(model.graph.actors[1].op_type, "Reshape");
  EXPECT_FALSE(graph::is_view(model.graph, 1));
  const analysis::AnalysisResult result = analysis::analyze(model.graph, cpu_options(1.2, true));
  EXPECT_TRUE(result.graph.views.empty());
  EXPECT_EQ(result.graph.actors.size(), 3u);
  for (const graph::Buffer& buffer : result.graph.buffers) EXPECT_EQ(buffer.storage_of, graph::kNoBuffer);
  expect_plan_executes(model, result.graph, result.evaluation);
}

TEST(Views, PipelinedModeAndGraphIoAreNeverViews) {
  TempDir dir;
  // Flatten straight on the application-held input: never aliased.
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 16, 1, 1});
  const std::string w = b.initializer("w", {4, 16});
  b.output(b.node("Gemm", {b.flatten(x), w}, {Attr::i("transB", 1)}));
  const graph::Graph held = onnx::import_model(b.save(dir.file("io.onnx")), {});
  EXPECT_FALSE(graph::is_view(held, 0));
  const onnx::ExecutableModel model = executable(flatten_before_gemm().save(dir.file("m.onnx")));
  analysis::AnalysisOptions pipelined = cpu_options(1.2, true);
  pipelined.mode = analysis::Mode::kPipelined;
  EXPECT_FALSE(analysis::shared_storage(pipelined));
  EXPECT_TRUE(analysis::storage_graph(model.graph, pipelined).views.empty());
}

}  // namespace
}  // namespace bufopt::testing
