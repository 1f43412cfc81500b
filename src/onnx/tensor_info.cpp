#include "bufopt/onnx/tensor_info.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bufopt/graph/checked_math.h"

namespace bufopt::onnx {

std::optional<int64_t> TensorInfo::elements() const {
  if (!shape_known) return std::nullopt;
  return graph::checked_product(shape);
}

bool is_floating(graph::DataType type) {
  using graph::DataType;
  return type == DataType::kFloat32 || type == DataType::kFloat16 || type == DataType::kFloat64 ||
         type == DataType::kBfloat16;
}

TensorInfo known_tensor(graph::DataType type, std::vector<int64_t> shape) {
  TensorInfo tensor;
  tensor.dtype = type;
  tensor.shape = std::move(shape);
  tensor.shape_known = true;
  return tensor;
}

TensorInfo unknown_tensor(graph::DataType type, std::string reason) {
  TensorInfo tensor;
  tensor.dtype = type;
  tensor.unknown_reason = std::move(reason);
  return tensor;
}

TensorInfo partly_known_tensor(graph::DataType type, std::vector<int64_t> partial, std::string reason) {
  if (!partial.empty() && std::find(partial.begin(), partial.end(), graph::kUnknownDim) == partial.end()) {
    return known_tensor(type, std::move(partial));
  }
  TensorInfo tensor = unknown_tensor(type, std::move(reason));
  tensor.partial_shape = std::move(partial);
  return tensor;
}

TensorInfo constant_tensor(graph::DataType type, std::vector<int64_t> shape, Values values) {
  TensorInfo tensor = known_tensor(type, std::move(shape));
  tensor.constant = true;
  tensor.values = std::move(values);
  return tensor;
}

TensorInfo int64_constant(std::vector<int64_t> shape, std::vector<int64_t> values) {
  Values elements;
  elements.ints = std::move(values);
  return constant_tensor(graph::DataType::kInt64, std::move(shape), std::move(elements));
}

int64_t truncate_to_int64(double value) {
  // Converting a double outside int64's range is undefined: saturate (NaN reads as 0).
  if (std::isnan(value)) return 0;
  if (value >= 0x1p63) return std::numeric_limits<int64_t>::max();
  if (value < -0x1p63) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

std::optional<std::vector<int64_t>> values_as_ints(const TensorInfo& tensor) {
  if (!tensor.values) return std::nullopt;
  if (!is_floating(tensor.dtype)) return tensor.values->ints;
  std::vector<int64_t> result;
  result.reserve(tensor.values->reals.size());
  for (double value : tensor.values->reals) result.push_back(truncate_to_int64(value));
  return result;
}

std::optional<std::vector<double>> values_as_reals(const TensorInfo& tensor) {
  if (!tensor.values) return std::nullopt;
  if (is_floating(tensor.dtype)) return tensor.values->reals;
  std::vector<double> result;
  result.reserve(tensor.values->ints.size());
  for (int64_t value : tensor.values->ints) result.push_back(static_cast<double>(value));
  return result;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::vector<std::string> dims;
  for (int64_t dim : shape) dims.push_back(dim == graph::kUnknownDim ? std::string("?") : std::to_string(dim));
  return fmt::format("[{}]", fmt::join(dims, ","));
}

}  // namespace bufopt::onnx
