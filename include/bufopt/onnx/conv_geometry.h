#pragma once
/// Geometry of sliding-window operators (Conv, ConvTranspose, pooling) along each spatial axis,
/// computed exactly as ONNX's shape inference does: output sizes and the padding actually used.
#include <cstdint>
#include <string>
#include <vector>

#include "bufopt/onnx/op_node.h"

namespace bufopt::onnx {

/// One spatial axis of a windowed operator.
struct AxisGeometry {
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t dilation = 1;
  /// Padding before / after the input as ONNX applies it (auto_pad resolved). For
  /// ConvTranspose: the padding removed from the full transposed output.
  int64_t pad_begin = 0;
  int64_t pad_end = 0;
  int64_t output = 0;
  friend bool operator==(const AxisGeometry&, const AxisGeometry&) = default;
};

/// Attributes of a windowed operator with ONNX's defaults applied, one entry per spatial axis
/// (pads: all begins, then all ends).
struct WindowAttributes {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;
  /// "NOTSET", "SAME_UPPER", "SAME_LOWER" or "VALID".
  std::string auto_pad = "NOTSET";
  bool ceil_mode = false;
  /// ConvTranspose only.
  std::vector<int64_t> output_padding;
  std::vector<int64_t> output_shape;
};

/// Reads the attributes of `node` for `spatial_axes` axes; `kernel_from_weight` (the weight's
/// dims after the first two) supplies kernel_shape when the attribute is absent (Conv).
/// Throws ShapeError when an attribute has the wrong length or a non-positive entry.
WindowAttributes window_attributes(const OpNode& node, size_t spatial_axes,
                                   const std::vector<int64_t>& kernel_from_weight);

/// Conv / MaxPool / AveragePool / LpPool over input spatial sizes `input`.
/// Per axis: k_eff = d*(k-1)+1; SAME_UPPER / SAME_LOWER pad by
/// total = max(0, (ceil(in/s)-1)*s + k_eff - in) split with the larger half after (UPPER) or
/// before (LOWER); VALID pads nothing; otherwise the pads attribute. Then
/// out = floor-or-ceil((in + pad_begin + pad_end - k_eff) / s) + 1.
/// Throws ShapeError when the window does not fit (an output size below 1).
std::vector<AxisGeometry> window_geometry(const WindowAttributes& attributes, const std::vector<int64_t>& input);

/// ConvTranspose over input spatial sizes `input`.
/// Per axis: full = s*(in-1) + output_padding + k_eff; with output_shape (or SAME_* auto_pad,
/// where out = in*s) the padding is total = full - out, split as ONNX specifies (SAME_UPPER and
/// NOTSET: the smaller half before; SAME_LOWER: the larger half before); otherwise
/// out = full - pad_begin - pad_end. Throws ShapeError for an output size below 1.
std::vector<AxisGeometry> transposed_geometry(const WindowAttributes& attributes, const std::vector<int64_t>& input);

}  // namespace bufopt::onnx
