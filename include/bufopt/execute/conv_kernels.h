#pragma once
/// Conv (groups, dilations, strides, pads, auto_pad) and ConvTranspose over 1-D and 2-D inputs
/// streamed along H (axis 2). A 1-D input [N, C, L] is read as [N, C, L, 1]. Each output
/// element is its bias plus the products of its kernel window, summed over input channel,
/// kernel row, kernel column in that order (padding terms skipped), whatever the rows of the
/// call. Internal to the execute module.
#include "bufopt/execute/kernel_registry.h"

namespace bufopt::execute {

void run_conv(const KernelCall& call);
std::optional<std::string> check_conv(const graph::OperatorNode& node, const graph::ModelProgram& program);
void run_conv_transpose(const KernelCall& call);

}  // namespace bufopt::execute
