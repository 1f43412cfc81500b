// Gemm and MatMul against hand-derived products; MatMul rows in pieces equal rows whole.
#include "kernel_test_support.h"

namespace bufopt::execute {
namespace {

using namespace testing;

TEST(MatmulKernels, GemmTransposedWithBias) {
  ModelProgram program;
  program.constants["b"] = floats({2, 3}, {1, 0, 1, 0, 1, 0});  // [N, K] with transB
  program.constants["c"] = floats({2}, {1, -1});
  const TensorWindow a = window({2, 3}, {1, 2, 3, 4, 5, 6});
  const OperatorNode gemm =
      make_node("Gemm", {"a", "b", "c"}, {{"transB", int_attr(1)}, {"alpha", float_attr(2)}, {"beta", float_attr(1)}});
  EXPECT_EQ(run_whole(gemm, program, {&a, nullptr, nullptr}, {2, 2}), (std::vector<float>{9, 3, 21, 9}));
}

TEST(MatmulKernels, MatMulBroadcastsBatchesAndPromotesVectors) {
  ModelProgram program;
  const TensorWindow a = window({2, 1, 2}, {1, 2, 3, 4});
  const TensorWindow b = window({2, 1}, {1, 10});
  EXPECT_EQ(run_whole(make_node("MatMul", {"a", "b"}), program, {&a, &b}, {2, 1, 1}), (std::vector<float>{21, 43}));
  const TensorWindow v = window({3}, {1, 2, 3});
  const TensorWindow m = window({3, 2}, {1, 0, 0, 1, 1, 1});
  EXPECT_EQ(run_whole(make_node("MatMul", {"v", "m"}), program, {&v, &m}, {2}), (std::vector<float>{4, 5}));
  const TensorWindow w = window({2}, {1, -1});
  EXPECT_EQ(run_whole(make_node("MatMul", {"m", "w"}), program, {&m, &w}, {3}),
            (std::vector<float>{1, -1, 0}));
}

TEST(MatmulPieces, RowsInPiecesEqualRowsWhole) {
  ModelProgram program;
  program.constants["w"] = floats({4, 3}, seeded(12, 50));
  const TensorWindow a = window({1, 6, 4}, seeded(24, 51), 1);
  expect_pieces_match_whole(make_node("MatMul", {"a", "w"}), program, {&a, nullptr}, {1, 6, 3}, 1, 2, same_rows);
}

}  // namespace
}  // namespace bufopt::execute
