#include "bufopt/execute/elementwise_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "bufopt/graph/float16.h"

namespace bufopt::execute {

namespace {

using graph::DataType;

/// Writes f(x) for every element of `out`'s rows from the same-shaped `in`.
/// Rows are copied block by block when both stream along the same axis (or `in` is whole);
/// otherwise element by element through absolute coordinates.
template <typename F>
void map_elements(TensorWindow& out, const Operand& in, F f) {
  if (in.shape() != out.shape) {
    fill_output(out, [&](std::span<const int64_t> c) { return f(in.broadcast_at(c)); });
    return;
  }
  size_output(out);
  const float* source = in.data();
  if (!out.axis) {
    const float* all = in.all_data();  // throws when `in` does not hold every row
    for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = f(all[i]);
    return;
  }
  const int axis = *out.axis;
  if (in.axis() != -1 && in.axis() != axis) {
    fill_output(out, [&](std::span<const int64_t> c) { return f(in.at(c)); });
    return;
  }
  int64_t outer = 1;
  int64_t inner = 1;
  for (int d = 0; d < axis; ++d) outer *= out.shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < out.shape.size(); ++d) inner *= out.shape[d];
  const int64_t out_rows = out.row_end - out.row_begin;
  const int64_t in_rows = in.axis() == axis ? in.row_end() - in.row_begin() : out.shape[static_cast<size_t>(axis)];
  for (int64_t row = out.row_begin; row < out.row_end; ++row) {
    const int64_t in_row_offset = in.index_offset(axis, row);  // checks residency
    for (int64_t o = 0; o < outer; ++o) {
      const float* from = source + o * in_rows * inner + in_row_offset;
      float* to = out.data.data() + (o * out_rows + row - out.row_begin) * inner;
      for (int64_t i = 0; i < inner; ++i) to[i] = f(from[i]);
    }
  }
}

/// True when `in` can be read row block by row block beside `out`: the same shape, held along
/// the same axis or whole.
bool same_layout(const Operand& in, const TensorWindow& out) {
  return in.shape() == out.shape && (in.axis() == -1 || (out.axis && in.axis() == *out.axis));
}

/// Writes f(a, b) for every element of `out`'s rows. When each operand is either laid out as
/// `out` or a single value, rows go block by block; otherwise element by element with numpy
/// broadcasting through absolute coordinates. The same f of the same two values either way.
template <typename F>
void map_pairs(TensorWindow& out, const Operand& a, const Operand& b, F f) {
  const bool a_scalar = a.elements() == 1 && a.axis() == -1;
  const bool b_scalar = b.elements() == 1 && b.axis() == -1;
  const bool blocks = out.axis && (a_scalar || same_layout(a, out)) && (b_scalar || same_layout(b, out)) &&
                      !(a_scalar && b_scalar);
  if (!blocks) {
    fill_output(out, [&](std::span<const int64_t> c) { return f(a.broadcast_at(c), b.broadcast_at(c)); });
    return;
  }
  size_output(out);
  const int axis = *out.axis;
  int64_t outer = 1;
  int64_t inner = 1;
  for (int d = 0; d < axis; ++d) outer *= out.shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < out.shape.size(); ++d) inner *= out.shape[d];
  const int64_t out_rows = out.row_end - out.row_begin;
  auto held_rows = [&](const Operand& in) {
    return in.axis() == axis ? in.row_end() - in.row_begin() : out.shape[static_cast<size_t>(axis)];
  };
  const int64_t a_rows = a_scalar ? 0 : held_rows(a);
  const int64_t b_rows = b_scalar ? 0 : held_rows(b);
  for (int64_t row = out.row_begin; row < out.row_end; ++row) {
    const int64_t a_row = a_scalar ? 0 : a.index_offset(axis, row);  // checks residency
    const int64_t b_row = b_scalar ? 0 : b.index_offset(axis, row);
    for (int64_t o = 0; o < outer; ++o) {
      float* to = out.data.data() + (o * out_rows + row - out.row_begin) * inner;
      if (a_scalar) {
        const float x = a.data()[0];
        const float* y = b.data() + o * b_rows * inner + b_row;
        for (int64_t i = 0; i < inner; ++i) to[i] = f(x, y[i]);
      } else if (b_scalar) {
        const float* x = a.data() + o * a_rows * inner + a_row;
        const float y = b.data()[0];
        for (int64_t i = 0; i < inner; ++i) to[i] = f(x[i], y);
      } else {
        const float* x = a.data() + o * a_rows * inner + a_row;
        const float* y = b.data() + o * b_rows * inner + b_row;
        for (int64_t i = 0; i < inner; ++i) to[i] = f(x[i], y[i]);
      }
    }
  }
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

/// Applies the unary operator `op` with its attributes to every element.
template <typename F>
void unary(const KernelCall& call, F f) {
  map_elements(call.outputs[0], call.input(0), f);
}

float round_half_even(float x) { return std::nearbyint(x); }  // default rounding mode: to nearest even

}  // namespace

