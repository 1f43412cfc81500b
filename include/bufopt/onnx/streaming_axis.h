#pragma once
/// The streaming axis of every activation tensor (MODEL 2).
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bufopt/onnx/op_node.h"
#include "bufopt/onnx/tensor_info.h"

namespace bufopt::onnx {

/// Every tensor of the model by name.
using TensorTable = std::unordered_map<std::string, TensorInfo>;

/// Chooses the streaming axis of each activation tensor (not constant, shape known, rank >= 3;
/// a tensor of rank <= 2 has none and is one token).
/// Steps:
///  1. Anchors: the data input and output of a spatial operator (Conv, ConvTranspose, pooling,
///     global pooling, the quantised convolutions) are NCHW-like: axis 2.
///  2. Links: an operator that keeps an axis's rows apart relates that axis of an input to an
///     axis of an output of the same size (element-wise ops with right-aligned broadcasting,
///     Transpose through its perm, Reshape / Squeeze / Unsqueeze / Flatten where the product of
///     the dims before the axis and the axis size agree, Concat / Split / Slice / Pad / Resize,
///     MatMul's batch and row axes, reductions over other axes, Gather off its axis).
///  3. Every anchor is fixed first; then a breadth-first walk from all anchors (in graph order)
///     over the links gives the axis to every tensor it reaches that has none yet (first come,
///     first served), so a layout change between two spatial operators is the barrier, not the
///     operators themselves. NHWC tensors of
///     tf2onnx exports get axis 1 through their layout Transposes, a [N,C,L] Conv1d output
///     followed by Unsqueeze and Transpose keeps streaming along L.
///  4. Every tensor still without an axis (graph inputs first, then node outputs in order) gets
///     the default, axis 2, and a walk starts from it too.
/// Guarantees nothing about an operator's own validity: the operator rules check that the axes
/// of an actor's inputs and outputs line up and make it a barrier otherwise.
std::unordered_map<std::string, int> assign_streaming_axes(const std::vector<const OpNode*>& actors,
                                                           const TensorTable& tensors,
                                                           const std::vector<std::string>& graph_inputs);

/// For an operator that only regroups the elements of its input in row-major order (Reshape,
/// Flatten, Squeeze, Unsqueeze): the axis of `to` holding exactly the rows of axis `axis` of
/// `from` (same size, same product of the dims before it), or nullopt.
std::optional<int> regrouped_axis(const std::vector<int64_t>& from, int axis, const std::vector<int64_t>& to);

}  // namespace bufopt::onnx
