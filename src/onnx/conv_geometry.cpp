#include "bufopt/onnx/conv_geometry.h"

#include <initializer_list>

#include <fmt/format.h>

#include "bufopt/graph/checked_math.h"

namespace bufopt::onnx {

namespace {

/// The sum of `terms`, or a ShapeError when it leaves int64 (hostile attributes).
int64_t checked_sum(std::initializer_list<int64_t> terms) {
  int64_t sum = 0;
  for (int64_t term : terms) {
    const auto next = graph::checked_add(sum, term);
    if (!next) throw ShapeError("window arithmetic overflows 64 bits");
    sum = *next;
  }
  return sum;
}

void check_length(const std::vector<int64_t>& values, size_t expected, const char* what) {
  if (values.size() != expected) {
    throw ShapeError(fmt::format("{} has {} entries, expected {}", what, values.size(), expected));
  }
}

void check_positive(const std::vector<int64_t>& values, const char* what) {
  for (int64_t value : values) {
    if (value < 1) throw ShapeError(fmt::format("{} has a non-positive entry {}", what, value));
  }
}

/// d*(k-1)+1 without overflow.
int64_t effective_kernel(int64_t kernel, int64_t dilation) {
  const auto span = graph::checked_mul(dilation, kernel - 1);
  if (!span || *span >= (int64_t{1} << 62)) throw ShapeError("kernel extent overflows");
  return *span + 1;
}

}  // namespace

WindowAttributes window_attributes(const OpNode& node, size_t spatial_axes,
                                   const std::vector<int64_t>& kernel_from_weight) {
  WindowAttributes attributes;
  attributes.kernel = node.ints_attr("kernel_shape", kernel_from_weight);
  if (attributes.kernel.empty()) throw ShapeError("no kernel_shape");
  check_length(attributes.kernel, spatial_axes, "kernel_shape");
  check_positive(attributes.kernel, "kernel_shape");
  attributes.strides = node.ints_attr("strides", std::vector<int64_t>(spatial_axes, 1));
  check_length(attributes.strides, spatial_axes, "strides");
  check_positive(attributes.strides, "strides");
  attributes.dilations = node.ints_attr("dilations", std::vector<int64_t>(spatial_axes, 1));
  check_length(attributes.dilations, spatial_axes, "dilations");
  check_positive(attributes.dilations, "dilations");
  attributes.pads = node.ints_attr("pads", std::vector<int64_t>(2 * spatial_axes, 0));
  check_length(attributes.pads, 2 * spatial_axes, "pads");
  attributes.auto_pad = node.string_attr("auto_pad", "NOTSET");
  if (attributes.auto_pad.empty()) attributes.auto_pad = "NOTSET";
  if (attributes.auto_pad != "NOTSET" && attributes.auto_pad != "SAME_UPPER" && attributes.auto_pad != "SAME_LOWER" &&
      attributes.auto_pad != "VALID") {
    throw ShapeError(fmt::format("unknown auto_pad '{}'", attributes.auto_pad));
  }
  attributes.ceil_mode = node.int_attr("ceil_mode", 0) != 0;
  attributes.output_padding = node.ints_attr("output_padding", std::vector<int64_t>(spatial_axes, 0));
  check_length(attributes.output_padding, spatial_axes, "output_padding");
  attributes.output_shape = node.ints_attr("output_shape");
  if (attributes.output_shape.size() == spatial_axes + 2) {
    attributes.output_shape.erase(attributes.output_shape.begin(), attributes.output_shape.begin() + 2);
  }
  if (!attributes.output_shape.empty()) check_length(attributes.output_shape, spatial_axes, "output_shape");
  return attributes;
}

std::vector<AxisGeometry> window_geometry(const WindowAttributes& attributes, const std::vector<int64_t>& input) {
  const size_t axes = input.size();
  std::vector<AxisGeometry> result(axes);
  for (size_t i = 0; i < axes; ++i) {
    AxisGeometry& axis = result[i];
    axis.kernel = attributes.kernel[i];
    axis.stride = attributes.strides[i];
    axis.dilation = attributes.dilations[i];
    const int64_t k_eff = effective_kernel(axis.kernel, axis.dilation);
    const int64_t in = input[i];
    if (attributes.auto_pad == "SAME_UPPER" || attributes.auto_pad == "SAME_LOWER") {
      const int64_t out = graph::ceil_div(in, axis.stride);
      const int64_t total = std::max<int64_t>(0, (out - 1) * axis.stride + k_eff - in);
      const int64_t small_half = total / 2;
      const int64_t big_half = total - small_half;
      axis.pad_begin = attributes.auto_pad == "SAME_UPPER" ? small_half : big_half;
      axis.pad_end = attributes.auto_pad == "SAME_UPPER" ? big_half : small_half;
    } else if (attributes.auto_pad == "NOTSET") {
      axis.pad_begin = attributes.pads[i];
      axis.pad_end = attributes.pads[i + axes];
    }
    const int64_t padded = checked_sum({in, axis.pad_begin, axis.pad_end});
    const int64_t span = padded - k_eff;
    if (span < 0) {
      throw ShapeError(
          fmt::format("kernel extent {} is larger than the padded input {} on spatial axis {}", k_eff, padded, i));
    }
    axis.output = (attributes.ceil_mode ? graph::ceil_div(span, axis.stride) : graph::floor_div(span, axis.stride)) + 1;
  }
  return result;
}

std::vector<AxisGeometry> transposed_geometry(const WindowAttributes& attributes, const std::vector<int64_t>& input) {
  const size_t axes = input.size();
  std::vector<AxisGeometry> result(axes);
  const bool same = attributes.auto_pad == "SAME_UPPER" || attributes.auto_pad == "SAME_LOWER";
  for (size_t i = 0; i < axes; ++i) {
    AxisGeometry& axis = result[i];
    axis.kernel = attributes.kernel[i];
    axis.stride = attributes.strides[i];
    axis.dilation = attributes.dilations[i];
    const int64_t k_eff = effective_kernel(axis.kernel, axis.dilation);
    const auto stretched = graph::checked_mul(axis.stride, input[i] - 1);
    if (!stretched) throw ShapeError("ConvTranspose output overflows");
    const int64_t full = checked_sum({*stretched, attributes.output_padding[i], k_eff});
    if (!attributes.output_shape.empty() || same) {
      const auto same_out = graph::checked_mul(input[i], axis.stride);
      if (!same_out) throw ShapeError("ConvTranspose output overflows");
      const int64_t out = attributes.output_shape.empty() ? *same_out : attributes.output_shape[i];
      const int64_t total = checked_sum({full, -out});
      const int64_t small_half = total / 2;
      axis.pad_begin = attributes.auto_pad == "SAME_LOWER" ? total - small_half : small_half;
      axis.pad_end = total - axis.pad_begin;
      axis.output = out;
    } else {
      if (attributes.auto_pad == "NOTSET") {
        axis.pad_begin = attributes.pads[i];
        axis.pad_end = attributes.pads[i + axes];
      }
      axis.output = checked_sum({full, -axis.pad_begin, -axis.pad_end});
    }
    if (axis.output < 1)
      throw ShapeError(fmt::format("ConvTranspose output size {} on spatial axis {}", axis.output, i));
  }
  return result;
}

}  // namespace bufopt::onnx
