#include "bufopt/onnx/tensor_data.h"

#include <bit>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "bufopt/graph/checked_math.h"

namespace bufopt::onnx {

namespace {

using graph::DataType;

double half_to_double(uint16_t bits) {
  const int sign = (bits >> 15) & 1;
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  double magnitude = 0;
  if (exponent == 0) {
    magnitude = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? INFINITY : NAN;
  } else {
    magnitude = std::ldexp(mantissa + 1024, exponent - 25);
  }
  return sign ? -magnitude : magnitude;
}

double bfloat16_to_double(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  return static_cast<double>(std::bit_cast<float>(wide));
}

template <typename T>
T load(const char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));  // ONNX raw data is little-endian, as is the host
  return value;
}

/// Decodes `count` elements of `type` from little-endian bytes.
Values decode_raw(DataType type, const std::string& bytes, int64_t count) {
  Values values;
  const char* data = bytes.data();
  const auto n = static_cast<size_t>(count);
  auto ints = [&](auto tag) {
    using T = decltype(tag);
    values.ints.resize(n);
    for (size_t i = 0; i < n; ++i) values.ints[i] = static_cast<int64_t>(load<T>(data + i * sizeof(T)));
  };
  switch (type) {
    case DataType::kFloat32:
      values.reals.resize(n);
      for (size_t i = 0; i < n; ++i) values.reals[i] = load<float>(data + i * 4);
      break;
    case DataType::kFloat64:
      values.reals.resize(n);
      for (size_t i = 0; i < n; ++i) values.reals[i] = load<double>(data + i * 8);
      break;
    case DataType::kFloat16:
      values.reals.resize(n);
      for (size_t i = 0; i < n; ++i) values.reals[i] = half_to_double(load<uint16_t>(data + i * 2));
      break;
    case DataType::kBfloat16:
      values.reals.resize(n);
      for (size_t i = 0; i < n; ++i) values.reals[i] = bfloat16_to_double(load<uint16_t>(data + i * 2));
      break;
    case DataType::kInt8:
      ints(int8_t{});
      break;
    case DataType::kUint8:
      ints(uint8_t{});
      break;
    case DataType::kBool:
      ints(uint8_t{});
      break;
    case DataType::kInt16:
      ints(int16_t{});
      break;
    case DataType::kUint16:
      ints(uint16_t{});
      break;
    case DataType::kInt32:
      ints(int32_t{});
      break;
    case DataType::kUint32:
      ints(uint32_t{});
      break;
    case DataType::kInt64:
      ints(int64_t{});
      break;
    case DataType::kUint64:
      ints(uint64_t{});
      break;
    default:
      break;
  }
  return values;
}

/// Number of elements the typed field for `type` holds, or -1 when `type` has no typed field.
int64_t typed_count(const ::onnx::TensorProto& tensor, DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return tensor.float_data_size();
    case DataType::kFloat64:
      return tensor.double_data_size();
    case DataType::kInt64:
      return tensor.int64_data_size();
    case DataType::kUint32:
    case DataType::kUint64:
      return tensor.uint64_data_size();
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kBool:
    case DataType::kInt16:
    case DataType::kUint16:
    case DataType::kInt32:
    case DataType::kFloat16:
    case DataType::kBfloat16:
      return tensor.int32_data_size();
    case DataType::kString:
      return tensor.string_data_size();
    case DataType::kComplex64:
      return tensor.float_data_size() / 2;
    case DataType::kComplex128:
      return tensor.double_data_size() / 2;
    default:
      return -1;
  }
}

