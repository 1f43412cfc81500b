#pragma once
/// bufopt's own shape rules: the dtype and static shape of every output of an operator, from
/// the dtypes, shapes and (where an operator's output size depends on them) the constant values
/// of its inputs. Used for every operator it covers, and to complete what ONNX's own inference
/// leaves unknown or cannot do (newer opsets, failed inference).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bufopt/onnx/op_node.h"
#include "bufopt/onnx/tensor_info.h"

namespace bufopt::onnx {

/// The inputs of one node in port order; nullptr for an omitted optional input.
using NodeInputs = std::vector<const TensorInfo*>;

/// True when bufopt has a shape rule for `node` (default domain, operator known).
bool has_shape_rule(const OpNode& node);

/// One TensorInfo per output of `node` (dtype and shape; no values, not constant). When an
/// input shape, or a constant the output size depends on, is unknown, every output is unknown
/// with the reason. Throws ShapeError when the node cannot be valid for its inputs.
/// Precondition: has_shape_rule(node).
std::vector<TensorInfo> infer_output_shapes(const OpNode& node, const NodeInputs& inputs);

/// True when a PRelu `node`'s slope of shape `slope` applies per channel (axis 1 of an input of
/// shape `x`): before opset 7 a slope of shape [C] did (the operator's version-specific rule),
/// where numpy broadcasting (opset 7 on) aligns it with the last axis. The executor's PRelu
/// kernel follows the same condition.
bool prelu_per_channel(const OpNode& node, const std::vector<int64_t>& x, const std::vector<int64_t>& slope);

/// `axis` in [-rank, rank) made non-negative; throws ShapeError when out of range.
int64_t normalize_axis(int64_t axis, int64_t rank);

/// Numpy-style multidirectional broadcast of two shapes; throws ShapeError when they do not
/// broadcast.
std::vector<int64_t> broadcast_shapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

/// The axes a Reduce* / Squeeze / Unsqueeze node names: the attribute in older opsets, input 1
/// in newer ones.
struct AxesArgument {
  bool present = false;  ///< false: the node names no axes (all axes / every size-1 axis)
  bool known = true;     ///< false: the axes input is not a constant
  std::vector<int64_t> axes;
};
/// The axes argument of `node` (its "axes" attribute, else input 1).
AxesArgument axes_argument(const OpNode& node, const NodeInputs& inputs);

/// Slice parameters resolved against the input shape, one entry per input axis.
struct SliceAxis {
  int64_t start = 0;
  int64_t step = 1;
  int64_t size = 0;  ///< output size along the axis
};
/// Resolves a Slice node's starts/ends/axes/steps (attributes before opset 10, inputs after)
/// against `shape` with ONNX's clamping rules; nullopt when one of them is not a constant.
std::optional<std::vector<SliceAxis>> resolve_slice(const OpNode& node, const NodeInputs& inputs,
                                                    const std::vector<int64_t>& shape);

/// Resolves a Pad node's pads (attribute before opset 11, input after; axes input from 18) to
/// [begin..., end...] over all axes of a tensor of `rank`; nullopt when not a constant.
std::optional<std::vector<int64_t>> resolve_pads(const OpNode& node, const NodeInputs& inputs, size_t rank);

/// What a Resize / Upsample node does to each axis of its input.
struct ResizeScales {
  std::vector<double> scales;   ///< output/input scale per axis, as ONNX's coordinate transform uses it
  std::vector<int64_t> output;  ///< output shape
};
/// Resolves a Resize (opset 10: scales; 11+: scales or sizes; 18: axes, keep_aspect_ratio_policy)
/// or Upsample (attribute before opset 9, input after) over input `shape`; sizes are
/// floor(in * scale) in single precision as ONNX computes them. nullopt when scales / sizes are
/// not constants; ShapeError when they are malformed.
std::optional<ResizeScales> resolve_resize(const OpNode& node, const NodeInputs& inputs,
                                           const std::vector<int64_t>& shape);

}  // namespace bufopt::onnx
