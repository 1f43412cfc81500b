#pragma once
/// Normalizations: BatchNormalization (inference), LRN, InstanceNormalization,
/// LayerNormalization, and Softmax / LogSoftmax / Hardmax (opset < 13: over the flattened
/// trailing axes; from 13: over one axis). A statistic over a slice is computed once per slice
/// in index order, so every output element has the same bits whatever the rows of the call.
/// Internal to the execute module.
#include "bufopt/execute/kernel_registry.h"

namespace bufopt::execute {

void run_batch_normalization(const KernelCall& call);
std::optional<std::string> check_batch_normalization(const graph::OperatorNode& node,
                                                     const graph::ModelProgram& program);
void run_lrn(const KernelCall& call);
void run_softmax(const KernelCall& call);
void run_instance_normalization(const KernelCall& call);
void run_layer_normalization(const KernelCall& call);
std::optional<std::string> check_layer_normalization(const graph::OperatorNode& node,
                                                     const graph::ModelProgram& program);

}  // namespace bufopt::execute