Values decode_typed(const ::onnx::TensorProto& tensor, DataType type, int64_t count) {
  Values values;
  const auto n = static_cast<size_t>(count);
  auto index = [](size_t i) { return static_cast<int>(i); };
  switch (type) {
    case DataType::kFloat32:
      for (size_t i = 0; i < n; ++i) values.reals.push_back(tensor.float_data(index(i)));
      break;
    case DataType::kFloat64:
      for (size_t i = 0; i < n; ++i) values.reals.push_back(tensor.double_data(index(i)));
      break;
    case DataType::kFloat16:
      for (size_t i = 0; i < n; ++i)
        values.reals.push_back(half_to_double(static_cast<uint16_t>(tensor.int32_data(index(i)))));
      break;
    case DataType::kBfloat16:
      for (size_t i = 0; i < n; ++i) {
        values.reals.push_back(bfloat16_to_double(static_cast<uint16_t>(tensor.int32_data(index(i)))));
      }
      break;
    case DataType::kInt64:
      for (size_t i = 0; i < n; ++i) values.ints.push_back(tensor.int64_data(index(i)));
      break;
    case DataType::kUint32:
    case DataType::kUint64:
      for (size_t i = 0; i < n; ++i) values.ints.push_back(static_cast<int64_t>(tensor.uint64_data(index(i))));
      break;
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kBool:
    case DataType::kInt16:
    case DataType::kUint16:
    case DataType::kInt32:
      for (size_t i = 0; i < n; ++i) values.ints.push_back(tensor.int32_data(index(i)));
      break;
    default:
      break;
  }
  return values;
}

bool has_numeric_values(DataType type) {
  return type != DataType::kUnknown && type != DataType::kString && type != DataType::kComplex64 &&
         type != DataType::kComplex128;
}

}  // namespace

int64_t stored_bytes(const TensorInfo& tensor) {
  const auto elements = tensor.elements();
  if (!elements) return 0;
  return graph::checked_mul(*elements, graph::dtype_bytes(tensor.dtype)).value_or(0);
}

TensorInfo decode_tensor(const ::onnx::TensorProto& tensor, ExternalData& external, const ImportLimits& limits) {
  return decode_tensor(tensor, external, limits, ValueDecoding::kSmallOnly);
}

TensorInfo decode_tensor(const ::onnx::TensorProto& tensor, ExternalData& external, const ImportLimits& limits,
                         ValueDecoding decoding) {
  const std::string& name = tensor.name();
  if (tensor.dims_size() > limits.max_rank) {
    throw ImportError(
        fmt::format("tensor '{}' has rank {}, more than the limit of {} (raise it with --max-rank)", name,
                    tensor.dims_size(), limits.max_rank));
  }
  std::vector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  for (int64_t dim : shape) {
    if (dim < 0) throw ImportError(fmt::format("dim {} of tensor '{}' is negative", dim, name));
  }
  const auto elements = graph::checked_product(shape);
  if (!elements) throw ImportError(fmt::format("shape of '{}' overflows 64 bits", name));
  if (*elements > limits.max_tensor_elements) {
    throw ImportError(fmt::format("tensor '{}' has {} elements, more than the limit of {} (raise it with "
                                  "--max-tensor-elements)",
                                  name, *elements, limits.max_tensor_elements));
  }
  const DataType type = graph::dtype_from_int(tensor.data_type());
  TensorInfo result = known_tensor(type, shape);
  result.constant = true;
  const auto bytes = graph::checked_mul(*elements, graph::dtype_bytes(type));
  if (!bytes) throw ImportError(fmt::format("shape of '{}' overflows 64 bits", name));
  const bool wanted = has_numeric_values(type) &&
                      (decoding == ValueDecoding::kAll ||
                       *elements <= (is_floating(type) ? kMaxDecodedReals : kMaxDecodedIntegers));

  if (tensor.data_location() == ::onnx::TensorProto::EXTERNAL) {
    ExternalLocation location = external.locate(tensor, *bytes);
    if (wanted) {
      location.length = *bytes;
      result.values = decode_raw(type, external.read(location), *elements);
    }
    return result;
  }
  if (tensor.has_raw_data()) {
    if (graph::dtype_bytes(type) > 0 && static_cast<int64_t>(tensor.raw_data().size()) < *bytes) {
      throw ImportError(
          fmt::format("tensor '{}' has {} bytes of data, its shape needs {}", name, tensor.raw_data().size(), *bytes));
    }
    if (wanted) result.values = decode_raw(type, tensor.raw_data(), *elements);
    return result;
  }
  const int64_t count = typed_count(tensor, type);
  if (count >= 0 && count < *elements) {
    throw ImportError(fmt::format("tensor '{}' holds {} elements, its shape needs {}", name, count, *elements));
  }
  if (wanted) result.values = decode_typed(tensor, type, *elements);
  return result;
}

}  // namespace bufopt::onnx
