// Element-wise kernels against hand-derived values; rows in pieces equal rows whole.
#include <cmath>
#include <limits>

#include "kernel_test_support.h"

namespace bufopt::execute {
namespace {

using namespace testing;

TEST(UnaryKernels, HandDerivedValues) {
  ModelProgram program;
  const TensorWindow x = window({1, 4}, {-2.0f, -0.5f, 0.0f, 3.0f});
  auto apply = [&](OperatorNode node) { return run_whole(node, program, {&x}, {1, 4}); };
  EXPECT_EQ(apply(make_node("Relu", {"x"})), (std::vector<float>{0, 0, 0, 3}));
  expect_near_all(apply(make_node("LeakyRelu", {"x"}, {{"alpha", float_attr(0.1)}})), {-0.2f, -0.05f, 0, 3});
  // HardSwish: x * clamp(x / 6 + 1/2, 0, 1)
  expect_near_all(apply(make_node("HardSwish", {"x"})), {-2.0f / 6, -0.5f * (0.5f - 0.5f / 6), 0, 3});
  expect_near_all(apply(make_node("HardSigmoid", {"x"})), {0.1f, 0.4f, 0.5f, 1.0f});
  expect_near_all(apply(make_node("Neg", {"x"})), {2, 0.5f, 0, -3});
  expect_near_all(apply(make_node("Elu", {"x"})), {std::exp(-2.0f) - 1, std::exp(-0.5f) - 1, 0, 3});
  // Round: half to even
  const TensorWindow halves = window({4}, {0.5f, 1.5f, 2.5f, -0.5f});
  EXPECT_EQ(run_whole(make_node("Round", {"x"}), program, {&halves}, {4}), (std::vector<float>{0, 2, 2, -0.0f}));
}

TEST(UnaryKernels, ClipAttributeAndInputForms) {
  ModelProgram program;
  program.constants["lo"] = floats({}, {-1.0f});
  program.constants["hi"] = floats({}, {6.0f});
  const TensorWindow x = window({3}, {-4.0f, 2.0f, 9.0f});
  EXPECT_EQ(run_whole(make_node("Clip", {"x", "lo", "hi"}), program, {&x, nullptr, nullptr}, {3}),
            (std::vector<float>{-1, 2, 6}));
  EXPECT_EQ(run_whole(make_node("Clip", {"x", "", "hi"}), program, {&x, nullptr, nullptr}, {3}),
            (std::vector<float>{-4, 2, 6}));
  const OperatorNode legacy = make_node("Clip", {"x"}, {{"min", float_attr(0)}, {"max", float_attr(1)}}, 6);
  EXPECT_EQ(run_whole(legacy, program, {&x}, {3}), (std::vector<float>{0, 1, 1}));
}

TEST(UnaryKernels, CastToFloat16Rounds) {
  ModelProgram program;
  const TensorWindow x = window({2}, {1.0f + 1.0f / 2048, 70000.0f});
  const OperatorNode cast = make_node("Cast", {"x"}, {{"to", int_attr(10)}});
  const std::vector<float> y = run_whole(cast, program, {&x}, {2});
  EXPECT_EQ(y[0], 1.0f);  // tie to even
  EXPECT_TRUE(std::isinf(y[1]));
}

TEST(BinaryKernels, NumpyBroadcasting) {
  ModelProgram program;
  const TensorWindow a = window({2, 1}, {1, 2});
  const TensorWindow b = window({3}, {10, 20, 30});
  EXPECT_EQ(run_whole(make_node("Add", {"a", "b"}), program, {&a, &b}, {2, 3}),
            (std::vector<float>{11, 21, 31, 12, 22, 32}));
  EXPECT_EQ(run_whole(make_node("Sub", {"a", "b"}), program, {&a, &b}, {2, 3}),
            (std::vector<float>{-9, -19, -29, -8, -18, -28}));
  program.constants["two"] = floats({}, {2.0f});
  EXPECT_EQ(run_whole(make_node("Pow", {"b", "two"}), program, {&b, nullptr}, {3}),
            (std::vector<float>{100, 400, 900}));
  EXPECT_EQ(run_whole(make_node("Div", {"b", "two"}), program, {&b, nullptr}, {3}), (std::vector<float>{5, 10, 15}));
}

TEST(BinaryKernels, VariadicSumMeanMax) {
  ModelProgram program;
  const TensorWindow a = window({2}, {1, 5});
  const TensorWindow b = window({2}, {4, 2});
  const TensorWindow c = window({1}, {3});
  EXPECT_EQ(run_whole(make_node("Sum", {"a", "b", "c"}), program, {&a, &b, &c}, {2}), (std::vector<float>{8, 10}));
  expect_near_all(run_whole(make_node("Mean", {"a", "b", "c"}), program, {&a, &b, &c}, {2}), {8.0f / 3, 10.0f / 3});
  EXPECT_EQ(run_whole(make_node("Max", {"a", "b", "c"}), program, {&a, &b, &c}, {2}), (std::vector<float>{4, 5}));
  EXPECT_EQ(run_whole(make_node("Min", {"a", "b", "c"}), program, {&a, &b, &c}, {2}), (std::vector<float>{1, 2}));
}

TEST(BinaryKernels, PReluLegacySlopeIsPerChannel) {
  ModelProgram program;
  program.constants["slope"] = floats({2}, {0.5f, 0.25f});
  // x is [1, 2, 1, 2]: numpy would broadcast [2] over W; opset < 7 applies it per channel.
  const TensorWindow x = window({1, 2, 1, 2}, {-4, -8, -4, -8});
  EXPECT_EQ(run_whole(make_node("PRelu", {"x", "slope"}, {}, 6), program, {&x, nullptr}, {1, 2, 1, 2}),
            (std::vector<float>{-2, -4, -1, -2}));
  EXPECT_EQ(run_whole(make_node("PRelu", {"x", "slope"}, {}, 9), program, {&x, nullptr}, {1, 2, 1, 2}),
            (std::vector<float>{-2, -2, -2, -2}));
}

TEST(ElementwisePieces, RowsInPiecesEqualRowsWhole) {
  ModelProgram program;
  const std::vector<int64_t> shape{1, 3, 7, 5};
  const TensorWindow x = window(shape, seeded(count(shape), 1), 2);
  const TensorWindow y = window(shape, seeded(count(shape), 2), 2);
  const TensorWindow bias = window({3, 1, 1}, seeded(3, 3));
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "HardSwish", "Exp", "Softplus", "Erf"}) {
    for (int64_t piece : {1, 2, 3}) {
      expect_pieces_match_whole(make_node(op, {"x"}), program, {&x}, shape, 2, piece, same_rows);
    }
  }
  for (const char* op : {"Add", "Mul", "Div", "Sub"}) {
    expect_pieces_match_whole(make_node(op, {"x", "y"}), program, {&x, &y}, shape, 2, 2, same_rows);
    expect_pieces_match_whole(make_node(op, {"x", "b"}), program, {&x, &bias}, shape, 2, 3, same_rows);
  }
  expect_pieces_match_whole(make_node("Sum", {"x", "y", "x"}), program, {&x, &y, &x}, shape, 2, 2, same_rows);
  // A scalar constant on either side, and an unstreamed same-shaped constant.
  ModelProgram with_constants;
  with_constants.constants["s"] = floats({}, {0.75f});
  with_constants.constants["full"] = floats(shape, seeded(count(shape), 5));
  for (const char* op : {"Sub", "Div", "Pow"}) {
    for (const auto& inputs : {std::vector<std::string>{"x", "s"}, std::vector<std::string>{"s", "x"},
                               std::vector<std::string>{"full", "x"}}) {
      const bool x_first = inputs[0] == "x";
      const std::vector<const TensorWindow*> windows{x_first ? &x : nullptr, x_first ? nullptr : &x};
      expect_pieces_match_whole(make_node(op, inputs), with_constants, windows, shape, 2, 3, same_rows);
    }
  }
}

