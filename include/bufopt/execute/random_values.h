#pragma once
/// Deterministic pseudo-random tensors: the inputs of `bufopt run` without --input (--seed), and
/// dense weights for models whose stored weights prove nothing (--random-weights: the zoo's are
/// all zero). The same seed gives the same values on every platform (splitmix64, no <random>
/// distribution whose algorithm the standard leaves open).
#include <cstdint>
#include <vector>

#include "bufopt/execute/plan_executor.h"
#include "bufopt/graph/graph.h"
#include "bufopt/graph/operator_program.h"

namespace bufopt::execute {

/// A tensor of `dtype` and `shape` filled from `seed`: floating types uniform in [-1, 1),
/// int8 / uint8 over their whole range, other integer types in [0, 4) (indices stay in
/// range), bool 0 or 1.
graph::ConstantTensor random_tensor(graph::DataType dtype, const std::vector<int64_t>& shape, uint64_t seed);

/// A value for every graph input buffer of `graph` not already in `given`, each from `seed`
/// mixed with the input's position among the graph inputs.
TensorMap random_inputs(const graph::Graph& graph, const TensorMap& given, uint64_t seed);

/// Replaces every floating weight of `program` by dense values from `seed`, scaled so that
/// activations keep their magnitude: a Conv / ConvTranspose / Gemm / MatMul weight uniform in
/// +-1/sqrt(fan_in), a bias or an additive constant in +-0.1, a multiplicative constant and a
/// BatchNormalization scale or variance in [0.5, 1.5), a BN mean or bias in +-0.1, PRelu slopes
/// in [0, 0.5). Shapes, dtypes, integer constants and every other constant (Resize scales, Clip
/// bounds, Pad values, quantisation scales) are kept. Returns the number of constants replaced.
int64_t randomize_weights(graph::ModelProgram& program, uint64_t seed);

}  // namespace bufopt::execute
