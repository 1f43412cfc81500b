#pragma once
/// The one table of the operators the kernels implement: op_type -> (kernel, support check).
/// unsupported_reason() and run_node() both look operators up here, so an operator is supported
/// exactly when it has a kernel. Internal to the execute module.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bufopt/execute/kernel_support.h"

namespace bufopt::execute {

/// Why a node of a known operator cannot run (attribute value, rank, dtype), or nullopt.
using SupportCheck = std::optional<std::string> (*)(const graph::OperatorNode&, const graph::ModelProgram&);
/// Computes the output rows of one node.
using Kernel = void (*)(const KernelCall&);

/// Which dtypes an operator's tensors may have beyond the common rule (every data input and
/// every output floating).
enum class DtypeRule {
  kFloating,        ///< data inputs and outputs floating
  kQuantizeOutput,  ///< outputs int8 / uint8 (QuantizeLinear)
  kQuantizedInput,  ///< data input 0 int8 / uint8 / int32 (DequantizeLinear)
  kOwnCheck,        ///< the operator's check decides (Cast, layout ops moving any numeric type)
};

/// One operator the kernels implement.
struct KernelEntry {
  std::string_view op_type;
  Kernel run = nullptr;
  SupportCheck check = nullptr;  ///< nullptr: the common checks only
  /// Inputs computed on (bit i for input i): their dtype must be floating; the others are
  /// parameters (weights and shapes may be of any numeric type).
  uint32_t data_inputs = 1;
  DtypeRule dtypes = DtypeRule::kFloating;
  /// Reduces over axes (Reduce*, Global*Pool): may run as a streaming reduction.
  bool reduction = false;
  /// Inputs the kernel never reads (bit i for input i) because the output window's shape
  /// already says what they say (Reshape's shape, Squeeze's axes, Resize's sizes): they need
  /// neither a window nor a constant.
  uint32_t unread_inputs = 0;
};

/// Every input of a variadic operator is data.
inline constexpr uint32_t kAllInputs = ~uint32_t{0};

/// The entry for `op_type` in the default ONNX domain, or nullptr.
const KernelEntry* find_kernel(std::string_view op_type);
/// The op_types of every entry, sorted.
std::vector<std::string> supported_operators();

}  // namespace bufopt::execute
