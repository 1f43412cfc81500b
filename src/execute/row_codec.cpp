#include "bufopt/execute/row_codec.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "bufopt/graph/float16.h"
#include "bufopt/graph/operator_program.h"

namespace bufopt::execute {

namespace {

using graph::DataType;

/// `value` rounded to nearest (ties to even) and saturated to T's range; NaN gives 0.
template <typename T>
T to_integer(float value) {
  if (std::isnan(value)) return T{0};
  const double rounded = std::nearbyint(static_cast<double>(value));
  if (rounded <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
  if (rounded >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(rounded);
}

template <typename T>
void store(T value, std::byte* destination) {
  std::memcpy(destination, &value, sizeof(T));
}

template <typename T>
T load(const std::byte* source) {
  T value;
  std::memcpy(&value, source, sizeof(T));
  return value;
}

/// Encodes `count` floats at `dtype`.
void encode(const float* values, int64_t count, DataType dtype, std::byte* destination) {
  const auto n = static_cast<size_t>(count);
  switch (dtype) {
    case DataType::kFloat32:
      std::memcpy(destination, values, n * sizeof(float));
      return;
    case DataType::kFloat16:
      for (size_t i = 0; i < n; ++i) store(graph::float_to_half(values[i]), destination + 2 * i);
      return;
    case DataType::kBfloat16:
      for (size_t i = 0; i < n; ++i) store(graph::float_to_bfloat16(values[i]), destination + 2 * i);
      return;
    case DataType::kInt8:
      for (size_t i = 0; i < n; ++i) store(to_integer<int8_t>(values[i]), destination + i);
      return;
    case DataType::kUint8:
      for (size_t i = 0; i < n; ++i) store(to_integer<uint8_t>(values[i]), destination + i);
      return;
    case DataType::kInt16:
      for (size_t i = 0; i < n; ++i) store(to_integer<int16_t>(values[i]), destination + 2 * i);
      return;
    case DataType::kUint16:
      for (size_t i = 0; i < n; ++i) store(to_integer<uint16_t>(values[i]), destination + 2 * i);
      return;
    case DataType::kInt32:
      for (size_t i = 0; i < n; ++i) store(to_integer<int32_t>(values[i]), destination + 4 * i);
      return;
    case DataType::kInt64:
      for (size_t i = 0; i < n; ++i) store(to_integer<int64_t>(values[i]), destination + 8 * i);
      return;
    case DataType::kBool:
      for (size_t i = 0; i < n; ++i) store(static_cast<uint8_t>(values[i] != 0.0f ? 1 : 0), destination + i);
      return;
    default:
      throw std::logic_error(fmt::format("no row codec for dtype {}", graph::dtype_name(dtype)));
  }
}

/// Decodes `count` elements stored at `dtype` into floats.
void decode(const std::byte* source, int64_t count, DataType dtype, float* values) {
  const auto n = static_cast<size_t>(count);
  switch (dtype) {
    case DataType::kFloat32:
      std::memcpy(values, source, n * sizeof(float));
      return;
    case DataType::kFloat16:
      for (size_t i = 0; i < n; ++i) values[i] = graph::half_to_float(load<uint16_t>(source + 2 * i));
      return;
    case DataType::kBfloat16:
      for (size_t i = 0; i < n; ++i) values[i] = graph::bfloat16_to_float(load<uint16_t>(source + 2 * i));
      return;
    case DataType::kInt8:
      for (size_t i = 0; i < n; ++i) values[i] = load<int8_t>(source + i);
      return;
    case DataType::kUint8:
    case DataType::kBool:
      for (size_t i = 0; i < n; ++i) values[i] = load<uint8_t>(source + i);
      return;
    case DataType::kInt16:
      for (size_t i = 0; i < n; ++i) values[i] = load<int16_t>(source + 2 * i);
      return;
    case DataType::kUint16:
      for (size_t i = 0; i < n; ++i) values[i] = load<uint16_t>(source + 2 * i);
      return;
    case DataType::kInt32:
      for (size_t i = 0; i < n; ++i) values[i] = static_cast<float>(load<int32_t>(source + 4 * i));
      return;
    case DataType::kInt64:
      for (size_t i = 0; i < n; ++i) values[i] = static_cast<float>(load<int64_t>(source + 8 * i));
      return;
    default:
      throw std::logic_error(fmt::format("no row codec for dtype {}", graph::dtype_name(dtype)));
  }
}

/// Rows the window holds.
int64_t window_rows(const TensorWindow& window) { return window.row_end - window.row_begin; }

}  // namespace

RowLayout row_layout(const std::vector<int64_t>& shape, std::optional<int> axis, graph::DataType dtype) {
  RowLayout layout;
  layout.element_bytes = graph::dtype_bytes(dtype);
  if (!axis) {
    for (int64_t dim : shape) layout.inner *= dim;
    return layout;
  }
  const auto a = static_cast<size_t>(*axis);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < a) layout.outer *= shape[i];
    if (i == a) layout.rows = shape[i];
    if (i > a) layout.inner *= shape[i];
  }
  return layout;
}

bool storable(graph::DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
    case DataType::kFloat16:
    case DataType::kBfloat16:
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kInt16:
    case DataType::kUint16:
    case DataType::kInt32:
    case DataType::kInt64:
    case DataType::kBool:
      return true;
    default:
      return false;
  }
}

