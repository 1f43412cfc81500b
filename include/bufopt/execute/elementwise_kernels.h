#pragma once
/// Element-wise kernels: unary activations and math (Relu ... Erf, Cast, Clip), binary
/// arithmetic with numpy broadcasting (Add ... Pow, PRelu) and the variadic Sum / Mean / Max /
/// Min. Each output element depends only on the input elements at its (broadcast) coordinates.
/// Internal to the execute module.
#include "bufopt/execute/kernel_registry.h"

namespace bufopt::execute {

void run_unary(const KernelCall& call);
std::optional<std::string> check_unary(const graph::OperatorNode& node, const graph::ModelProgram& program);
void run_cast(const KernelCall& call);
std::optional<std::string> check_cast(const graph::OperatorNode& node, const graph::ModelProgram& program);
void run_clip(const KernelCall& call);
void run_binary(const KernelCall& call);
void run_prelu(const KernelCall& call);
void run_variadic(const KernelCall& call);

}  // namespace bufopt::execute
