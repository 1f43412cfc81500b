#pragma once
/// Element types of tensors, independent of any model format.
#include <cstdint>
#include <string_view>

namespace bufopt::graph {

/// The element type of a tensor. The numeric values equal ONNX's TensorProto::DataType so an
/// importer can convert with a cast, but nothing here depends on ONNX.
enum class DataType : int {
  kUnknown = 0,
  kFloat32 = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUint32 = 12,
  kUint64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBfloat16 = 16,
};

/// Lower-case name as the JSON report prints it: "float32", "int8", ... ("unknown" for kUnknown).
std::string_view dtype_name(DataType type);

/// Bytes per element; 0 for kUnknown and kString (no fixed size).
int64_t dtype_bytes(DataType type);

/// The DataType whose numeric value is `onnx_value`, or kUnknown when out of range.
DataType dtype_from_int(int onnx_value);

}  // namespace bufopt::graph
