#pragma once
/// QuantizeLinear (x / scale rounded half to even, plus the zero point, saturated to int8 or
/// uint8; values carried as float) and DequantizeLinear ((x - zero point) * scale), per tensor
/// or per axis. Internal to the execute module.
#include "bufopt/execute/kernel_registry.h"

namespace bufopt::execute {

void run_quantize(const KernelCall& call);
void run_dequantize(const KernelCall& call);
std::optional<std::string> check_quantize(const graph::OperatorNode& node, const graph::ModelProgram& program);

}  // namespace bufopt::execute