void encode_row(const TensorWindow& window, int64_t row, const RowLayout& layout, graph::DataType dtype,
                std::byte* destination) {
  const int64_t local = row - window.row_begin;
  const int64_t rows = window_rows(window);
  for (int64_t o = 0; o < layout.outer; ++o) {
    const float* values = window.data.data() + (o * rows + local) * layout.inner;
    encode(values, layout.inner, dtype, destination + o * layout.inner * layout.element_bytes);
  }
}

void decode_row(const std::byte* source, const RowLayout& layout, graph::DataType dtype, int64_t row,
                TensorWindow& window) {
  const int64_t local = row - window.row_begin;
  const int64_t rows = window_rows(window);
  for (int64_t o = 0; o < layout.outer; ++o) {
    float* values = window.data.data() + (o * rows + local) * layout.inner;
    decode(source + o * layout.inner * layout.element_bytes, layout.inner, dtype, values);
  }
}

float round_to_storage(float value, graph::DataType dtype) {
  std::byte bytes[8];
  encode(&value, 1, dtype, bytes);
  float result = 0;
  decode(bytes, 1, dtype, &result);
  return result;
}

}  // namespace bufopt::execute

namespace bufopt::execute {

TensorWindow whole_window(const graph::ConstantTensor& tensor, std::optional<int> axis) {
  TensorWindow window;
  window.shape = tensor.shape;
  window.axis = axis;
  window.row_begin = 0;
  window.row_end = row_layout(tensor.shape, axis, tensor.dtype).rows;
  if (!tensor.reals.empty()) {
    window.data = tensor.reals;
  } else {
    window.data.assign(tensor.integers.begin(), tensor.integers.end());
  }
  return window;
}

graph::ConstantTensor to_constant(const TensorWindow& window, graph::DataType dtype) {
  graph::ConstantTensor tensor;
  tensor.dtype = dtype;
  tensor.shape = window.shape;
  const bool floating = dtype == graph::DataType::kFloat32 || dtype == graph::DataType::kFloat16 ||
                        dtype == graph::DataType::kBfloat16 || dtype == graph::DataType::kFloat64;
  if (floating) {
    tensor.reals = window.data;
  } else {
    tensor.integers.reserve(window.data.size());
    for (float value : window.data) tensor.integers.push_back(static_cast<int64_t>(value));
  }
  return tensor;
}

void round_window_to_storage(TensorWindow& window, graph::DataType dtype) {
  if (dtype == graph::DataType::kFloat32) return;
  for (float& value : window.data) value = round_to_storage(value, dtype);
}

}  // namespace bufopt::execute