void run_unary(const KernelCall& call) {
  const graph::OperatorNode& node = call.node;
  const std::string& op = node.op_type;
  if (op == "Relu") return unary(call, [](float x) { return x > 0.0f ? x : 0.0f; });
  if (op == "LeakyRelu") {
    const float alpha = float_attribute(node, "alpha", 0.01f);
    return unary(call, [alpha](float x) { return x >= 0.0f ? x : alpha * x; });
  }
  if (op == "Sigmoid") return unary(call, sigmoid);
  if (op == "HardSigmoid") {
    const float alpha = float_attribute(node, "alpha", 0.2f);
    const float beta = float_attribute(node, "beta", 0.5f);
    return unary(call, [alpha, beta](float x) { return std::max(0.0f, std::min(1.0f, alpha * x + beta)); });
  }
  if (op == "HardSwish") {
    return unary(call, [](float x) { return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f)); });
  }
  if (op == "Tanh") return unary(call, [](float x) { return std::tanh(x); });
  if (op == "Identity" || op == "Dropout") return unary(call, [](float x) { return x; });
  if (op == "Log") return unary(call, [](float x) { return std::log(x); });
  if (op == "Sqrt") return unary(call, [](float x) { return std::sqrt(x); });
  if (op == "Exp") return unary(call, [](float x) { return std::exp(x); });
  if (op == "Abs") return unary(call, [](float x) { return std::fabs(x); });
  if (op == "Neg") return unary(call, [](float x) { return -x; });
  if (op == "Reciprocal") return unary(call, [](float x) { return 1.0f / x; });
  if (op == "Erf") return unary(call, [](float x) { return std::erf(x); });
  if (op == "Softplus") return unary(call, softplus);
  if (op == "Softsign") return unary(call, [](float x) { return x / (1.0f + std::fabs(x)); });
  if (op == "Mish") return unary(call, [](float x) { return x * std::tanh(softplus(x)); });
  if (op == "Elu") {
    const float alpha = float_attribute(node, "alpha", 1.0f);
    return unary(call, [alpha](float x) { return x >= 0.0f ? x : alpha * (std::exp(x) - 1.0f); });
  }
  if (op == "Celu") {
    const float alpha = float_attribute(node, "alpha", 1.0f);
    return unary(call, [alpha](float x) {
      return std::max(0.0f, x) + std::min(0.0f, alpha * (std::exp(x / alpha) - 1.0f));
    });
  }
  if (op == "Selu") {
    const float alpha = float_attribute(node, "alpha", 1.67326319217681884765625f);
    const float gamma = float_attribute(node, "gamma", 1.05070102214813232421875f);
    return unary(call, [alpha, gamma](float x) { return x > 0.0f ? gamma * x : gamma * (alpha * std::exp(x) - alpha); });
  }
  if (op == "ThresholdedRelu") {
    const float alpha = float_attribute(node, "alpha", 1.0f);
    return unary(call, [alpha](float x) { return x > alpha ? x : 0.0f; });
  }
  if (op == "Shrink") {
    const float lambd = float_attribute(node, "lambd", 0.5f);
    const float bias = float_attribute(node, "bias", 0.0f);
    return unary(call, [lambd, bias](float x) { return x < -lambd ? x + bias : (x > lambd ? x - bias : 0.0f); });
  }
  if (op == "Floor") return unary(call, [](float x) { return std::floor(x); });
  if (op == "Ceil") return unary(call, [](float x) { return std::ceil(x); });
  if (op == "Round") return unary(call, round_half_even);
  if (op == "Sign") return unary(call, [](float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f); });
  if (op == "Sin") return unary(call, [](float x) { return std::sin(x); });
  if (op == "Cos") return unary(call, [](float x) { return std::cos(x); });
  if (op == "Tan") return unary(call, [](float x) { return std::tan(x); });
  if (op == "Asin") return unary(call, [](float x) { return std::asin(x); });
  if (op == "Acos") return unary(call, [](float x) { return std::acos(x); });
  if (op == "Atan") return unary(call, [](float x) { return std::atan(x); });
  if (op == "Sinh") return unary(call, [](float x) { return std::sinh(x); });
  if (op == "Cosh") return unary(call, [](float x) { return std::cosh(x); });
  if (op == "Asinh") return unary(call, [](float x) { return std::asinh(x); });
  if (op == "Acosh") return unary(call, [](float x) { return std::acosh(x); });
  if (op == "Atanh") return unary(call, [](float x) { return std::atanh(x); });
  throw std::invalid_argument(fmt::format("no unary kernel for {}", op));
}

