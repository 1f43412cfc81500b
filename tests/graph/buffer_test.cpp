// Buffer sizes: rows along the streaming axis, row and tensor bytes, saturation.
#include "bufopt/graph/buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace bufopt::graph {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

Buffer nchw(int64_t n, int64_t c, int64_t h, int64_t w, int64_t element_bytes = 4) {
  Buffer buffer;
  buffer.name = "t";
  buffer.shape = {n, c, h, w};
  buffer.dtype = DataType::kFloat32;
  buffer.element_bytes = element_bytes;
  buffer.streaming_axis = 2;
  return buffer;
}

TEST(Buffer, NchwRowsAreAlongH) {
  const Buffer b = nchw(1, 3, 224, 224);
  EXPECT_EQ(b.elements(), 3 * 224 * 224);
  EXPECT_EQ(b.rows(), 224);
  EXPECT_EQ(b.tensor_bytes(), 3 * 224 * 224 * 4);
  EXPECT_EQ(b.row_bytes(), 3 * 224 * 4);
  const Buffer batched = nchw(2, 8, 10, 5, 1);
  EXPECT_EQ(batched.row_bytes(), 2 * 8 * 5);  // a row is N*C*W elements
}

TEST(Buffer, NhwcStreamsAlongAxisOne) {
  Buffer b = nchw(1, 32, 16, 3);  // read as [N, H, W, C]
  b.streaming_axis = 1;
  EXPECT_EQ(b.rows(), 32);
  EXPECT_EQ(b.row_bytes(), 16 * 3 * 4);
}

TEST(Buffer, NoStreamingAxisIsOneToken) {
  Buffer gemm;
  gemm.shape = {1, 1000};
  gemm.element_bytes = 2;
  EXPECT_EQ(gemm.rows(), 1);
  EXPECT_EQ(gemm.row_bytes(), 2000);
  EXPECT_EQ(gemm.tensor_bytes(), 2000);
}

TEST(Buffer, ScalarIsOneElement) {
  Buffer scalar;
  scalar.shape = {};
  scalar.element_bytes = 8;
  EXPECT_EQ(scalar.elements(), 1);
  EXPECT_EQ(scalar.rows(), 1);
  EXPECT_EQ(scalar.tensor_bytes(), 8);
  EXPECT_EQ(scalar.row_bytes(), 8);
}

TEST(Buffer, UnknownShapeHasNoSize) {
  Buffer b = nchw(1, 3, 8, 8);
  b.unknown_reason = "dynamic height";
  EXPECT_FALSE(b.shape_known());
  EXPECT_EQ(b.elements(), 0);
  EXPECT_EQ(b.rows(), 1);
  EXPECT_EQ(b.tensor_bytes(), 0);
}

TEST(Buffer, DegenerateAxisGivesOneRow) {
  Buffer out_of_range = nchw(1, 3, 8, 8);
  out_of_range.streaming_axis = 4;
  EXPECT_EQ(out_of_range.rows(), 1);
  Buffer empty = nchw(1, 3, 0, 8);
  EXPECT_EQ(empty.rows(), 1);
  EXPECT_EQ(empty.tensor_bytes(), 0);
}

TEST(Buffer, HugeShapesSaturateInsteadOfOverflowing) {
  const Buffer elements = nchw(1, int64_t{1} << 32, int64_t{1} << 32, 4);  // 2^66 elements
  EXPECT_EQ(elements.elements(), kMax);
  EXPECT_EQ(elements.tensor_bytes(), kMax);
  EXPECT_EQ(elements.rows(), int64_t{1} << 32);
  EXPECT_EQ(elements.row_bytes(), kMax / (int64_t{1} << 32));

  const Buffer bytes = nchw(1, int64_t{1} << 31, int64_t{1} << 30, 1, 8);  // 2^61 elements, 2^64 bytes
  EXPECT_EQ(bytes.elements(), int64_t{1} << 61);
  EXPECT_EQ(bytes.tensor_bytes(), kMax);
}

}  // namespace
}  // namespace bufopt::graph
