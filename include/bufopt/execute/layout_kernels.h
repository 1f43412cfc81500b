#pragma once
/// Kernels that move elements without arithmetic: Concat, Split, Slice, Pad, Transpose, the
/// regroupings Reshape / Flatten / Squeeze / Unsqueeze, Expand, DepthToSpace / SpaceToDepth,
/// Gather. Each maps an output element's absolute coordinates to one input element (or the pad
/// value). Output shapes come from the output windows. Internal to the execute module.
#include "bufopt/execute/kernel_registry.h"

namespace bufopt::execute {

void run_concat(const KernelCall& call);
void run_split(const KernelCall& call);
void run_slice(const KernelCall& call);
void run_pad(const KernelCall& call);
std::optional<std::string> check_pad(const graph::OperatorNode& node, const graph::ModelProgram& program);
void run_transpose(const KernelCall& call);
void run_regroup(const KernelCall& call);
void run_expand(const KernelCall& call);
void run_depth_to_space(const KernelCall& call);
std::optional<std::string> check_depth_to_space(const graph::OperatorNode& node, const graph::ModelProgram& program);
void run_space_to_depth(const KernelCall& call);
void run_gather(const KernelCall& call);

}  // namespace bufopt::execute
