#pragma once
/// MaxPool, AveragePool (ceil_mode, count_include_pad, dilations) and LpPool over 1-D and 2-D
/// inputs streamed along H. Each output element folds its window's elements kernel row by
/// kernel row, column by column, whatever the rows of the call. Internal to the execute module.
#include "bufopt/execute/kernel_registry.h"

namespace bufopt::execute {

void run_pool(const KernelCall& call);
std::optional<std::string> check_pool(const graph::OperatorNode& node, const graph::ModelProgram& program);

}  // namespace bufopt::execute