TEST(ElementwisePieces, RowBlocksEqualElementByElement) {
  // Streamed windows take the row-block path, unstreamed ones the coordinate path.
  ModelProgram program;
  program.constants["s"] = floats({}, {0.75f});
  const std::vector<int64_t> shape{2, 3, 4, 5};
  const std::vector<float> values = seeded(count(shape), 6);
  const std::vector<float> others = seeded(count(shape), 7);
  const TensorWindow streamed = window(shape, values, 2);
  const TensorWindow streamed_other = window(shape, others, 2);
  const TensorWindow plain = window(shape, values);
  const TensorWindow plain_other = window(shape, others);
  for (const char* op : {"Sub", "Div"}) {
    const auto by_rows = run(make_node(op, {"s", "x"}), program, {nullptr, &streamed}, {output(shape, 2)})[0].data;
    const auto by_elements = run_whole(make_node(op, {"s", "x"}), program, {nullptr, &plain}, shape);
    EXPECT_EQ(by_rows, by_elements) << op;
    const auto pairs = run(make_node(op, {"x", "y"}), program, {&streamed, &streamed_other}, {output(shape, 2)})[0].data;
    EXPECT_EQ(pairs, run_whole(make_node(op, {"x", "y"}), program, {&plain, &plain_other}, shape)) << op;
  }
  EXPECT_EQ(run(make_node("Sub", {"s", "x"}), program, {nullptr, &streamed}, {output(shape, 2)})[0].data[0],
            0.75f - values[0]);
}

TEST(ElementwisePieces, ARowOutsideTheWindowIsNotResident) {
  ModelProgram program;
  const std::vector<int64_t> shape{1, 1, 4, 2};
  const TensorWindow x = rows_of(window(shape, seeded(8, 4), 2), 1, 3);
  std::vector<TensorWindow> outputs{output(shape, 2, 2, 4)};
  const std::vector<const TensorWindow*> inputs{&x};
  try {
    run_node(make_node("Relu", {"x"}), program, inputs, outputs);
    FAIL() << "row 3 is not in the window";
  } catch (const RowNotResident& error) {
    EXPECT_EQ(error.input, 0u);
    EXPECT_EQ(error.row, 3);
  }
}

}  // namespace
}  // namespace bufopt::execute
