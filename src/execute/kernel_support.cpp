#include "bufopt/execute/kernel_support.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace bufopt::execute {

namespace {

std::vector<int64_t> row_major_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

int64_t saturating_round(float value) {
  if (std::isnan(value)) return 0;
  if (value >= 9.2e18f) return std::numeric_limits<int64_t>::max();
  if (value <= -9.2e18f) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(std::llround(value));
}

const graph::AttributeValue* find_attribute(const graph::OperatorNode& node, const std::string& name) {
  const auto found = node.attributes.find(name);
  return found == node.attributes.end() ? nullptr : &found->second;
}

}  // namespace

Operand::Operand(const TensorWindow& window, size_t input, std::string name)
    : shape_(window.shape), input_(input), name_(std::move(name)) {
  std::vector<int64_t> held = held_shape(window);
  strides_ = row_major_strides(held);
  if (window.axis) {
    axis_ = *window.axis;
    row_begin_ = window.row_begin;
    row_end_ = window.row_end;
  }
  int64_t count = 1;
  for (int64_t dim : held) count *= dim;
  if (static_cast<int64_t>(window.data.size()) != count) {
    throw std::invalid_argument(fmt::format("window of input '{}' holds {} values, its rows need {}", name_,
                                            window.data.size(), count));
  }
  data_ = window.data.data();
}

Operand::Operand(const graph::ConstantTensor& constant, size_t input, std::string name)
    : shape_(constant.shape), strides_(row_major_strides(constant.shape)), constant_(&constant), input_(input),
      name_(std::move(name)) {
  if (!constant.reals.empty() || constant.integers.empty()) {
    data_ = constant.reals.data();
  } else {
    owned_.reserve(constant.integers.size());
    for (int64_t value : constant.integers) owned_.push_back(static_cast<float>(value));
    data_ = owned_.data();
  }
  const size_t held = constant.reals.empty() ? constant.integers.size() : constant.reals.size();
  if (static_cast<int64_t>(held) != constant.elements()) {
    throw std::invalid_argument(
        fmt::format("constant '{}' holds {} values, its shape needs {}", name_, held, constant.elements()));
  }
}

int64_t Operand::elements() const {
  int64_t count = 1;
  for (int64_t dim : shape_) count *= dim;
  return count;
}

float Operand::broadcast_at(std::span<const int64_t> coords) const {
  const size_t lead = coords.size() - shape_.size();
  int64_t result = 0;
  for (int d = 0; d < rank(); ++d) {
    if (shape_[static_cast<size_t>(d)] == 1) continue;
    result += index_offset(d, coords[lead + static_cast<size_t>(d)]);
  }
  return data_[result];
}

std::vector<int64_t> Operand::integers() const {
  if (constant_ && !constant_->integers.empty()) return constant_->integers;
  std::vector<int64_t> result;
  for (float value : values()) result.push_back(saturating_round(value));
  return result;
}

std::vector<float> Operand::values() const {
  if (axis_ >= 0 && (row_begin_ != 0 || row_end_ != shape_[static_cast<size_t>(axis_)])) {
    throw_not_resident(row_begin_ == 0 ? row_end_ : 0);
  }
  return std::vector<float>(data_, data_ + elements());
}

void Operand::throw_not_resident(int64_t row) const {
  throw RowNotResident(input_, row,
                       fmt::format("row {} of input '{}' is not in its window [{}, {})", row, name_, row_begin_,
                                   row_end_));
}

const Operand& KernelCall::input(size_t i) const {
  if (!has_input(i)) {
    throw std::invalid_argument(fmt::format("node '{}' ({}) lacks input {}", node.name, node.op_type, i));
  }
  return *operands[i];
}

std::vector<std::optional<Operand>> gather_operands(const graph::OperatorNode& node,
                                                    const graph::ModelProgram& program,
                                                    std::span<const TensorWindow* const> inputs, uint32_t unread) {
  std::vector<std::optional<Operand>> operands(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const std::string& name = node.inputs[i];
    if (name.empty() || (i < 32 && ((unread >> i) & 1) != 0)) continue;
    if (i < inputs.size() && inputs[i] != nullptr) {
      operands[i].emplace(*inputs[i], i, name);
      continue;
    }
    const auto constant = program.constants.find(name);
    if (constant == program.constants.end()) {
      throw std::invalid_argument(fmt::format("input '{}' of node '{}' ({}) is neither a window nor a constant",
                                              name, node.name, node.op_type));
    }
    operands[i].emplace(constant->second, i, name);
  }
  return operands;
}

