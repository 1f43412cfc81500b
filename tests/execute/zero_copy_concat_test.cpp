// MODEL 4.1 zero-copy Concat, hand-derived on a SqueezeNet fire module (squeeze -> expand1x1 |
// expand3x3 -> Concat) layer by layer and streamed one row per firing, each plan executed by
// parts bit-identical to layer by layer in an allocation of exactly its arena; the legality
// rule on shapes and readers.
#include "bufopt/graph/zero_copy_concat.h"

#include <gtest/gtest.h>

#include "bufopt/analysis/shared_storage.h"
#include "bufopt/analysis/time_model.h"
#include "bufopt/analysis/verify.h"
#include "execution_test_support.h"
#include "support/fire_module.h"
#include "support/onnx_builder.h"

namespace bufopt::testing {
namespace {

// The model: support/fire_module.h, x [1,4,8,8] (held) -> squeeze 1x1 + Relu (2 ch) -> s ->
// expand1x1 + Relu (4 ch) -> e1, s -> expand3x3/p1 + Relu (4 ch) -> e3; Concat(e1, e3) on channels
// -> z [1,8,8,8] -> 1x1 conv -> out (held). Rows: s 2x8 floats = 64 B, e1 and e3 128 B, z 256 B;
// 8 rows each.
constexpr int64_t kRows = 8;

/// The fire module's buffers by role.
struct Fire {
  size_t s = 0;
  size_t e1 = 0;
  size_t e3 = 0;
  size_t z = 0;
  graph::ActorId concat = 0;
};

Fire fire_of(const graph::Graph& graph) {
  Fire fire;
  for (size_t i = 0; i < graph.actors.size(); ++i) {
    const graph::Actor& actor = graph.actors[i];
    if (actor.op_type != "Concat") continue;
    fire.concat = static_cast<graph::ActorId>(i);
    fire.z = static_cast<size_t>(actor.outputs[0]);
    fire.e1 = static_cast<size_t>(actor.inputs[0]);
    fire.e3 = static_cast<size_t>(actor.inputs[1]);
    const graph::Actor& expand = graph.actors[static_cast<size_t>(graph.buffers[fire.e1].producer)];
    fire.s = static_cast<size_t>(expand.inputs[0]);
  }
  return fire;
}

TEST(ZeroCopyConcat, SlicesOfAChannelConcat) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(fire_module_model().save(dir.file("m.onnx")));
  const Fire fire = fire_of(model.graph);
  const auto slices = graph::zero_copy_slices(model.graph, fire.concat);
  ASSERT_TRUE(slices);
  ASSERT_EQ(slices->size(), 2u);
  // Row r of z: channels 0-3 (e1's row r, 4 x 8 floats) then 4-7 (e3's).
  EXPECT_EQ((*slices)[0], (graph::ConcatSlice{static_cast<graph::BufferId>(fire.e1), 0, 128}));
  EXPECT_EQ((*slices)[1], (graph::ConcatSlice{static_cast<graph::BufferId>(fire.e3), 128, 256}));
  // The expand convolutions are not Concats; a Concat along the streaming axis, or one whose
  // input another actor reads too, is a copy.
  EXPECT_FALSE(graph::zero_copy_slices(model.graph, model.graph.buffers[fire.e1].producer));
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 4, 8, 8});
  const std::string a = b.conv(x, 4, ConvOptions::square(1, 1, 0));
  const std::string c = b.conv(x, 4, ConvOptions::square(1, 1, 0));
  const std::string rows = b.concat({a, c}, 2, "rows");
  const std::string shared = b.concat({a, c}, 1, "shared");
  b.output(b.conv(rows, 4, ConvOptions::square(1, 1, 0)));
  b.output(b.add(shared, shared, "twice"));
  const onnx::ExecutableModel other = executable(b.save(dir.file("other.onnx")));
  for (size_t i = 0; i < other.graph.actors.size(); ++i) {
    if (other.graph.actors[i].op_type != "Concat") continue;
    EXPECT_FALSE(graph::zero_copy_slices(other.graph, static_cast<graph::ActorId>(i))) << other.graph.actors[i].name;
  }
}

