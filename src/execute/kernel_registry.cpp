#include "bufopt/execute/kernel_registry.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "bufopt/execute/conv_kernels.h"
#include "bufopt/execute/elementwise_kernels.h"
#include "bufopt/execute/layout_kernels.h"
#include "bufopt/execute/matmul_kernels.h"
#include "bufopt/execute/normalization_kernels.h"
#include "bufopt/execute/pool_kernels.h"
#include "bufopt/execute/quantize_kernels.h"
#include "bufopt/execute/reduction_kernels.h"
#include "bufopt/execute/resize_kernels.h"

namespace bufopt::execute {

namespace {

using graph::DataType;

constexpr uint32_t kFirst = 1;
constexpr uint32_t kFirstTwo = 3;
constexpr uint32_t kFirstThree = 7;

KernelEntry unary(std::string_view op) { return {op, run_unary, check_unary, kFirst, DtypeRule::kFloating, false, 0}; }
KernelEntry entry(std::string_view op, Kernel run, SupportCheck check = nullptr, uint32_t data = kFirst,
                  DtypeRule dtypes = DtypeRule::kFloating) {
  return {op, run, check, data, dtypes, false, 0};
}
/// An operator whose parameter input `unread` is implied by the output shape.
KernelEntry shaped(std::string_view op, Kernel run, uint32_t unread, SupportCheck check = nullptr) {
  return {op, run, check, kFirst, DtypeRule::kFloating, false, unread};
}
KernelEntry reduction(std::string_view op) {
  return {op, run_reduction, check_reduction, kFirst, DtypeRule::kFloating, true, 0};
}

/// THE table: every operator the kernels implement. Sorted by op_type at first use.
std::vector<KernelEntry> make_table() {
  std::vector<KernelEntry> table = {
      // element-wise (elementwise_kernels.cpp)
      unary("Relu"), unary("LeakyRelu"), unary("Sigmoid"), unary("HardSigmoid"), unary("HardSwish"), unary("Tanh"),
      unary("Identity"), unary("Dropout"), unary("Log"), unary("Sqrt"), unary("Exp"), unary("Abs"), unary("Neg"),
      unary("Reciprocal"), unary("Erf"), unary("Softplus"), unary("Softsign"), unary("Mish"), unary("Elu"),
      unary("Celu"), unary("Selu"), unary("ThresholdedRelu"), unary("Shrink"), unary("Floor"), unary("Ceil"),
      unary("Round"), unary("Sign"), unary("Sin"), unary("Cos"), unary("Tan"), unary("Asin"), unary("Acos"),
      unary("Atan"), unary("Sinh"), unary("Cosh"), unary("Asinh"), unary("Acosh"), unary("Atanh"),
      entry("Cast", run_cast, check_cast, 0, DtypeRule::kOwnCheck), entry("Clip", run_clip),
      entry("Add", run_binary, nullptr, kFirstTwo), entry("Sub", run_binary, nullptr, kFirstTwo),
      entry("Mul", run_binary, nullptr, kFirstTwo), entry("Div", run_binary, nullptr, kFirstTwo),
      entry("Pow", run_binary), entry("PRelu", run_prelu, nullptr, kFirstTwo),
      entry("Sum", run_variadic, nullptr, kAllInputs), entry("Mean", run_variadic, nullptr, kAllInputs),
      entry("Max", run_variadic, nullptr, kAllInputs), entry("Min", run_variadic, nullptr, kAllInputs),
      // layout (layout_kernels.cpp)
      entry("Concat", run_concat, nullptr, kAllInputs), shaped("Split", run_split, 2), entry("Slice", run_slice),
      entry("Pad", run_pad, check_pad), entry("Transpose", run_transpose), shaped("Reshape", run_regroup, 2),
      entry("Flatten", run_regroup), shaped("Squeeze", run_regroup, 2), shaped("Unsqueeze", run_regroup, 2),
      shaped("Expand", run_expand, 2), entry("DepthToSpace", run_depth_to_space, check_depth_to_space),
      entry("SpaceToDepth", run_space_to_depth, check_depth_to_space), entry("Gather", run_gather),
      // sliding windows (conv_kernels.cpp, pool_kernels.cpp)
      entry("Conv", run_conv, check_conv, kFirstThree), entry("ConvTranspose", run_conv_transpose, check_conv, kFirstThree),
      entry("MaxPool", run_pool, check_pool), entry("AveragePool", run_pool, check_pool),
      entry("LpPool", run_pool, check_pool),
      // reductions (reduction_kernels.cpp)
      reduction("ReduceMean"), reduction("ReduceSum"), reduction("ReduceMax"), reduction("ReduceMin"),
      reduction("ReduceProd"), reduction("ReduceL1"), reduction("ReduceL2"), reduction("ReduceSumSquare"),
      reduction("ReduceLogSum"), reduction("ReduceLogSumExp"), reduction("GlobalAveragePool"),
      reduction("GlobalMaxPool"),
      // normalizations (normalization_kernels.cpp)
      entry("BatchNormalization", run_batch_normalization, check_batch_normalization, 0x1f),
      entry("LRN", run_lrn), entry("Softmax", run_softmax), entry("LogSoftmax", run_softmax),
      entry("Hardmax", run_softmax), entry("InstanceNormalization", run_instance_normalization, nullptr, kFirstThree),
      entry("LayerNormalization", run_layer_normalization, check_layer_normalization, kFirstThree),
      // matrix products (matmul_kernels.cpp)
      entry("Gemm", run_gemm, nullptr, kFirstThree), entry("MatMul", run_matmul, check_matmul, kFirstTwo),
      // resampling (resize_kernels.cpp)
      shaped("Resize", run_resize, 8, check_resize), entry("Upsample", run_resize, check_resize),
      // int8 QDQ (quantize_kernels.cpp)
      entry("QuantizeLinear", run_quantize, check_quantize, kFirst, DtypeRule::kQuantizeOutput),
      entry("DequantizeLinear", run_dequantize, check_quantize, kFirst, DtypeRule::kQuantizedInput),
  };
  std::sort(table.begin(), table.end(), [](const KernelEntry& a, const KernelEntry& b) { return a.op_type < b.op_type; });
  return table;
}

const std::vector<KernelEntry>& table() {
  static const std::vector<KernelEntry> kTable = make_table();
  return kTable;
}

bool is_floating(DataType type) {
  return type == DataType::kFloat32 || type == DataType::kFloat16 || type == DataType::kFloat64 ||
         type == DataType::kBfloat16;
}

/// The common dtype rule: data inputs and outputs floating, unless the entry says otherwise.
std::optional<std::string> check_dtypes(const KernelEntry& entry, const graph::OperatorNode& node,
                                        const graph::ModelProgram& program) {
  if (entry.dtypes == DtypeRule::kOwnCheck) return std::nullopt;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (i >= 32 ? entry.data_inputs != kAllInputs : ((entry.data_inputs >> i) & 1) == 0) continue;
    if (node.inputs[i].empty()) continue;
    const DataType type = tensor_dtype(program, node.inputs[i]);
    if (type == DataType::kUnknown || is_floating(type)) continue;
    const bool quantized = type == DataType::kInt8 || type == DataType::kUint8 || type == DataType::kInt32;
    if (entry.dtypes == DtypeRule::kQuantizedInput && i == 0 && quantized) continue;
    return fmt::format("{} on {} (integer tensors are not executed)", node.op_type, graph::dtype_name(type));
  }
  for (const std::string& output : node.outputs) {
    if (output.empty()) continue;
    const DataType type = tensor_dtype(program, output);
    if (type == DataType::kUnknown || is_floating(type)) continue;
    if (entry.dtypes == DtypeRule::kQuantizeOutput && (type == DataType::kInt8 || type == DataType::kUint8)) continue;
    return fmt::format("{} producing {} (integer tensors are not executed)", node.op_type, graph::dtype_name(type));
  }
  return std::nullopt;
}

}  // namespace

