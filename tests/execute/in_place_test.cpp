// MODEL 4.1 in-place element-wise, hand-derived on a residual block, each plan executed by parts
// bit-identical to layer by layer in an allocation of exactly its arena, and an in-place write
// the order does not allow refused by the verifier and caught by the executor.
#include "bufopt/analysis/shared_storage.h"

#include <gtest/gtest.h>

#include "bufopt/analysis/verify.h"
#include "execution_test_support.h"
#include "support/onnx_builder.h"

namespace bufopt::testing {
namespace {

/// x [1,4,8,8] (held by the application) -> conv1 1x1 -> a -> conv2 3x3/p1 -> b -> Add(b, a) -> y
/// -> conv3 1x1 -> out (held). a, b, y: 8 rows of 4 x 8 floats = 128 B.
OnnxBuilder residual_block() {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 4, 8, 8});
  const std::string a = b.conv(x, 4, ConvOptions::square(1, 1, 0));
  const std::string c = b.conv(a, 4, ConvOptions::square(3, 1, 1));
  const std::string y = b.add(c, a, "add");
  b.output(b.conv(y, 4, ConvOptions::square(1, 1, 0)));
  return b;
}

constexpr int64_t kRowBytes = 128;
constexpr int64_t kRows = 8;

/// The residual block's buffers by role: a (conv1 out), b (conv2 out), y (the Add's out).
struct Block {
  size_t a = 0;
  size_t b = 0;
  size_t y = 0;
};

Block block_of(const graph::Graph& graph) {
  Block block;
  for (size_t i = 0; i < graph.actors.size(); ++i) {
    const graph::Actor& actor = graph.actors[i];
    if (actor.op_type != "Add") continue;
    block.y = static_cast<size_t>(actor.outputs[0]);
    block.b = static_cast<size_t>(actor.inputs[0]);
    block.a = static_cast<size_t>(actor.inputs[1]);
  }
  return block;
}

TEST(InPlace, ResidualBlockLayerByLayerKeepsTheAddOutputInItsInputsStorage) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(residual_block().save(dir.file("m.onnx")));
  ASSERT_EQ(model.graph.actors.size(), 4u);
  const Block block = block_of(model.graph);
  const analysis::AnalysisOptions options = cpu_options(1.2, true);
  const std::vector<int64_t> whole(model.graph.actors.size(), kRows);
  // FIFO model: a, b and y are whole tensors, all three live while the Add runs: 3 x 1,024 B.
  const analysis::Evaluation plain = analysis::evaluate_plan(model.graph, whole, options);
  EXPECT_EQ(plain.usage.capacity_rows[block.a], kRows);
  EXPECT_EQ(plain.usage.capacity_rows[block.b], kRows);
  EXPECT_EQ(plain.usage.capacity_rows[block.y], kRows);
  EXPECT_EQ(plain.shared_bytes(), 3 * kRows * kRowBytes);
  // In place: conv2 has finished with a and nobody else reads b, so both inputs qualify; the
  // first (b) is taken: y is b's storage, 8 rows; a stays 8 rows: 2 x 1,024 B.
  const auto writes = analysis::allowed_in_place_writes(model.graph, plain.network, plain.schedule);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(static_cast<size_t>(writes[0].input), block.b);
  const analysis::Evaluation shared = analysis::with_shared_storage(model.graph, plain, options, true);
  ASSERT_EQ(shared.storage_of.size(), model.graph.buffers.size());
  EXPECT_EQ(static_cast<size_t>(shared.storage_of[block.y]), block.b);
  EXPECT_EQ(shared.storage_of[block.a], analysis::kOwnStorage);
  EXPECT_EQ(shared.usage.capacity_rows[block.y], kRows);
  EXPECT_EQ(shared.usage.capacity_rows[block.b], kRows);
  EXPECT_EQ(shared.arena.offsets[block.y], shared.arena.offsets[block.b]);
  EXPECT_EQ(shared.fifo_bytes, 2 * kRows * kRowBytes);
  EXPECT_EQ(shared.shared_bytes(), 2 * kRows * kRowBytes);
  EXPECT_EQ(shared.schedule.firings, plain.schedule.firings);
  EXPECT_DOUBLE_EQ(shared.time_s, plain.time_s);
  const analysis::VerifyReport report = analysis::verify(model.graph, shared, options);
  EXPECT_TRUE(report.ok) << report.errors.front();
  expect_plan_executes(model, model.graph, plain, 5);
  expect_plan_executes(model, model.graph, shared, 5);
}