int64_t int_attribute(const graph::OperatorNode& node, const std::string& name, int64_t fallback) {
  const auto* attribute = find_attribute(node, name);
  return attribute && attribute->kind == graph::AttributeValue::Kind::kInt ? attribute->i : fallback;
}

float float_attribute(const graph::OperatorNode& node, const std::string& name, float fallback) {
  const auto* attribute = find_attribute(node, name);
  if (!attribute) return fallback;
  if (attribute->kind == graph::AttributeValue::Kind::kFloat) return static_cast<float>(attribute->f);
  if (attribute->kind == graph::AttributeValue::Kind::kInt) return static_cast<float>(attribute->i);
  return fallback;
}

std::string string_attribute(const graph::OperatorNode& node, const std::string& name, const std::string& fallback) {
  const auto* attribute = find_attribute(node, name);
  return attribute && attribute->kind == graph::AttributeValue::Kind::kString ? attribute->s : fallback;
}

std::vector<int64_t> ints_attribute(const graph::OperatorNode& node, const std::string& name,
                                    std::vector<int64_t> fallback) {
  const auto* attribute = find_attribute(node, name);
  return attribute && attribute->kind == graph::AttributeValue::Kind::kInts ? attribute->ints : fallback;
}

std::vector<float> floats_attribute(const graph::OperatorNode& node, const std::string& name) {
  const auto* attribute = find_attribute(node, name);
  std::vector<float> result;
  if (attribute && attribute->kind == graph::AttributeValue::Kind::kFloats) {
    for (double value : attribute->floats) result.push_back(static_cast<float>(value));
  }
  return result;
}

bool has_attribute(const graph::OperatorNode& node, const std::string& name) {
  return find_attribute(node, name) != nullptr;
}

const graph::ConstantTensor* tensor_attribute(const graph::OperatorNode& node, const std::string& name) {
  const auto* attribute = find_attribute(node, name);
  return attribute && attribute->kind == graph::AttributeValue::Kind::kTensor ? attribute->tensor.get() : nullptr;
}

graph::DataType tensor_dtype(const graph::ModelProgram& program, const std::string& name) {
  if (const auto value = program.values.find(name); value != program.values.end()) return value->second.dtype;
  if (const auto constant = program.constants.find(name); constant != program.constants.end()) {
    return constant->second.dtype;
  }
  return graph::DataType::kUnknown;
}

std::optional<std::vector<int64_t>> tensor_shape(const graph::ModelProgram& program, const std::string& name) {
  if (const auto value = program.values.find(name); value != program.values.end()) return value->second.shape;
  if (const auto constant = program.constants.find(name); constant != program.constants.end()) {
    return constant->second.shape;
  }
  return std::nullopt;
}

const graph::ConstantTensor* constant_named(const graph::ModelProgram& program, const std::string& name) {
  const auto found = program.constants.find(name);
  return found == program.constants.end() ? nullptr : &found->second;
}

const std::string& input_name(const graph::OperatorNode& node, size_t i) {
  static const std::string kNone;
  return i < node.inputs.size() ? node.inputs[i] : kNone;
}

bool has_output(const graph::OperatorNode& node, size_t i) {
  return i < node.outputs.size() && !node.outputs[i].empty();
}

std::vector<int64_t> held_shape(const TensorWindow& window) {
  std::vector<int64_t> shape = window.shape;
  if (window.axis) shape[static_cast<size_t>(*window.axis)] = window.row_end - window.row_begin;
  return shape;
}

void size_output(TensorWindow& window) {
  int64_t count = 1;
  for (int64_t dim : held_shape(window)) count *= dim;
  window.data.assign(static_cast<size_t>(count), 0.0f);
}

int normalize_axis(int64_t axis, int rank, const graph::OperatorNode& node) {
  const int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= std::max(rank, 1)) {
    throw std::invalid_argument(
        fmt::format("axis {} is out of range for rank {} in node '{}' ({})", axis, rank, node.name, node.op_type));
  }
  return static_cast<int>(normalized);
}

}  // namespace bufopt::execute