const KernelEntry* find_kernel(std::string_view op_type) {
  const auto& entries = table();
  const auto found = std::lower_bound(entries.begin(), entries.end(), op_type,
                                      [](const KernelEntry& e, std::string_view op) { return e.op_type < op; });
  return found != entries.end() && found->op_type == op_type ? &*found : nullptr;
}

std::vector<std::string> supported_operators() {
  std::vector<std::string> names;
  for (const KernelEntry& e : table()) names.emplace_back(e.op_type);
  return names;
}

std::optional<std::string> unsupported_reason(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  if (!node.domain.empty() && node.domain != "ai.onnx") {
    return fmt::format("operator {} of domain {}", node.op_type, node.domain);
  }
  const KernelEntry* entry = find_kernel(node.op_type);
  if (!entry) return fmt::format("operator {}", node.op_type);
  if (entry->check) {
    if (auto reason = entry->check(node, program)) return reason;
  }
  return check_dtypes(*entry, node, program);
}

void run_node(const graph::OperatorNode& node, const graph::ModelProgram& program,
              std::span<const TensorWindow* const> inputs, std::span<TensorWindow> outputs) {
  const KernelEntry* entry = find_kernel(node.op_type);
  if (!entry || (!node.domain.empty() && node.domain != "ai.onnx")) {
    throw std::invalid_argument(fmt::format("no kernel for '{}' ({})", node.name, node.op_type));
  }
  if (outputs.empty()) throw std::invalid_argument(fmt::format("'{}' ({}) given no output", node.name, node.op_type));
  const KernelCall call{node, program, gather_operands(node, program, inputs, entry->unread_inputs), outputs};
  entry->run(call);
}

}  // namespace bufopt::execute
