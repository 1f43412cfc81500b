#pragma once
/// Gemm (transA, transB, alpha, beta, C broadcast) and MatMul (numpy batch broadcasting, 1-D
/// operands promoted). Each output element sums its products over k in order. Internal to the
/// execute module.
#include "bufopt/execute/kernel_registry.h"

namespace bufopt::execute {

void run_gemm(const KernelCall& call);
void run_matmul(const KernelCall& call);
std::optional<std::string> check_matmul(const graph::OperatorNode& node, const graph::ModelProgram& program);

}  // namespace bufopt::execute
