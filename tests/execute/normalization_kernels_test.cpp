// BatchNormalization, LRN, Softmax / LogSoftmax against hand-derived values; rows in pieces
// equal rows whole when the normalized axis is not the streaming one.
#include <cmath>

#include "kernel_test_support.h"

namespace bufopt::execute {
namespace {

using namespace testing;

TEST(NormalizationKernels, BatchNormalizationInference) {
  ModelProgram program;
  program.constants["scale"] = floats({2}, {2, 1});
  program.constants["bias"] = floats({2}, {0.5f, 0});
  program.constants["mean"] = floats({2}, {0, 1});
  program.constants["var"] = floats({2}, {3, 0});
  const TensorWindow x = window({1, 2, 1, 1}, {1, 2});
  const OperatorNode bn =
      make_node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {{"epsilon", float_attr(1)}});
  EXPECT_EQ(run_whole(bn, program, {&x, nullptr, nullptr, nullptr, nullptr}, {1, 2, 1, 1}),
            (std::vector<float>{1.5f, 1.0f}));
}

TEST(NormalizationKernels, SoftmaxAndLogSoftmax) {
  ModelProgram program;
  const TensorWindow x = window({1, 2}, {0, std::log(3.0f)});
  expect_near_all(run_whole(make_node("Softmax", {"x"}), program, {&x}, {1, 2}), {0.25f, 0.75f});
  expect_near_all(run_whole(make_node("LogSoftmax", {"x"}), program, {&x}, {1, 2}), {std::log(0.25f), std::log(0.75f)});
  // opset 11: axis 1 of [1, 2, 2] flattens the trailing 4 values into one softmax.
  const TensorWindow y = window({1, 2, 2}, {0, 0, 0, 0});
  expect_near_all(run_whole(make_node("Softmax", {"y"}, {{"axis", int_attr(1)}}, 11), program, {&y}, {1, 2, 2}),
                  {0.25f, 0.25f, 0.25f, 0.25f});
  expect_near_all(run_whole(make_node("Softmax", {"y"}, {{"axis", int_attr(1)}}, 13), program, {&y}, {1, 2, 2}),
                  {0.5f, 0.5f, 0.5f, 0.5f});
}

TEST(NormalizationKernels, LrnSumsSquaresOverNeighbourChannels) {
  ModelProgram program;
  const TensorWindow x = window({1, 3, 1, 1}, {1, 2, 3});
  const OperatorNode lrn =
      make_node("LRN", {"x"}, {{"size", int_attr(3)}, {"alpha", float_attr(3)}, {"beta", float_attr(1)}});
  expect_near_all(run_whole(lrn, program, {&x}, {1, 3, 1, 1}), {1.0f / 6, 2.0f / 15, 3.0f / 14});
}

TEST(NormalizationPieces, RowsInPiecesEqualRowsWhole) {
  ModelProgram program;
  const std::vector<int64_t> shape{1, 4, 7, 3};
  const TensorWindow x = window(shape, seeded(84, 40), 2);
  program.constants["scale"] = floats({4}, seeded(4, 41));
  program.constants["bias"] = floats({4}, seeded(4, 42));
  program.constants["mean"] = floats({4}, seeded(4, 43));
  program.constants["var"] = floats({4}, {1, 2, 3, 4});
  const std::vector<OperatorNode> nodes = {
      make_node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}),
      make_node("LRN", {"x"}, {{"size", int_attr(3)}}),
      make_node("Softmax", {"x"}, {{"axis", int_attr(1)}}, 13),
      make_node("LogSoftmax", {"x"}, {{"axis", int_attr(3)}}, 13),
      make_node("InstanceNormalization", {"x", "scale", "bias"}),
  };
  for (const OperatorNode& node : nodes) {
    const bool whole_plane = node.op_type == "InstanceNormalization";  // normalizes over H: needs every row
    const std::vector<const TensorWindow*> inputs{&x, nullptr, nullptr, nullptr, nullptr};
    expect_pieces_match_whole(node, program, {inputs.begin(), inputs.begin() + static_cast<long>(node.inputs.size())},
                              shape, 2, 3, [whole_plane](size_t, int64_t b, int64_t e) {
                                return whole_plane ? std::pair<int64_t, int64_t>{0, 7} : std::pair{b, e};
                              });
  }
}

TEST(NormalizationPieces, LayerNormalizationMeanAndInvStdDevFromTheRowsTheyHold) {
  // x [3, 2, 2] streamed along axis 0, normalized over axes 1..2: each row of Y, Mean and
  // InvStdDev reads only its own row of x.
  ModelProgram program;
  program.constants["scale"] = floats({2, 2}, {1, 1, 1, 1});
  const TensorWindow x = window({3, 2, 2}, {1, 2, 3, 4, 0, 0, 0, 8, -1, -1, -1, 3}, 0);
  const OperatorNode node = make_node("LayerNormalization", {"x", "scale"},
                                      {{"axis", int_attr(1)}, {"epsilon", float_attr(0)}}, 17, {"y", "mean", "inv"});
  const std::vector<TensorWindow> whole =
      run(node, program, {&x, nullptr}, {output({3, 2, 2}, 0), output({3, 1, 1}, 0), output({3, 1, 1}, 0)});
  EXPECT_EQ(whole[1].data, (std::vector<float>{2.5f, 2, 0}));
  expect_near_all(whole[2].data, {1 / std::sqrt(1.25f), 1 / std::sqrt(12.0f), 1 / std::sqrt(3.0f)});
  for (int64_t r = 0; r < 3; ++r) {
    const TensorWindow row = rows_of(x, r, r + 1);
    const std::vector<TensorWindow> piece = run(node, program, {&row, nullptr},
                                                {output({3, 2, 2}, 0, r, r + 1), output({3, 1, 1}, 0, r, r + 1),
                                                 output({3, 1, 1}, 0, r, r + 1)});
    EXPECT_EQ(piece[1].data, (std::vector<float>{whole[1].data[static_cast<size_t>(r)]})) << r;
    EXPECT_EQ(piece[2].data, (std::vector<float>{whole[2].data[static_cast<size_t>(r)]})) << r;
  }
}

}  // namespace
}  // namespace bufopt::execute
