#include "bufopt/execute/quantize_kernels.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace bufopt::execute {

namespace {

using graph::DataType;

/// The scale or zero point that applies to the element at `c`: per tensor (one value) or per
/// channel along `axis`.
float parameter_at(const std::vector<float>& values, int axis, std::span<const int64_t> c) {
  if (values.size() == 1) return values[0];
  return values[static_cast<size_t>(c[static_cast<size_t>(axis)])];
}

/// The integer type QuantizeLinear produces: its zero point's, else its output's, else uint8.
DataType quantized_type(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const DataType zero_point = tensor_dtype(program, input_name(node, 2));
  if (zero_point != DataType::kUnknown) return zero_point;
  const DataType output = node.outputs.empty() ? DataType::kUnknown : tensor_dtype(program, node.outputs[0]);
  return output == DataType::kUnknown ? DataType::kUint8 : output;
}

}  // namespace

void run_quantize(const KernelCall& call) {
  const Operand& x = call.input(0);
  const std::vector<float> scale = call.input(1).values();
  const std::vector<float> zero_point = call.has_input(2) ? call.input(2).values() : std::vector<float>{0.0f};
  const int axis = scale.size() > 1 ? normalize_axis(int_attribute(call.node, "axis", 1), x.rank(), call.node) : 0;
  const bool is_signed = quantized_type(call.node, call.program) == DataType::kInt8;
  const float low = is_signed ? -128.0f : 0.0f;
  const float high = is_signed ? 127.0f : 255.0f;
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    const float scaled = std::nearbyint(x.at(c) / parameter_at(scale, axis, c));  // half to even
    return std::clamp(scaled + parameter_at(zero_point, axis, c), low, high);
  });
}

void run_dequantize(const KernelCall& call) {
  const Operand& x = call.input(0);
  const std::vector<float> scale = call.input(1).values();
  const std::vector<float> zero_point = call.has_input(2) ? call.input(2).values() : std::vector<float>{0.0f};
  const int axis = scale.size() > 1 ? normalize_axis(int_attribute(call.node, "axis", 1), x.rank(), call.node) : 0;
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    return (x.at(c) - parameter_at(zero_point, axis, c)) * parameter_at(scale, axis, c);
  });
}

std::optional<std::string> check_quantize(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const DataType input = tensor_dtype(program, input_name(node, 0));
  if (node.op_type == "QuantizeLinear") {
    const DataType type = quantized_type(node, program);
    if (type != DataType::kInt8 && type != DataType::kUint8) {
      return fmt::format("QuantizeLinear to {}", graph::dtype_name(type));
    }
  } else if (input != DataType::kInt8 && input != DataType::kUint8 && input != DataType::kInt32 &&
             input != DataType::kUnknown) {
    return fmt::format("DequantizeLinear of {}", graph::dtype_name(input));
  }
  if (int_attribute(node, "saturate", 1) != 1) return fmt::format("{} with saturate=0", node.op_type);
  return std::nullopt;
}

}  // namespace bufopt::execute
