#pragma once
/// How the output rows of an actor map onto the rows of one of its inputs, along the streaming
/// axes of both tensors (MODEL section 3). The dataflow module turns a RowMap into per-row windows.
#include <cstdint>
#include <variant>

namespace bufopt::graph {

/// Output row r reads input rows [r*stride - pad_begin, r*stride - pad_begin + dilation*(kernel-1)+1),
/// clamped to the input. Covers Conv / pooling (kernel, stride, dilation, top pad), element-wise
/// ops (the defaults: identity), Slice along the axis (stride = step, pad_begin = -start), Pad
/// along the axis (pad_begin = top pad) and Concat along the axis (pad_begin = the input's offset
/// in the output). pad_begin may be negative.
struct SlidingWindow {
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t pad_begin = 0;
  friend bool operator==(const SlidingWindow&, const SlidingWindow&) = default;
};

/// ConvTranspose along the axis: input row i contributes to output rows i*stride - pad_begin +
/// j*dilation for j in [0, kernel). Output row r reads every input row that contributes to it.
/// DepthToSpace with block b is {kernel=b, stride=b}; nearest integer upsampling likewise.
struct TransposedWindow {
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t pad_begin = 0;
  friend bool operator==(const TransposedWindow&, const TransposedWindow&) = default;
};

/// Resize / Upsample along the axis (ONNX Resize semantics).
struct ResizeRows {
  enum class Interpolation { kNearest, kLinear, kCubic };
  /// ONNX coordinate_transformation_mode.
  enum class Coordinates {
    kHalfPixel,
    kPytorchHalfPixel,
    kAlignCorners,
    kAsymmetric,
    kTfHalfPixelForNn,
  };
  /// ONNX nearest_mode (used with kNearest only).
  enum class Rounding { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };
  Interpolation interpolation = Interpolation::kNearest;
  Coordinates coordinates = Coordinates::kHalfPixel;
  Rounding rounding = Rounding::kRoundPreferFloor;
  /// Output/input scale along the axis as ONNX uses it for the coordinate transform (the
  /// `scales` input, or out_rows / in_rows when `sizes` was given).
  double scale = 1.0;
  friend bool operator==(const ResizeRows&, const ResizeRows&) = default;
};

/// The input is read whole by one firing (barrier input: Flatten, Gemm, Softmax over the axis,
/// global pooling, a Transpose moving the axis, unknown operators).
struct WholeInput {
  friend bool operator==(const WholeInput&, const WholeInput&) = default;
};

/// A broadcast input with one row (e.g. the [N,C,1,1] scale of a squeeze-excite Mul): every
/// firing reads its single row, which is released after the last firing.
struct BroadcastRow {
  friend bool operator==(const BroadcastRow&, const BroadcastRow&) = default;
};

using RowMap = std::variant<SlidingWindow, TransposedWindow, ResizeRows, WholeInput, BroadcastRow>;

/// True when output row r reads input row r alone (an element-wise map of equal heights).
inline bool is_identity(const RowMap& map) {
  const auto* window = std::get_if<SlidingWindow>(&map);
  return window != nullptr && *window == SlidingWindow{};
}

}  // namespace bufopt::graph