TEST(InPlace, ResidualBlockStreamedOneRowPerFiringSavesTheAddOutputsRow) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(residual_block().save(dir.file("m.onnx")));
  const Block block = block_of(model.graph);
  const analysis::AnalysisOptions options = cpu_options(100, true);
  const std::vector<int64_t> rows(model.graph.actors.size(), 1);
  // FIFO model, one row per firing: conv2's 3-row window holds 3 rows of a (written row r+2
  // while conv2 released below r and the Add below r+1); b and y one row each (read at once).
  const analysis::Evaluation plain = analysis::evaluate_plan(model.graph, rows, options);
  EXPECT_EQ(plain.usage.capacity_rows[block.a], 3);
  EXPECT_EQ(plain.usage.capacity_rows[block.b], 1);
  EXPECT_EQ(plain.usage.capacity_rows[block.y], 1);
  EXPECT_EQ(plain.shared_bytes(), 5 * kRowBytes);
  // In place into a is not allowed: when the Add writes row r, conv2 still needs row r of a
  // (its next window starts there). Into b it is: y's row r goes where b's row r was, and
  // the storage holds one row (b row r+1 is written once conv3 released y row r): 3 + 1 rows.
  const auto writes = analysis::allowed_in_place_writes(model.graph, plain.network, plain.schedule);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(static_cast<size_t>(writes[0].input), block.b);
  const analysis::Evaluation shared = analysis::with_shared_storage(model.graph, plain, options, true);
  ASSERT_FALSE(shared.storage_of.empty());
  EXPECT_EQ(static_cast<size_t>(shared.storage_of[block.y]), block.b);
  EXPECT_EQ(shared.usage.capacity_rows[block.a], 3);
  EXPECT_EQ(shared.usage.capacity_rows[block.b], 1);
  EXPECT_EQ(shared.usage.capacity_rows[block.y], 1);
  EXPECT_EQ(shared.fifo_bytes, 4 * kRowBytes);
  EXPECT_EQ(shared.shared_bytes(), 4 * kRowBytes);
  const analysis::VerifyReport report = analysis::verify(model.graph, shared, options);
  EXPECT_TRUE(report.ok) << report.errors.front();
  expect_plan_executes(model, model.graph, plain, 5);
  expect_plan_executes(model, model.graph, shared, 5);

  // The write the order does not allow (y into a's storage, a's capacity and offset): the
  // verifier names it, and the executor stops at the first row conv2 still needed.
  analysis::Evaluation wrong = plain;
  wrong.storage_of.assign(model.graph.buffers.size(), analysis::kOwnStorage);
  wrong.storage_of[block.y] = static_cast<dataflow::ChannelId>(block.a);
  wrong.usage.capacity_rows[block.y] = wrong.usage.capacity_rows[block.a];
  wrong.arena.offsets[block.y] = wrong.arena.offsets[block.a];
  const analysis::VerifyReport refused = analysis::verify(model.graph, wrong, options);
  EXPECT_FALSE(refused.ok);
  bool named_in_place = false;
  for (const std::string& error : refused.errors) named_in_place |= error.find("another reader still needs") != std::string::npos;
  EXPECT_TRUE(named_in_place) << (refused.errors.empty() ? "" : refused.errors.front());
  execute::PlanExecutor executor(model.graph, model.program, wrong);
  EXPECT_THROW(executor.run(execute::random_inputs(model.graph, {}, 5)), execute::ExecutionError);
}

TEST(InPlace, AnalyzeTakesTheWritesAndNeverExceedsTheFifoModel) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(residual_block().save(dir.file("m.onnx")));
  for (double r : {1.0, 1.05, 1.2, 2.0}) {
    const analysis::AnalysisResult fifo = analysis::analyze(model.graph, cpu_options(r, false));
    const analysis::AnalysisResult rules = analysis::analyze(model.graph, cpu_options(r, true));
    ASSERT_TRUE(rules.verification.ok) << rules.verification.errors.front();
    EXPECT_TRUE(fifo.evaluation.storage_of.empty());
    EXPECT_LT(rules.evaluation.shared_bytes(), fifo.evaluation.shared_bytes()) << "R " << r;
    EXPECT_LE(rules.lower_bound_bytes, rules.evaluation.shared_bytes());
    EXPECT_LE(rules.lower_bound_bytes, fifo.lower_bound_bytes);
    expect_plan_executes(model, rules.graph, rules.evaluation, 5);
  }
}

}  // namespace
}  // namespace bufopt::testing
