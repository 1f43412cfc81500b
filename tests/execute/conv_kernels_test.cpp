// Conv / ConvTranspose / pooling against hand-derived values; output rows computed in pieces
// from the input rows their windows need equal the rows computed whole, bit for bit.
#include "kernel_test_support.h"

namespace bufopt::execute {
namespace {

using namespace testing;

std::vector<float> one_to(int n) {
  std::vector<float> values;
  for (int i = 1; i <= n; ++i) values.push_back(static_cast<float>(i));
  return values;
}

TEST(ConvKernel, HandDerivedWindows) {
  ModelProgram program;
  program.constants["w"] = floats({1, 1, 2, 2}, {1, 1, 1, 1});
  program.constants["b"] = floats({1}, {0.5f});
  const TensorWindow x = window({1, 1, 3, 3}, one_to(9), 2);
  EXPECT_EQ(run_whole(make_node("Conv", {"x", "w", "b"}), program, {&x, nullptr, nullptr}, {1, 1, 2, 2}),
            (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
  const OperatorNode strided =
      make_node("Conv", {"x", "w"}, {{"strides", ints_attr({2, 2})}, {"pads", ints_attr({1, 1, 1, 1})}});
  EXPECT_EQ(run_whole(strided, program, {&x, nullptr}, {1, 1, 2, 2}), (std::vector<float>{1, 5, 11, 28}));
  const OperatorNode dilated = make_node("Conv", {"x", "w"}, {{"dilations", ints_attr({2, 2})}});
  EXPECT_EQ(run_whole(dilated, program, {&x, nullptr}, {1, 1, 1, 1}), (std::vector<float>{20}));
}

TEST(ConvKernel, GroupsOneDAndAutoPad) {
  ModelProgram program;
  program.constants["dw"] = floats({2, 1, 1, 1}, {2, -1});
  const TensorWindow x = window({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40});
  EXPECT_EQ(run_whole(make_node("Conv", {"x", "dw"}, {{"group", int_attr(2)}}), program, {&x, nullptr}, {1, 2, 2, 2}),
            (std::vector<float>{2, 4, 6, 8, -10, -20, -30, -40}));
  program.constants["edge"] = floats({1, 1, 3}, {1, 0, -1});
  const TensorWindow line = window({1, 1, 5}, one_to(5), 2);
  EXPECT_EQ(run_whole(make_node("Conv", {"x", "edge"}, {{"pads", ints_attr({1, 1})}}), program, {&line, nullptr},
                      {1, 1, 5}),
            (std::vector<float>{-2, -2, -2, -2, 4}));
  program.constants["pair"] = floats({1, 1, 2}, {1, 1});
  const TensorWindow three = window({1, 1, 3}, one_to(3), 2);
  EXPECT_EQ(run_whole(make_node("Conv", {"x", "pair"}, {{"auto_pad", string_attr("SAME_UPPER")}}), program,
                      {&three, nullptr}, {1, 1, 3}),
            (std::vector<float>{3, 5, 3}));
  EXPECT_EQ(run_whole(make_node("Conv", {"x", "pair"}, {{"auto_pad", string_attr("SAME_LOWER")}}), program,
                      {&three, nullptr}, {1, 1, 3}),
            (std::vector<float>{1, 3, 5}));
}

TEST(ConvKernel, TransposedSpreadsEachInput) {
  ModelProgram program;
  program.constants["w"] = floats({1, 1, 2, 2}, {1, 1, 1, 1});
  const TensorWindow x = window({1, 1, 2, 2}, {1, 2, 3, 4}, 2);
  const OperatorNode strided = make_node("ConvTranspose", {"x", "w"}, {{"strides", ints_attr({2, 2})}});
  EXPECT_EQ(run_whole(strided, program, {&x, nullptr}, {1, 1, 4, 4}),
            (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  EXPECT_EQ(run_whole(make_node("ConvTranspose", {"x", "w"}), program, {&x, nullptr}, {1, 1, 3, 3}),
            (std::vector<float>{1, 3, 2, 4, 10, 6, 3, 7, 4}));
}

TEST(PoolKernel, MaxAverageAndPadding) {
  ModelProgram program;
  const TensorWindow x = window({1, 1, 3, 3}, one_to(9), 2);
  const auto k2 = ints_attr({2, 2});
  EXPECT_EQ(run_whole(make_node("MaxPool", {"x"}, {{"kernel_shape", k2}}), program, {&x}, {1, 1, 2, 2}),
            (std::vector<float>{5, 6, 8, 9}));
  EXPECT_EQ(run_whole(make_node("AveragePool", {"x"}, {{"kernel_shape", k2}}), program, {&x}, {1, 1, 2, 2}),
            (std::vector<float>{3, 4, 6, 7}));
  // pads 1, stride 2: the corner window holds x[0][0] only; with count_include_pad it divides by 4.
  const std::map<std::string, AttributeValue> padded{
      {"kernel_shape", k2}, {"strides", ints_attr({2, 2})}, {"pads", ints_attr({1, 1, 1, 1})}};
  EXPECT_EQ(run_whole(make_node("AveragePool", {"x"}, padded), program, {&x}, {1, 1, 2, 2}),
            (std::vector<float>{1, 2.5f, 5.5f, 7}));
  auto included = padded;
  included["count_include_pad"] = int_attr(1);
  EXPECT_EQ(run_whole(make_node("AveragePool", {"x"}, included), program, {&x}, {1, 1, 2, 2}),
            (std::vector<float>{0.25f, 1.25f, 2.75f, 7}));
  // ceil_mode: 3 rows, kernel 2, stride 2 -> 2 outputs, the last window half outside.
  const std::map<std::string, AttributeValue> ceil{
      {"kernel_shape", k2}, {"strides", ints_attr({2, 2})}, {"ceil_mode", int_attr(1)}};
  EXPECT_EQ(run_whole(make_node("MaxPool", {"x"}, ceil), program, {&x}, {1, 1, 2, 2}),
            (std::vector<float>{5, 6, 8, 9}));
  EXPECT_EQ(run_whole(make_node("AveragePool", {"x"}, ceil), program, {&x}, {1, 1, 2, 2}),
            (std::vector<float>{3, 4.5f, 7.5f, 9}));
}

/// Input rows [first, last) a sliding window reads for output rows [begin, end).
RowsNeeded sliding_rows(int64_t kernel, int64_t stride, int64_t pad, int64_t dilation) {
  return [=](size_t, int64_t begin, int64_t end) {
    return std::pair{begin * stride - pad, (end - 1) * stride - pad + (kernel - 1) * dilation + 1};
  };
}

TEST(ConvPieces, RowsInPiecesEqualRowsWhole) {
  struct Case {
    int64_t kernel, stride, pad, dilation, group, out_rows;
  };
  // Input [1, 4, 9, 8]; out rows = (9 + 2 pad - dilation (k - 1) - 1) / stride + 1.
  const Case cases[] = {{3, 1, 1, 1, 1, 9}, {3, 2, 1, 1, 1, 5}, {3, 1, 2, 2, 2, 9}, {3, 2, 1, 1, 4, 5},
                        {1, 1, 0, 1, 1, 9}, {5, 3, 2, 1, 1, 3}};
  const TensorWindow x = window({1, 4, 9, 8}, seeded(4 * 9 * 8, 7), 2);
  for (const Case& c : cases) {
    ModelProgram program;
    const int64_t per_group = 4 / c.group;
    program.constants["w"] = floats({4, per_group, c.kernel, c.kernel}, seeded(4 * per_group * c.kernel * c.kernel, 8));
    program.constants["b"] = floats({4}, seeded(4, 9));
    const OperatorNode conv = make_node("Conv", {"x", "w", "b"},
                                        {{"strides", ints_attr({c.stride, c.stride})},
                                         {"pads", ints_attr({c.pad, c.pad, c.pad, c.pad})},
                                         {"dilations", ints_attr({c.dilation, c.dilation})},
                                         {"group", int_attr(c.group)}});
    const int64_t out_width = (8 + 2 * c.pad - c.dilation * (c.kernel - 1) - 1) / c.stride + 1;
    for (int64_t piece : {1, 2, 4}) {
      expect_pieces_match_whole(conv, program, {&x, nullptr, nullptr}, {1, 4, c.out_rows, out_width}, 2, piece,
                                sliding_rows(c.kernel, c.stride, c.pad, c.dilation));
    }
    for (const char* pool : {"MaxPool", "AveragePool"}) {
      const OperatorNode node = make_node(pool, {"x"},
                                          {{"kernel_shape", ints_attr({c.kernel, c.kernel})},
                                           {"strides", ints_attr({c.stride, c.stride})},
                                           {"pads", ints_attr({c.pad, c.pad, c.pad, c.pad})},
                                           {"dilations", ints_attr({c.dilation, c.dilation})}});
      expect_pieces_match_whole(node, program, {&x}, {1, 4, c.out_rows, out_width}, 2, 2,
                                sliding_rows(c.kernel, c.stride, c.pad, c.dilation));
    }
  }
}

TEST(ConvPieces, TransposedRowsInPiecesEqualRowsWhole) {
  ModelProgram program;
  program.constants["w"] = floats({4, 3, 3, 3}, seeded(4 * 3 * 9, 10));
  const TensorWindow x = window({1, 4, 5, 4}, seeded(4 * 5 * 4, 11), 2);
  // stride 2, pad 1, kernel 3: out = 2 * (5 - 1) + 3 - 2 = 9 rows, 7 columns.
  const OperatorNode node = make_node("ConvTranspose", {"x", "w"},
                                      {{"strides", ints_attr({2, 2})}, {"pads", ints_attr({1, 1, 1, 1})}});
  for (int64_t piece : {1, 2, 3}) {
    expect_pieces_match_whole(node, program, {&x, nullptr}, {1, 3, 9, 7}, 2, piece,
                              [](size_t, int64_t begin, int64_t end) {
                                return std::pair{(begin + 1 - 2) / 2 - 1, (end - 1 + 1) / 2 + 1};
                              });
  }
}

TEST(ConvPieces, AMissingInputRowIsNotResident) {
  ModelProgram program;
  program.constants["w"] = floats({1, 1, 3, 3}, seeded(9, 12));
  const TensorWindow whole = window({1, 1, 6, 4}, seeded(24, 13), 2);
  const TensorWindow x = rows_of(whole, 2, 4);  // output row 3 also needs input row 4
  std::vector<TensorWindow> outputs{output({1, 1, 4, 2}, 2, 2, 4)};
  const std::vector<const TensorWindow*> inputs{&x, nullptr};
  EXPECT_THROW(run_node(make_node("Conv", {"x", "w"}), program, inputs, outputs), RowNotResident);
}

}  // namespace
}  // namespace bufopt::execute
