#include "bufopt/execute/window_geometry.h"

#include <algorithm>

#include <fmt/format.h>

#include "bufopt/execute/kernel_support.h"

namespace bufopt::execute {

namespace {

std::vector<int64_t> per_axis(const graph::OperatorNode& node, const std::string& name, size_t axes,
                              int64_t fallback) {
  std::vector<int64_t> values = ints_attribute(node, name);
  if (values.size() != axes) values.assign(axes, fallback);
  return values;
}

}  // namespace

std::vector<AxisWindow> sliding_axes(const graph::OperatorNode& node, const std::vector<int64_t>& input,
                                     const std::vector<int64_t>& output, const std::vector<int64_t>& kernel) {
  const size_t axes = input.size();
  const std::vector<int64_t> strides = per_axis(node, "strides", axes, 1);
  const std::vector<int64_t> dilations = per_axis(node, "dilations", axes, 1);
  const std::vector<int64_t> pads = per_axis(node, "pads", 2 * axes, 0);
  const std::string auto_pad = string_attribute(node, "auto_pad", "NOTSET");
  std::vector<AxisWindow> result(axes);
  for (size_t i = 0; i < axes; ++i) {
    AxisWindow& axis = result[i];
    axis.kernel = kernel[i];
    axis.stride = strides[i];
    axis.dilation = dilations[i];
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t extent = (axis.kernel - 1) * axis.dilation + 1;
      const int64_t total = std::max<int64_t>(0, (output[i] - 1) * axis.stride + extent - input[i]);
      axis.pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      axis.pad_end = total - axis.pad_begin;
    } else if (auto_pad != "VALID") {
      axis.pad_begin = pads[i];
      axis.pad_end = pads[i + axes];
    }
  }
  return result;
}

std::vector<AxisWindow> transposed_axes(const graph::OperatorNode& node, const std::vector<int64_t>& input,
                                        const std::vector<int64_t>& output, const std::vector<int64_t>& kernel) {
  const size_t axes = input.size();
  const std::vector<int64_t> strides = per_axis(node, "strides", axes, 1);
  const std::vector<int64_t> dilations = per_axis(node, "dilations", axes, 1);
  const std::vector<int64_t> pads = per_axis(node, "pads", 2 * axes, 0);
  const std::vector<int64_t> output_padding = per_axis(node, "output_padding", axes, 0);
  const std::string auto_pad = string_attribute(node, "auto_pad", "NOTSET");
  const bool derived = has_attribute(node, "output_shape") || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  std::vector<AxisWindow> result(axes);
  for (size_t i = 0; i < axes; ++i) {
    AxisWindow& axis = result[i];
    axis.kernel = kernel[i];
    axis.stride = strides[i];
    axis.dilation = dilations[i];
    if (derived) {
      const int64_t extent = (axis.kernel - 1) * axis.dilation + 1;
      const int64_t total = axis.stride * (input[i] - 1) + output_padding[i] + extent - output[i];
      // SAME_LOWER puts the larger half first; SAME_UPPER and an explicit output_shape the
      // smaller (what ONNX's expected outputs show; a negative total extends the end).
      axis.pad_begin = auto_pad == "SAME_LOWER" ? total - total / 2 : total / 2;
      axis.pad_end = total - axis.pad_begin;
    } else if (auto_pad != "VALID") {
      axis.pad_begin = pads[i];
      axis.pad_end = pads[i + axes];
    }
  }
  return result;
}

std::optional<std::string> check_sliding_window(const graph::OperatorNode& node, size_t input_rank) {
  if (input_rank != 0 && input_rank != 3 && input_rank != 4) {
    return fmt::format("{} over {} spatial axes (1-D and 2-D only)", node.op_type, input_rank < 2 ? 0 : input_rank - 2);
  }
  const std::string auto_pad = string_attribute(node, "auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID") {
    return fmt::format("{} auto_pad {}", node.op_type, auto_pad);
  }
  return std::nullopt;
}

}  // namespace bufopt::execute