TEST(ZeroCopyConcat, FireModuleLayerByLayerWritesBothExpandsIntoTheConcatOutput) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(fire_module_model().save(dir.file("m.onnx")));
  const Fire fire = fire_of(model.graph);
  const analysis::AnalysisOptions options = cpu_options(1.2, true);
  const std::vector<int64_t> whole(model.graph.actors.size(), kRows);
  // FIFO model: e1, e3 (1,024 B each) and z (2,048 B) all live at the Concat; s (512 B) is dead
  // by then and fits where z goes: 4,096 B.
  const analysis::Evaluation plain = analysis::evaluate_plan(model.graph, whole, options);
  EXPECT_EQ(plain.usage.capacity_rows[fire.z], kRows);
  EXPECT_EQ(plain.shared_bytes(), 4096);
  // Zero-copy: e1 and e3 are z's slices, z whole (2,048 B) from expand1x1 on, s (512 B) beside
  // it while expand3x3 reads it: 2,560 B. The Concat's work and firing are gone from time_s.
  const analysis::Evaluation shared = analysis::with_shared_storage(model.graph, plain, options, true);
  ASSERT_EQ(shared.storage_of.size(), model.graph.buffers.size());
  EXPECT_EQ(static_cast<size_t>(shared.storage_of[fire.e1]), fire.z);
  EXPECT_EQ(static_cast<size_t>(shared.storage_of[fire.e3]), fire.z);
  EXPECT_EQ(shared.storage_of[fire.z], analysis::kOwnStorage);
  EXPECT_EQ(shared.usage.capacity_rows[fire.z], kRows);
  EXPECT_EQ(shared.usage.capacity_rows[fire.e1], kRows);
  EXPECT_EQ(shared.fifo_bytes, 2048 + 512);
  EXPECT_EQ(shared.shared_bytes(), 2048 + 512);
  const graph::Actor& concat = model.graph.actors[static_cast<size_t>(fire.concat)];
  EXPECT_NEAR(shared.time_s, plain.time_s - analysis::actor_seconds(concat, 1, options.platform), 1e-15);
  EXPECT_LT(shared.slowdown, plain.slowdown);
  const analysis::VerifyReport report = analysis::verify(model.graph, shared, options);
  EXPECT_TRUE(report.ok) << report.errors.front();
  expect_plan_executes(model, model.graph, plain, 9);
  expect_plan_executes(model, model.graph, shared, 9);
}

TEST(ZeroCopyConcat, FireModuleStreamedOneRowPerFiringHoldsOneConcatRow) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(fire_module_model().save(dir.file("m.onnx")));
  const Fire fire = fire_of(model.graph);
  const analysis::AnalysisOptions options = cpu_options(100, true);
  const std::vector<int64_t> rows(model.graph.actors.size(), 1);
  // FIFO model: s holds expand3x3's 3-row window (3 x 64 B), e1, e3 and z one row each (read at
  // once): 192 + 128 + 128 + 256 = 704 B, all live from the start.
  const analysis::Evaluation plain = analysis::evaluate_plan(model.graph, rows, options);
  EXPECT_EQ(plain.usage.capacity_rows[fire.s], 3);
  EXPECT_EQ(plain.usage.capacity_rows[fire.e1], 1);
  EXPECT_EQ(plain.usage.capacity_rows[fire.e3], 1);
  EXPECT_EQ(plain.usage.capacity_rows[fire.z], 1);
  EXPECT_EQ(plain.shared_bytes(), 704);
  // Zero-copy: expand1x1 writes row r of z's storage, expand3x3 completes it, the next conv
  // reads and releases it before either writes row r+1: one row of 256 B, and s's 192 B.
  const analysis::Evaluation shared = analysis::with_shared_storage(model.graph, plain, options, true);
  ASSERT_FALSE(shared.storage_of.empty());
  EXPECT_EQ(static_cast<size_t>(shared.storage_of[fire.e1]), fire.z);
  EXPECT_EQ(shared.usage.capacity_rows[fire.z], 1);
  EXPECT_EQ(shared.usage.capacity_rows[fire.s], 3);
  EXPECT_EQ(shared.shared_bytes(), 192 + 256);
  const analysis::VerifyReport report = analysis::verify(model.graph, shared, options);
  EXPECT_TRUE(report.ok) << report.errors.front();
  expect_plan_executes(model, model.graph, plain, 9);
  expect_plan_executes(model, model.graph, shared, 9);

  // A storage of no row: the verifier names the capacity, the executor a row not resident.
  analysis::Evaluation wrong = shared;
  for (size_t c : {fire.z, fire.e1, fire.e3}) wrong.usage.capacity_rows[c] = 0;
  EXPECT_FALSE(analysis::verify(model.graph, wrong, options).ok);
  // Half the Concat zero-copy: refused.
  analysis::Evaluation half = shared;
  half.storage_of[fire.e3] = analysis::kOwnStorage;
  EXPECT_FALSE(analysis::verify(model.graph, half, options).ok);
}