std::optional<std::string> check_unary(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  if (node.op_type == "Dropout") {
    if (has_output(node, 1)) return "Dropout with its mask output (bool)";
    const graph::ConstantTensor* training = constant_named(program, input_name(node, 2));
    if (!input_name(node, 2).empty() && (!training || training->integers.empty())) {
      return "Dropout training_mode not a constant";
    }
    if (training && training->integers[0] != 0) return "Dropout in training mode";
    if (int_attribute(node, "is_test", 1) == 0 && node.opset < 7) return "Dropout with is_test=0 (training)";
  }
  return std::nullopt;
}

void run_cast(const KernelCall& call) {
  const auto to = static_cast<DataType>(int_attribute(call.node, "to", 1));
  if (to == DataType::kFloat16) {
    return unary(call, [](float x) { return graph::half_to_float(graph::float_to_half(x)); });
  }
  if (to == DataType::kBfloat16) {
    return unary(call, [](float x) { return graph::bfloat16_to_float(graph::float_to_bfloat16(x)); });
  }
  unary(call, [](float x) { return x; });
}

std::optional<std::string> check_cast(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const auto to = static_cast<DataType>(int_attribute(node, "to", 0));
  const DataType from = tensor_dtype(program, input_name(node, 0));
  auto floating = [](DataType type) {
    return type == DataType::kFloat32 || type == DataType::kFloat16 || type == DataType::kFloat64 ||
           type == DataType::kBfloat16;
  };
  if (!floating(to) || !floating(from)) {
    return fmt::format("Cast from {} to {} (floating types only)", graph::dtype_name(from), graph::dtype_name(to));
  }
  // Cast to bfloat16 rounds to nearest even, as the arena's bfloat16 storage does (row_codec)
  // and ONNX Runtime; ONNX 1.12's expected outputs truncate instead: at most one bfloat16 ulp
  // apart, the tolerance the conformance tests allow bfloat16 (conformance_support.h).
  return std::nullopt;
}

void run_clip(const KernelCall& call) {
  float low = -std::numeric_limits<float>::infinity();
  float high = std::numeric_limits<float>::infinity();
  if (call.node.opset < 11) {
    low = float_attribute(call.node, "min", -std::numeric_limits<float>::max());
    high = float_attribute(call.node, "max", std::numeric_limits<float>::max());
  } else {
    if (call.has_input(1)) low = call.input(1).values().at(0);
    if (call.has_input(2)) high = call.input(2).values().at(0);
  }
  unary(call, [low, high](float x) {
    const float raised = x < low ? low : x;
    return raised > high ? high : raised;
  });
}

void run_binary(const KernelCall& call) {
  const Operand& a = call.input(0);
  const Operand& b = call.input(1);
  const std::string& op = call.node.op_type;
  auto apply = [&](auto f) { map_pairs(call.outputs[0], a, b, f); };
  if (op == "Add") return apply([](float x, float y) { return x + y; });
  if (op == "Sub") return apply([](float x, float y) { return x - y; });
  if (op == "Mul") return apply([](float x, float y) { return x * y; });
  if (op == "Div") return apply([](float x, float y) { return x / y; });
  if (op == "Pow") return apply([](float x, float y) { return std::pow(x, y); });
  throw std::invalid_argument(fmt::format("no binary kernel for {}", op));
}

void run_prelu(const KernelCall& call) {
  const Operand& x = call.input(0);
  const Operand& slope = call.input(1);
  // Before opset 7 a slope of shape [C] applies per channel (axis 1), not numpy-broadcast.
  const bool per_channel = call.node.opset < 7 && slope.rank() == 1 && x.rank() >= 3 && slope.shape()[0] != 1;
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    const float value = x.at(c);
    if (value >= 0.0f) return value;
    const float s = per_channel ? slope.data()[slope.index_offset(0, c[1])] : slope.broadcast_at(c);
    return s * value;
  });
}

void run_variadic(const KernelCall& call) {
  const std::string& op = call.node.op_type;
  std::vector<const Operand*> terms;
  for (size_t i = 0; i < call.operands.size(); ++i) {
    if (call.has_input(i)) terms.push_back(&call.input(i));
  }
  const float count = static_cast<float>(terms.size());
  const bool max = op == "Max";
  const bool min = op == "Min";
  const bool mean = op == "Mean";
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    float result = terms[0]->broadcast_at(c);
    for (size_t i = 1; i < terms.size(); ++i) {
      const float value = terms[i]->broadcast_at(c);
      if (max) {
        result = std::isnan(value) || value > result ? value : result;
      } else if (min) {
        result = std::isnan(value) || value < result ? value : result;
      } else {
        result += value;
      }
    }
    return mean ? result / count : result;
  });
}

}  // namespace bufopt::execute
