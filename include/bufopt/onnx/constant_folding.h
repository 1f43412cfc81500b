#pragma once
/// Evaluation of constant and shape-only subgraphs (Shape -> Gather -> Concat -> Reshape and
/// the like), so that Reshape / Resize / Pad / Expand / Slice targets become known. Folded nodes
/// never become actors.
#include <cstdint>
#include <vector>

#include "bufopt/onnx/op_node.h"
#include "bufopt/onnx/shape_rules.h"
#include "bufopt/onnx/tensor_info.h"

namespace bufopt::onnx {

/// Largest constant the folder computes, in elements (shape arithmetic is tiny; weights are
/// never needed as values).
inline constexpr int64_t kMaxFoldElements = int64_t{1} << 20;

/// True when `node` is folded away: it reads only constants (and has no subgraph), or it is a
/// Shape / Size of a tensor whose shape is known. Constant nodes count as folded too.
bool is_foldable(const OpNode& node, const NodeInputs& inputs);

/// Fills `outputs[i].values` of a folded node from its inputs' values, for the operators the
/// folder evaluates: Shape, Size, Identity, Dropout, Cast, CastLike, Reshape, Flatten, Squeeze,
/// Unsqueeze, Concat, Split, Gather, Slice, Transpose, Expand, Tile, ConstantOfShape, Range,
/// NonZero, Where, Not, Neg, Abs, Floor, Ceil, Round, Sqrt, Reciprocal, Exp, Log, Relu, Sign,
/// Add, Sub, Mul, Div, Mod, Pow, Max, Min, Sum, Mean, Equal, Less, Greater, LessOrEqual,
/// GreaterOrEqual, And, Or, Xor, ReduceSum, ReduceProd, ReduceMin, ReduceMax, ReduceMean.
/// Leaves the values unset when an input lacks values, an output has more than
/// kMaxFoldElements elements or an unknown shape, the operation is undefined (integer division
/// by zero), or the operator is not one of these. `outputs` come from infer_output_shapes.
void fold_values(const OpNode& node, const NodeInputs& inputs, std::vector<TensorInfo>& outputs);

}  // namespace bufopt::onnx