TEST(ZeroCopyConcat, AnalyzeNeverExceedsTheFifoModel) {
  TempDir dir;
  const onnx::ExecutableModel model = executable(fire_module_model().save(dir.file("m.onnx")));
  for (double r : {1.0, 1.2, 2.0}) {
    const analysis::AnalysisResult fifo = analysis::analyze(model.graph, cpu_options(r, false));
    const analysis::AnalysisResult rules = analysis::analyze(model.graph, cpu_options(r, true));
    ASSERT_TRUE(rules.verification.ok) << rules.verification.errors.front();
    EXPECT_LT(rules.evaluation.shared_bytes(), fifo.evaluation.shared_bytes()) << "R " << r;
    EXPECT_LE(rules.lower_bound_bytes, rules.evaluation.shared_bytes());
    expect_plan_executes(model, rules.graph, rules.evaluation, 9);
  }
}

// Concat(Concat(a, b), c): the inner output is the outer's only-read input, so both qualify; one
// level of slices is taken (the first in node order), verified and executed.
TEST(ZeroCopyConcat, NestedConcatsTakeOneLevel) {
  TempDir dir;
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 4, 8, 8});
  const std::string p = b.conv(x, 2, ConvOptions::square(3, 1, 1));
  const std::string q = b.conv(x, 2, ConvOptions::square(1, 1, 0));
  const std::string r = b.conv(x, 4, ConvOptions::square(3, 1, 1));
  const std::string inner = b.concat({p, q}, 1, "inner");
  const std::string outer = b.concat({inner, r}, 1, "outer");
  b.output(b.conv(outer, 4, ConvOptions::square(1, 1, 0)));
  const onnx::ExecutableModel model = executable(b.save(dir.file("nested.onnx")));
  int qualifying = 0;
  for (size_t i = 0; i < model.graph.actors.size(); ++i) {
    qualifying += graph::zero_copy_slices(model.graph, static_cast<graph::ActorId>(i)) ? 1 : 0;
  }
  ASSERT_EQ(qualifying, 2);
  for (const std::vector<int64_t>& rows : {std::vector<int64_t>(model.graph.actors.size(), 1),
                                           std::vector<int64_t>(model.graph.actors.size(), 8)}) {
    const analysis::AnalysisOptions options = cpu_options(100, true);
    const analysis::Evaluation plain = analysis::evaluate_plan(model.graph, rows, options);
    const analysis::Evaluation shared = analysis::with_shared_storage(model.graph, plain, options, true);
    ASSERT_EQ(analysis::choice_of(shared.network, shared.storage_of).concats.size(), 1u);
    EXPECT_LE(shared.shared_bytes(), plain.shared_bytes());
    EXPECT_LT(shared.fifo_bytes, plain.fifo_bytes);
    const analysis::VerifyReport report = analysis::verify(model.graph, shared, options);
    EXPECT_TRUE(report.ok) << report.errors.front();
    expect_plan_executes(model, model.graph, shared, 9);
  }
  const analysis::AnalysisResult result = analysis::analyze(model.graph, cpu_options(1.2, true));
  ASSERT_TRUE(result.verification.ok) << result.verification.errors.front();
  expect_plan_executes(model, result.graph, result.evaluation, 9);
  // Both levels claimed (slices of a slice): the verifier refuses the claim.
  const std::vector<int64_t> rows(model.graph.actors.size(), 1);
  analysis::Evaluation both = analysis::evaluate_plan(model.graph, rows, cpu_options(100, true));
  both.storage_of.assign(model.graph.buffers.size(), analysis::kOwnStorage);
  for (size_t i = 0; i < model.graph.actors.size(); ++i) {
    const auto slices = graph::zero_copy_slices(model.graph, static_cast<graph::ActorId>(i));
    if (!slices) continue;
    for (const graph::ConcatSlice& slice : *slices) both.storage_of[static_cast<size_t>(slice.input)] = model.graph.actors[i].outputs[0];
  }
  EXPECT_FALSE(analysis::verify(model.graph, both, cpu_options(100, true)).ok);
}

}  // namespace
}  // namespace bufopt::testing
