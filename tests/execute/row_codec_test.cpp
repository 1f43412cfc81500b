// Row layout and codecs: MODEL 4.1's layout (axis order with the streaming axis removed) and
// storage at the buffer's own dtype.
#include "bufopt/execute/row_codec.h"

#include <cstddef>
#include <cstring>

#include <gtest/gtest.h>

namespace bufopt::execute {
namespace {

TEST(RowCodec, LayoutOfNchwAndNhwcRows) {
  const RowLayout nchw = row_layout({1, 3, 5, 4}, 2, graph::DataType::kFloat16);
  EXPECT_EQ(nchw.outer, 3);
  EXPECT_EQ(nchw.rows, 5);
  EXPECT_EQ(nchw.inner, 4);
  EXPECT_EQ(nchw.row_bytes(), 3 * 4 * 2);
  const RowLayout token = row_layout({2, 7}, std::nullopt, graph::DataType::kInt8);
  EXPECT_EQ(token.rows, 1);
  EXPECT_EQ(token.row_bytes(), 14);
}

TEST(RowCodec, RowHoldsEveryChannelOfOneHeightIndexInAxisOrder) {
  // [1, 2, 3, 2] NCHW, values = their flat index; row 1 is (c=0,h=1,w=0..1), (c=1,h=1,w=0..1).
  TensorWindow window{{1, 2, 3, 2}, 2, 0, 3, {}};
  for (int i = 0; i < 12; ++i) window.data.push_back(static_cast<float>(i));
  const RowLayout layout = row_layout(window.shape, window.axis, graph::DataType::kFloat32);
  std::byte row[16];
  encode_row(window, 1, layout, graph::DataType::kFloat32, row);
  float values[4];
  std::memcpy(values, row, sizeof(values));
  EXPECT_EQ(values[0], 2.0f);
  EXPECT_EQ(values[1], 3.0f);
  EXPECT_EQ(values[2], 8.0f);
  EXPECT_EQ(values[3], 9.0f);
  // Decoding into a window of rows [1, 2) puts them back in axis order.
  TensorWindow one{{1, 2, 3, 2}, 2, 1, 2, std::vector<float>(4)};
  decode_row(row, layout, graph::DataType::kFloat32, 1, one);
  EXPECT_EQ(one.data, (std::vector<float>{2, 3, 8, 9}));
}

TEST(RowCodec, StoresAtTheBuffersOwnDtype) {
  EXPECT_EQ(round_to_storage(1.0f / 3.0f, graph::DataType::kFloat32), 1.0f / 3.0f);
  EXPECT_EQ(round_to_storage(1.0f / 3.0f, graph::DataType::kFloat16), 0.333251953125f);  // nearest half
  EXPECT_EQ(round_to_storage(2.5f, graph::DataType::kInt8), 2.0f);    // ties to even
  EXPECT_EQ(round_to_storage(300.0f, graph::DataType::kInt8), 127.0f);  // saturated
  EXPECT_EQ(round_to_storage(-4.0f, graph::DataType::kUint8), 0.0f);
  EXPECT_TRUE(storable(graph::DataType::kFloat16));
  EXPECT_FALSE(storable(graph::DataType::kString));
}

TEST(RowCodec, RowsAtOddOffsetsAreCopiedNotCast) {
  // A float16 row at an odd address: memcpy keeps UBSan quiet and the bytes exact.
  TensorWindow window{{1, 1, 1, 3}, 2, 0, 1, {1.5f, -2.0f, 0.5f}};
  const RowLayout layout = row_layout(window.shape, window.axis, graph::DataType::kFloat16);
  std::byte buffer[8] = {};
  encode_row(window, 0, layout, graph::DataType::kFloat16, buffer + 1);
  TensorWindow back{{1, 1, 1, 3}, 2, 0, 1, std::vector<float>(3)};
  decode_row(buffer + 1, layout, graph::DataType::kFloat16, 0, back);
  EXPECT_EQ(back.data, window.data);
  EXPECT_EQ(buffer[0], std::byte{0});
  EXPECT_EQ(buffer[7], std::byte{0});
}

}  // namespace
}  // namespace bufopt::execute
