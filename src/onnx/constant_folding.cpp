#include "bufopt/onnx/constant_folding.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace bufopt::onnx {

namespace {

using graph::DataType;
using Shape = std::vector<int64_t>;
using Positions = std::vector<int64_t>;

/// Thrown inside the folder when a value cannot be computed; the outputs stay without values.
struct CannotFold {};

Shape strides_of(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

int64_t count_of(const Shape& shape) {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

/// For every element of `out` (row-major), the position of the element of `in` it reads under
/// numpy broadcasting.
Positions broadcast_positions(const Shape& in, const Shape& out) {
  const size_t offset = out.size() - in.size();
  const Shape in_strides = strides_of(in);
  Shape strides(out.size(), 0);
  for (size_t i = 0; i < in.size(); ++i) strides[i + offset] = in[i] == 1 ? 0 : in_strides[i];
  Positions positions(static_cast<size_t>(count_of(out)));
  Shape index(out.size(), 0);
  int64_t position = 0;
  for (auto& slot : positions) {
    slot = position;
    for (size_t d = out.size(); d-- > 0;) {
      position += strides[d];
      if (++index[d] < out[d]) break;
      position -= strides[d] * out[d];
      index[d] = 0;
    }
  }
  return positions;
}

/// The values of `tensor` at `positions`, in its own representation.
Values pick(const TensorInfo& tensor, const Positions& positions) {
  Values result;
  if (is_floating(tensor.dtype)) {
    result.reals.reserve(positions.size());
    for (int64_t p : positions) result.reals.push_back(tensor.values->reals[static_cast<size_t>(p)]);
  } else {
    result.ints.reserve(positions.size());
    for (int64_t p : positions) result.ints.push_back(tensor.values->ints[static_cast<size_t>(p)]);
  }
  return result;
}

int64_t wrap_integer(int64_t value, DataType type) {
  switch (type) {
    case DataType::kInt8:
      return static_cast<int8_t>(value);
    case DataType::kUint8:
      return static_cast<uint8_t>(value);
    case DataType::kInt16:
      return static_cast<int16_t>(value);
    case DataType::kUint16:
      return static_cast<uint16_t>(value);
    case DataType::kInt32:
      return static_cast<int32_t>(value);
    case DataType::kUint32:
      return static_cast<uint32_t>(value);
    case DataType::kBool:
      return value != 0;
    default:
      return value;
  }
}

int64_t real_to_integer(double value) {
  if (std::isnan(value)) return 0;
  if (value >= 9.2e18) return std::numeric_limits<int64_t>::max();
  if (value <= -9.2e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

/// `values` of type `from` converted to type `to` (ONNX Cast).
Values convert(const Values& values, DataType from, DataType to) {
  Values result;
  if (is_floating(to)) {
    if (is_floating(from)) {
      result.reals = values.reals;
    } else {
      for (int64_t v : values.ints) result.reals.push_back(static_cast<double>(v));
    }
    if (to == DataType::kFloat32) {
      for (double& v : result.reals) v = static_cast<float>(v);
    }
    return result;
  }
  if (is_floating(from)) {
    for (double v : values.reals)
      result.ints.push_back(to == DataType::kBool ? v != 0 : wrap_integer(real_to_integer(v), to));
  } else {
    for (int64_t v : values.ints) result.ints.push_back(wrap_integer(v, to));
  }
  return result;
}

// ---- element-wise arithmetic -----------------------------------------------------------------

using RealOp = std::function<double(double, double)>;
using IntOp = std::function<int64_t(int64_t, int64_t)>;

int64_t int_pow(int64_t base, int64_t exponent) {
  if (exponent < 0) return base == 1 ? 1 : (base == -1 ? (exponent % 2 ? -1 : 1) : 0);
  int64_t result = 1;
  for (int64_t i = 0; i < exponent && i < 64; ++i) result *= base;
  return result;
}

int64_t int_div(int64_t a, int64_t b) {
  if (b == 0) throw CannotFold{};
  if (a == std::numeric_limits<int64_t>::min() && b == -1) throw CannotFold{};
  return a / b;
}

int64_t int_mod(int64_t a, int64_t b, bool fmod) {
  if (b == 0) throw CannotFold{};
  if (a == std::numeric_limits<int64_t>::min() && b == -1) return 0;
  const int64_t r = a % b;
  if (fmod || r == 0 || (r < 0) == (b < 0)) return r;
  return r + b;
}

/// Arithmetic / comparison of two operands; nullopt for an operator not handled here.
struct BinaryOps {
  RealOp real;
  IntOp integer;
  bool comparison = false;
};

std::optional<BinaryOps> binary_ops(const OpNode& node) {
  const std::string_view op = node.op_type;
  const bool fmod = node.int_attr("fmod", 0) != 0;
  if (op == "Add" || op == "Sum") return BinaryOps{std::plus<double>(), std::plus<int64_t>()};
  if (op == "Sub") return BinaryOps{std::minus<double>(), std::minus<int64_t>()};
  if (op == "Mul") return BinaryOps{std::multiplies<double>(), std::multiplies<int64_t>()};
  if (op == "Div") return BinaryOps{std::divides<double>(), int_div};
  if (op == "Mod") {
    return BinaryOps{[fmod](double a, double b) { return fmod ? std::fmod(a, b) : a - std::floor(a / b) * b; },
                     [fmod](int64_t a, int64_t b) { return int_mod(a, b, fmod); }};
  }
  if (op == "Pow") return BinaryOps{[](double a, double b) { return std::pow(a, b); }, int_pow};
  if (op == "Max")
    return BinaryOps{[](double a, double b) { return std::max(a, b); },
                     [](int64_t a, int64_t b) { return std::max(a, b); }};
  if (op == "Min")
    return BinaryOps{[](double a, double b) { return std::min(a, b); },
                     [](int64_t a, int64_t b) { return std::min(a, b); }};
  auto compare = [](auto real, auto integer) { return BinaryOps{real, integer, true}; };
  if (op == "Equal")
    return compare([](double a, double b) -> double { return a == b; },
                   [](int64_t a, int64_t b) -> int64_t { return a == b; });
  if (op == "Less")
    return compare([](double a, double b) -> double { return a < b; },
                   [](int64_t a, int64_t b) -> int64_t { return a < b; });
  if (op == "Greater")
    return compare([](double a, double b) -> double { return a > b; },
                   [](int64_t a, int64_t b) -> int64_t { return a > b; });
  if (op == "LessOrEqual")
    return compare([](double a, double b) -> double { return a <= b; },
                   [](int64_t a, int64_t b) -> int64_t { return a <= b; });
  if (op == "GreaterOrEqual")
    return compare([](double a, double b) -> double { return a >= b; },
                   [](int64_t a, int64_t b) -> int64_t { return a >= b; });
  if (op == "And")
    return compare([](double a, double b) -> double { return a != 0 && b != 0; },
                   [](int64_t a, int64_t b) -> int64_t { return a != 0 && b != 0; });
  if (op == "Or")
    return compare([](double a, double b) -> double { return a != 0 || b != 0; },
                   [](int64_t a, int64_t b) -> int64_t { return a != 0 || b != 0; });
  if (op == "Xor")
    return compare([](double a, double b) -> double { return (a != 0) != (b != 0); },
                   [](int64_t a, int64_t b) -> int64_t { return (a != 0) != (b != 0); });
  return std::nullopt;
}

/// Folds a (variadic) broadcasting binary operator left to right.
Values fold_binary(const OpNode& node, const NodeInputs& inputs, const TensorInfo& output) {
  const auto ops = binary_ops(node);
  if (!ops) throw CannotFold{};
  const bool real = is_floating(inputs[0]->dtype);
  const auto n = static_cast<size_t>(count_of(output.shape));
  std::vector<double> reals;
  std::vector<int64_t> ints;
  bool first = true;
  for (const TensorInfo* input : inputs) {
    if (input == nullptr) continue;
    const Positions positions = broadcast_positions(input->shape, output.shape);
    const Values picked = pick(*input, positions);
    if (first) {
      reals = real ? picked.reals : std::vector<double>{};
      ints = real ? std::vector<int64_t>{} : picked.ints;
      first = false;
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      if (real) {
        reals[i] = ops->real(reals[i], picked.reals[i]);
      } else {
        ints[i] = ops->integer(ints[i], picked.ints[i]);
      }
    }
  }
  Values result;
  if (node.op_type == "Mean") {
    double count = 0;
    for (const TensorInfo* input : inputs) count += input != nullptr;
    for (double& v : reals) v /= count;
  }
  if (ops->comparison) {
    if (real) {
      for (double v : reals) result.ints.push_back(v != 0);
    } else {
      result.ints = std::move(ints);
    }
    return result;
  }
  if (real) {
    result.reals = std::move(reals);
  } else {
    for (int64_t& v : ints) v = wrap_integer(v, output.dtype);
    result.ints = std::move(ints);
  }
  return result;
}

Values fold_unary(const OpNode& node, const TensorInfo& input) {
  const std::string_view op = node.op_type;
  std::function<double(double)> real;
  if (op == "Neg") real = [](double v) { return -v; };
  if (op == "Abs") real = [](double v) { return std::fabs(v); };
  if (op == "Floor") real = [](double v) { return std::floor(v); };
  if (op == "Ceil") real = [](double v) { return std::ceil(v); };
  if (op == "Round") real = [](double v) { return std::nearbyint(v); };
  if (op == "Sqrt") real = [](double v) { return std::sqrt(v); };
  if (op == "Reciprocal") real = [](double v) { return 1.0 / v; };
  if (op == "Exp") real = [](double v) { return std::exp(v); };
  if (op == "Log") real = [](double v) { return std::log(v); };
  if (op == "Relu") real = [](double v) { return std::max(v, 0.0); };
  if (op == "Sign") real = [](double v) { return static_cast<double>((v > 0) - (v < 0)); };
  if (op == "Not") real = [](double v) { return static_cast<double>(v == 0); };
  if (!real) throw CannotFold{};
  Values result;
  if (is_floating(input.dtype)) {
    for (double v : input.values->reals) result.reals.push_back(real(v));
  } else {
    for (int64_t v : input.values->ints) result.ints.push_back(real_to_integer(real(static_cast<double>(v))));
  }
  return result;
}

// ---- data movement ---------------------------------------------------------------------------

Positions transpose_positions(const OpNode& node, const Shape& in, const Shape& out) {
  std::vector<int64_t> perm = node.ints_attr("perm");
  if (perm.empty()) {
    perm.resize(in.size());
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  const Shape in_strides = strides_of(in);
  Shape strides(out.size());
  for (size_t i = 0; i < out.size(); ++i)
    strides[i] = in_strides[static_cast<size_t>(normalize_axis(perm[i], static_cast<int64_t>(in.size())))];
  Positions positions;
  positions.reserve(static_cast<size_t>(count_of(out)));
  Shape index(out.size(), 0);
  for (int64_t n = count_of(out); n > 0; --n) {
    int64_t position = 0;
    for (size_t d = 0; d < out.size(); ++d) position += index[d] * strides[d];
    positions.push_back(position);
    for (size_t d = out.size(); d-- > 0;) {
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return positions;
}

/// Positions of a generic per-axis gather: output index i along axis d reads input index map[d][i].
Positions axis_map_positions(const Shape& in, const std::vector<std::vector<int64_t>>& map) {
  const Shape in_strides = strides_of(in);
  Shape out(map.size());
  for (size_t d = 0; d < map.size(); ++d) out[d] = static_cast<int64_t>(map[d].size());
  Positions positions;
  positions.reserve(static_cast<size_t>(count_of(out)));
  Shape index(out.size(), 0);
  for (int64_t n = count_of(out); n > 0; --n) {
    int64_t position = 0;
    for (size_t d = 0; d < out.size(); ++d) position += map[d][static_cast<size_t>(index[d])] * in_strides[d];
    positions.push_back(position);
    for (size_t d = out.size(); d-- > 0;) {
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return positions;
}

Positions slice_positions(const OpNode& node, const NodeInputs& inputs, const Shape& in) {
  const auto slice = resolve_slice(node, inputs, in);
  if (!slice) throw CannotFold{};
  std::vector<std::vector<int64_t>> map(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    for (int64_t i = 0; i < (*slice)[d].size; ++i) map[d].push_back((*slice)[d].start + i * (*slice)[d].step);
  }
  return axis_map_positions(in, map);
}

Positions tile_positions(const Shape& in, const Shape& out) {
  std::vector<std::vector<int64_t>> map(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    for (int64_t i = 0; i < out[d]; ++i) map[d].push_back(i % in[d]);
  }
  return axis_map_positions(in, map);
}

Positions gather_positions(const OpNode& node, const TensorInfo& data, const TensorInfo& indices) {
  const auto rank = static_cast<int64_t>(data.shape.size());
  const auto axis = static_cast<size_t>(normalize_axis(node.int_attr("axis", 0), rank));
  const int64_t dim = data.shape[axis];
  const int64_t outer = count_of(Shape(data.shape.begin(), data.shape.begin() + static_cast<int64_t>(axis)));
  const int64_t inner = count_of(Shape(data.shape.begin() + static_cast<int64_t>(axis) + 1, data.shape.end()));
  const auto index_values = values_as_ints(indices);
  if (!index_values) throw CannotFold{};
  Positions positions;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : *index_values) {
      if (index < 0) index += dim;
      if (index < 0 || index >= dim) throw CannotFold{};
      for (int64_t i = 0; i < inner; ++i) positions.push_back((o * dim + index) * inner + i);
    }
  }
  return positions;
}

Values concat_values(const OpNode& node, const NodeInputs& inputs, const TensorInfo& output) {
  const auto rank = static_cast<int64_t>(output.shape.size());
  const auto axis = static_cast<size_t>(normalize_axis(node.int_attr("axis", node.opset < 4 ? 1 : 0), rank));
  const int64_t outer = count_of(Shape(output.shape.begin(), output.shape.begin() + static_cast<int64_t>(axis)));
  Values result;
  const bool real = is_floating(output.dtype);
  for (int64_t o = 0; o < outer; ++o) {
    for (const TensorInfo* input : inputs) {
      if (input == nullptr) continue;
      const int64_t block = count_of(Shape(input->shape.begin() + static_cast<int64_t>(axis), input->shape.end()));
      const Values converted = convert(*input->values, input->dtype, output.dtype);
      if (real) {
        result.reals.insert(result.reals.end(), converted.reals.begin() + o * block,
                            converted.reals.begin() + (o + 1) * block);
      } else {
        result.ints.insert(result.ints.end(), converted.ints.begin() + o * block,
                           converted.ints.begin() + (o + 1) * block);
      }
    }
  }
  return result;
}

std::vector<Values> split_values(const OpNode& node, const TensorInfo& input, const std::vector<TensorInfo>& outputs) {
  const auto rank = static_cast<int64_t>(input.shape.size());
  const auto axis = static_cast<size_t>(normalize_axis(node.int_attr("axis", 0), rank));
  std::vector<Values> result;
  int64_t offset = 0;
  for (const TensorInfo& output : outputs) {
    std::vector<std::vector<int64_t>> map(input.shape.size());
    for (size_t d = 0; d < input.shape.size(); ++d) {
      for (int64_t i = 0; i < output.shape[d]; ++i) map[d].push_back(d == axis ? offset + i : i);
    }
    result.push_back(pick(input, axis_map_positions(input.shape, map)));
    offset += output.shape[axis];
  }
  return result;
}

Values where_values(const NodeInputs& inputs, const TensorInfo& output) {
  const Values condition = pick(*inputs[0], broadcast_positions(inputs[0]->shape, output.shape));
  const Values x = pick(*inputs[1], broadcast_positions(inputs[1]->shape, output.shape));
  const Values y = pick(*inputs[2], broadcast_positions(inputs[2]->shape, output.shape));
  Values result;
  const bool real = is_floating(output.dtype);
  const std::vector<int64_t> flags =
      is_floating(inputs[0]->dtype) ? convert(condition, inputs[0]->dtype, DataType::kBool).ints : condition.ints;
  for (size_t i = 0; i < flags.size(); ++i) {
    if (real) {
      result.reals.push_back(flags[i] ? x.reals[i] : y.reals[i]);
    } else {
      result.ints.push_back(flags[i] ? x.ints[i] : y.ints[i]);
    }
  }
  return result;
}

Values reduce_values(const OpNode& node, const NodeInputs& inputs, const TensorInfo& output) {
  const TensorInfo& input = *inputs[0];
  const AxesArgument argument = axes_argument(node, inputs);
  if (!argument.known) throw CannotFold{};
  const auto rank = static_cast<int64_t>(input.shape.size());
  if (argument.axes.empty() && node.int_attr("noop_with_empty_axes", 0) != 0) return *input.values;
  std::vector<bool> reduced(input.shape.size(), argument.axes.empty());
  for (int64_t axis : argument.axes) reduced[static_cast<size_t>(normalize_axis(axis, rank))] = true;
  // Output position of every input element: drop the reduced coordinates.
  Shape kept_shape;
  for (size_t d = 0; d < input.shape.size(); ++d) kept_shape.push_back(reduced[d] ? 1 : input.shape[d]);
  const Shape kept_strides = strides_of(kept_shape);
  const auto out_count = static_cast<size_t>(count_of(output.shape));
  const std::string_view op = node.op_type;
  const double start = op == "ReduceProd" ? 1 : (op == "ReduceMin" ? INFINITY : (op == "ReduceMax" ? -INFINITY : 0));
  std::vector<double> accumulator(out_count, start);
  const std::vector<double> in = *values_as_reals(input);
  Shape index(input.shape.size(), 0);
  for (double value : in) {
    int64_t position = 0;
    for (size_t d = 0; d < index.size(); ++d) position += (reduced[d] ? 0 : index[d]) * kept_strides[d];
    double& slot = accumulator[static_cast<size_t>(position)];
    if (op == "ReduceSum" || op == "ReduceMean") slot += value;
    if (op == "ReduceProd") slot *= value;
    if (op == "ReduceMin") slot = std::min(slot, value);
    if (op == "ReduceMax") slot = std::max(slot, value);
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < input.shape[d]) break;
      index[d] = 0;
    }
  }
  if (op == "ReduceMean") {
    const double per_output = static_cast<double>(in.size()) / static_cast<double>(std::max<size_t>(out_count, 1));
    for (double& v : accumulator) v /= per_output;
  }
  Values reals;
  reals.reals = std::move(accumulator);
  return convert(reals, DataType::kFloat64, output.dtype);
}

Values range_values(const NodeInputs& inputs, const TensorInfo& output) {
  Values result;
  const auto count = static_cast<size_t>(output.shape.at(0));
  if (is_floating(output.dtype)) {
    const double start = values_as_reals(*inputs[0])->at(0);
    const double delta = values_as_reals(*inputs[2])->at(0);
    for (size_t i = 0; i < count; ++i) result.reals.push_back(start + static_cast<double>(i) * delta);
  } else {
    const int64_t start = values_as_ints(*inputs[0])->at(0);
    const int64_t delta = values_as_ints(*inputs[2])->at(0);
    for (size_t i = 0; i < count; ++i) result.ints.push_back(start + static_cast<int64_t>(i) * delta);
  }
  return result;
}

Values constant_of_shape_values(const OpNode& node, const TensorInfo& output) {
  Values fill;
  const auto found = node.attributes.find("value");
  if (found != node.attributes.end() && found->second.tensor && found->second.tensor->values) {
    fill = *found->second.tensor->values;
  } else {
    fill.reals = {0.0};
  }
  const auto count = static_cast<size_t>(count_of(output.shape));
  Values result;
  if (is_floating(output.dtype)) {
    result.reals.assign(count, fill.reals.empty() ? 0.0 : fill.reals[0]);
  } else {
    result.ints.assign(count, fill.ints.empty() ? 0 : fill.ints[0]);
  }
  return result;
}

Values nonzero_values(const TensorInfo& input, const TensorInfo& output) {
  const std::vector<double> in = *values_as_reals(input);
  const Shape strides = strides_of(input.shape);
  const auto nonzero = static_cast<size_t>(output.shape.at(1));
  Values result;
  result.ints.assign(input.shape.size() * nonzero, 0);
  size_t column = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == 0) continue;
    auto rest = static_cast<int64_t>(i);
    for (size_t d = 0; d < input.shape.size(); ++d) {
      result.ints[d * nonzero + column] = rest / strides[d];
      rest %= strides[d];
    }
    ++column;
  }
  return result;
}

/// True when every present input holds exactly as many values as it has elements.
bool has_values(const NodeInputs& inputs) {
  for (const TensorInfo* input : inputs) {
    if (input == nullptr) continue;
    if (!input->values) return false;
    const size_t held = is_floating(input->dtype) ? input->values->reals.size() : input->values->ints.size();
    if (static_cast<int64_t>(held) != input->elements()) return false;
  }
  return true;
}

/// True when the present inputs from `first` on share one representation (ints or reals).
bool same_representation(const NodeInputs& inputs, size_t first) {
  std::optional<bool> real;
  for (size_t i = first; i < inputs.size(); ++i) {
    if (inputs[i] == nullptr) continue;
    if (real && *real != is_floating(inputs[i]->dtype)) return false;
    real = is_floating(inputs[i]->dtype);
  }
  return true;
}

/// Inputs 0 .. count-1 must be present (an omitted input is a null pointer); throws CannotFold.
void require_inputs(const NodeInputs& inputs, size_t count) {
  if (inputs.size() < count) throw CannotFold{};
  for (size_t i = 0; i < count; ++i) {
    if (inputs[i] == nullptr) throw CannotFold{};
  }
}

/// How many leading inputs `op` reads by position (the rest, if any, are read when present).
size_t inputs_read(std::string_view op) {
  if (op == "ConstantOfShape") return 0;
  if (op == "Range" || op == "Where") return 3;
  if (op == "Gather") return 2;
  return 1;
}

/// Computes every output's values; throws CannotFold.
std::vector<Values> evaluate(const OpNode& node, const NodeInputs& inputs, const std::vector<TensorInfo>& outputs) {
  const std::string_view op = node.op_type;
  const TensorInfo& out = outputs[0];
  require_inputs(inputs, inputs_read(op));
  if (op == "Shape") {
    const Shape& shape = inputs[0]->shape;
    const auto rank = static_cast<int64_t>(shape.size());
    int64_t start = node.int_attr("start", 0);
    if (start < 0) start += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    Values values;
    values.ints.assign(shape.begin() + start, shape.begin() + start + out.shape[0]);
    return {values};
  }
  if (op == "Size") {
    Values values;
    values.ints = {inputs[0]->elements().value_or(0)};
    return {values};
  }
  if (op == "ConstantOfShape") return {constant_of_shape_values(node, out)};
  if (!has_values(inputs)) throw CannotFold{};
  const TensorInfo& in = *inputs[0];
  if (op == "Identity" || op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze")
    return {*in.values};
  if (op == "Dropout")
    return {*in.values, Values{std::vector<int64_t>(in.values->ints.size() + in.values->reals.size(), 1), {}}};
  if (op == "Cast" || op == "CastLike") return {convert(*in.values, in.dtype, out.dtype)};
  if (op == "Transpose") return {pick(in, transpose_positions(node, in.shape, out.shape))};
  if (op == "Slice") return {pick(in, slice_positions(node, inputs, in.shape))};
  if (op == "Expand") return {pick(in, broadcast_positions(in.shape, out.shape))};
  if (op == "Tile") return {pick(in, tile_positions(in.shape, out.shape))};
  if (op == "Gather") return {pick(in, gather_positions(node, in, *inputs[1]))};
  if (op == "Concat") return {concat_values(node, inputs, out)};
  if (op == "Split") return split_values(node, in, outputs);
  if (op == "Where") {
    if (!same_representation(inputs, 1) || is_floating(inputs[1]->dtype) != is_floating(out.dtype)) throw CannotFold{};
    return {where_values(inputs, out)};
  }
  if (op == "Range") return {range_values(inputs, out)};
  if (op == "NonZero") return {nonzero_values(in, out)};
  if (op.starts_with("Reduce")) {
    if (op != "ReduceSum" && op != "ReduceProd" && op != "ReduceMin" && op != "ReduceMax" && op != "ReduceMean") {
      throw CannotFold{};
    }
    return {reduce_values(node, inputs, out)};
  }
  if (binary_ops(node)) {
    if (!same_representation(inputs, 0)) throw CannotFold{};
    return {fold_binary(node, inputs, out)};
  }
  return {fold_unary(node, in)};
}

}  // namespace

bool is_foldable(const OpNode& node, const NodeInputs& inputs) {
  if (!node.domain.empty()) return false;
  if (node.op_type == "Constant") return true;
  for (const auto& [name, attribute] : node.attributes) {
    if (attribute.kind == Attribute::Kind::kGraph) return false;
  }
  if ((node.op_type == "Shape" || node.op_type == "Size") && !inputs.empty() && inputs[0] != nullptr) {
    return inputs[0]->shape_known;
  }
  bool any = false;
  for (const TensorInfo* input : inputs) {
    if (input == nullptr) continue;
    if (!input->constant) return false;
    any = true;
  }
  // A node without inputs that is not Constant (RandomNormal, EyeLike-free generators, ...)
  // produces a tensor independent of the model input: a constant too.
  return any || inputs.empty() || node.op_type == "ConstantOfShape";
}

void fold_values(const OpNode& node, const NodeInputs& inputs, std::vector<TensorInfo>& outputs) {
  if (outputs.empty()) return;
  for (const TensorInfo& output : outputs) {
    const auto count = output.elements();
    if (!count || *count > kMaxFoldElements) return;
  }
  for (const TensorInfo* input : inputs) {
    if (input != nullptr && !input->shape_known) return;
  }
  try {
    std::vector<Values> values = evaluate(node, inputs, outputs);
    for (size_t i = 0; i < outputs.size() && i < values.size(); ++i) {
      const auto expected = static_cast<size_t>(*outputs[i].elements());
      const size_t actual = is_floating(outputs[i].dtype) ? values[i].reals.size() : values[i].ints.size();
      if (actual == expected) outputs[i].values = std::move(values[i]);
    }
  } catch (const CannotFold&) {
    // The outputs stay without values: constants of known shape.
  } catch (const ShapeError&) {
  } catch (const std::out_of_range&) {
  }
}

}  // namespace bufopt::onnx
