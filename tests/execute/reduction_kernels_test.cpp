// Reductions against hand-derived values; the streaming trio (rows added in pieces) gives the
// same bits as the plain kernel, whatever the pieces and even when a reduced axis precedes the
// streaming axis.
#include <cmath>
#include <cstring>

#include "kernel_test_support.h"

namespace bufopt::execute {
namespace {

using namespace testing;

TEST(ReductionKernels, HandDerivedValues) {
  ModelProgram program;
  const TensorWindow x = window({2, 3}, {1, 2, 3, 4, 5, 6});
  const auto axis1 = std::map<std::string, AttributeValue>{{"axes", ints_attr({1})}, {"keepdims", int_attr(0)}};
  EXPECT_EQ(run_whole(make_node("ReduceMean", {"x"}, axis1, 13), program, {&x}, {2}), (std::vector<float>{2, 5}));
  expect_near_all(run_whole(make_node("ReduceL2", {"x"}, axis1, 13), program, {&x}, {2}),
                  {std::sqrt(14.0f), std::sqrt(77.0f)});
  expect_near_all(run_whole(make_node("ReduceLogSumExp", {"x"}, axis1, 13), program, {&x}, {2}),
                  {std::log(std::exp(1.0f) + std::exp(2.0f) + std::exp(3.0f)),
                   std::log(std::exp(4.0f) + std::exp(5.0f) + std::exp(6.0f))});
  EXPECT_EQ(run_whole(make_node("ReduceMax", {"x"}, {}, 13), program, {&x}, {1, 1}), (std::vector<float>{6}));
  program.constants["axes"] = int64s({1}, {0});
  EXPECT_EQ(run_whole(make_node("ReduceSum", {"x", "axes"}, {}, 13), program, {&x, nullptr}, {1, 3}),
            (std::vector<float>{5, 7, 9}));
  program.constants["none"] = int64s({0}, {});
  const OperatorNode noop = make_node("ReduceSum", {"x", "none"}, {{"noop_with_empty_axes", int_attr(1)}}, 13);
  EXPECT_EQ(run_whole(noop, program, {&x, nullptr}, {2, 3}), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const TensorWindow planes = window({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}, 2);
  EXPECT_EQ(run_whole(make_node("GlobalAveragePool", {"x"}), program, {&planes}, {1, 2, 1, 1}),
            (std::vector<float>{2.5f, 6.5f}));
  EXPECT_EQ(run_whole(make_node("GlobalMaxPool", {"x"}), program, {&planes}, {1, 2, 1, 1}),
            (std::vector<float>{4, 8}));
}

/// The streaming trio over `x` (streamed along axis 2) in pieces of `piece` rows.
std::vector<float> streamed(const OperatorNode& node, const ModelProgram& program, const TensorWindow& x,
                            std::vector<int64_t> out_shape, int64_t piece) {
  ReductionState state = start_reduction(node, program, x.shape, 2);
  for (int64_t begin = 0; begin < x.shape[2]; begin += piece) {
    add_reduction_rows(node, rows_of(x, begin, std::min(x.shape[2], begin + piece)), state);
  }
  TensorWindow out = output(std::move(out_shape));
  finish_reduction(node, state, out);
  return out.data;
}

TEST(StreamingReduction, PiecesGiveThePlainKernelsBits) {
  ModelProgram program;
  const TensorWindow x = window({1, 6, 9, 5}, seeded(6 * 9 * 5, 30), 2);
  struct Case {
    OperatorNode node;
    std::vector<int64_t> out;
  };
  const std::vector<Case> cases = {
      {make_node("GlobalAveragePool", {"x"}), {1, 6, 1, 1}},
      {make_node("GlobalMaxPool", {"x"}), {1, 6, 1, 1}},
      // C (reduced) comes before the streaming axis H: rows must still be folded row-major by H.
      {make_node("ReduceMean", {"x"}, {{"axes", ints_attr({1, 2})}}, 13), {1, 1, 1, 5}},
      {make_node("ReduceSum", {"x"}, {{"axes", ints_attr({2, 3})}, {"keepdims", int_attr(0)}}, 11), {1, 6}},
      {make_node("ReduceLogSumExp", {"x"}, {}, 13), {1, 1, 1, 1}},
  };
  for (const Case& c : cases) {
    const std::vector<float> whole = run_whole(c.node, program, {&x}, c.out);
    for (int64_t piece : {1, 2, 4, 9}) {
      const std::vector<float> parts = streamed(c.node, program, x, c.out, piece);
      ASSERT_EQ(parts.size(), whole.size());
      EXPECT_EQ(std::memcmp(parts.data(), whole.data(), whole.size() * sizeof(float)), 0)
          << c.node.op_type << " in pieces of " << piece;
    }
  }
  // The plain kernel reads the streaming axis from program.values when its window has none.
  program.values["x"] = graph::ValueInfo{DataType::kFloat32, x.shape, 2};
  const TensorWindow unstreamed = window(x.shape, x.data);
  const std::vector<float> plain = run_whole(cases[2].node, program, {&unstreamed}, cases[2].out);
  const std::vector<float> parts = streamed(cases[2].node, program, x, cases[2].out, 3);
  EXPECT_EQ(std::memcmp(parts.data(), plain.data(), plain.size() * sizeof(float)), 0);
}

TEST(StreamingReduction, RowsOutOfOrderOrMissingAreErrors) {
  ModelProgram program;
  const OperatorNode node = make_node("GlobalAveragePool", {"x"});
  const TensorWindow x = window({1, 1, 4, 2}, seeded(8, 31), 2);
  ReductionState state = start_reduction(node, program, x.shape, 2);
  EXPECT_THROW(add_reduction_rows(node, rows_of(x, 1, 2), state), std::invalid_argument);
  add_reduction_rows(node, rows_of(x, 0, 2), state);
  TensorWindow out = output({1, 1, 1, 1});
  EXPECT_THROW(finish_reduction(node, state, out), std::invalid_argument);
}

TEST(ReductionPieces, KeptStreamingAxisInPiecesEqualsWhole) {
  ModelProgram program;
  const TensorWindow x = window({1, 3, 7, 5}, seeded(105, 32), 2);
  expect_pieces_match_whole(make_node("ReduceMean", {"x"}, {{"axes", ints_attr({1, 3})}}, 13), program, {&x},
                            {1, 1, 7, 1}, 2, 3, same_rows);
}

}  // namespace
}  // namespace bufopt::execute
