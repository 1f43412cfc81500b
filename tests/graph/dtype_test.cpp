// Element type names and sizes against the ONNX TensorProto table.
#include "bufopt/graph/dtype.h"

#include <gtest/gtest.h>

#include <string_view>

namespace bufopt::graph {
namespace {

struct Expected {
  int onnx_value;
  std::string_view name;
  int64_t bytes;
};

// ONNX TensorProto::DataType numbering, the names the JSON report prints, and element sizes.
constexpr Expected kTable[] = {
    {1, "float32", 4}, {2, "uint8", 1},      {3, "int8", 1},         {4, "uint16", 2},
    {5, "int16", 2},   {6, "int32", 4},      {7, "int64", 8},        {8, "string", 0},
    {9, "bool", 1},    {10, "float16", 2},   {11, "float64", 8},     {12, "uint32", 4},
    {13, "uint64", 8}, {14, "complex64", 8}, {15, "complex128", 16}, {16, "bfloat16", 2},
};

TEST(DataType, NamesAndSizesFollowOnnx) {
  for (const Expected& e : kTable) {
    const DataType type = dtype_from_int(e.onnx_value);
    EXPECT_EQ(static_cast<int>(type), e.onnx_value);
    EXPECT_EQ(dtype_name(type), e.name) << e.onnx_value;
    EXPECT_EQ(dtype_bytes(type), e.bytes) << e.name;
  }
}

TEST(DataType, UnknownValues) {
  EXPECT_EQ(dtype_from_int(0), DataType::kUnknown);
  EXPECT_EQ(dtype_from_int(-1), DataType::kUnknown);
  EXPECT_EQ(dtype_from_int(17), DataType::kUnknown);  // float8 types are newer than this table
  EXPECT_EQ(dtype_from_int(1000), DataType::kUnknown);
  EXPECT_EQ(dtype_name(DataType::kUnknown), "unknown");
  EXPECT_EQ(dtype_bytes(DataType::kUnknown), 0);
}

}  // namespace
}  // namespace bufopt::graph
