#pragma once
/// Reductions over any axes: ReduceSum / Mean / Max / Min / Prod / L1 / L2 / SumSquare /
/// LogSum / LogSumExp and GlobalAveragePool / GlobalMaxPool, as plain kernels (run_reduction)
/// and as streaming reductions (kernels.h's start / add / finish), both folding input rows in
/// the same order. Internal to the execute module.
#include "bufopt/execute/kernel_registry.h"

namespace bufopt::execute {

void run_reduction(const KernelCall& call);
std::optional<std::string> check_reduction(const graph::OperatorNode& node, const graph::ModelProgram& program);

}  // namespace bufopt::execute
