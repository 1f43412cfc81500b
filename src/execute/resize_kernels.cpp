#include "bufopt/execute/resize_kernels.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace bufopt::execute {

namespace {

/// How one axis maps output indices to input coordinates.
struct AxisMap {
  int64_t in = 1;
  int64_t out = 1;
  double scale = 1;
  /// The resized length the coordinate formulas use: in * scale unrounded when scales are
  /// given (as ONNX's reference computes it), else the output size.
  double resized = 1;
  double roi_start = 0;
  double roi_end = 1;
};

struct ResizeMode {
  bool linear = false;
  std::string coordinates;
  std::string nearest;
  float extrapolation = 0;
};

ResizeMode resize_mode(const graph::OperatorNode& node) {
  ResizeMode mode;
  const std::string name = string_attribute(node, "mode", "nearest");
  mode.linear = name == "linear" || name == "bilinear";
  const bool legacy = node.op_type == "Upsample" || node.opset < 11;
  mode.coordinates = legacy ? "asymmetric" : string_attribute(node, "coordinate_transformation_mode", "half_pixel");
  mode.nearest = legacy ? "floor" : string_attribute(node, "nearest_mode", "round_prefer_floor");
  mode.extrapolation = float_attribute(node, "extrapolation_value", 0.0f);
  return mode;
}

/// The scales given to the node (attribute or input), or empty when it gives sizes.
std::vector<float> given_scales(const KernelCall& call) {
  if (call.node.op_type == "Upsample" && call.node.opset < 9) return floats_attribute(call.node, "scales");
  const size_t input = call.node.op_type == "Upsample" || call.node.opset < 11 ? 1 : 2;
  if (!call.has_input(input) || call.input(input).elements() == 0) return {};
  return call.input(input).values();
}

/// The input coordinate of output index `x` on `axis`.
double original_coordinate(const ResizeMode& mode, const AxisMap& axis, int64_t x) {
  const auto xr = static_cast<double>(x);
  const std::string& c = mode.coordinates;
  if (c == "half_pixel") return (xr + 0.5) / axis.scale - 0.5;
  if (c == "pytorch_half_pixel") return axis.resized > 1 ? (xr + 0.5) / axis.scale - 0.5 : 0.0;
  if (c == "align_corners") {
    return axis.resized == 1 ? 0.0 : xr * static_cast<double>(axis.in - 1) / (axis.resized - 1);
  }
  if (c == "tf_half_pixel_for_nn") return (xr + 0.5) / axis.scale;
  if (c == "tf_crop_and_resize") {
    const double extent = static_cast<double>(axis.in - 1);
    if (axis.resized == 1) return 0.5 * (axis.roi_start + axis.roi_end) * extent;
    return axis.roi_start * extent + xr * (axis.roi_end - axis.roi_start) * extent / (axis.resized - 1);
  }
  return xr / axis.scale;  // asymmetric
}

int64_t nearest_index(const std::string& rule, double x) {
  const double below = std::floor(x);
  if (rule == "floor") return static_cast<int64_t>(below);
  if (rule == "ceil") return static_cast<int64_t>(std::ceil(x));
  if (x - below == 0.5) return static_cast<int64_t>(rule == "round_prefer_ceil" ? below + 1 : below);
  return static_cast<int64_t>(std::round(x));
}

}  // namespace

void run_resize(const KernelCall& call) {
  const Operand& x = call.input(0);
  TensorWindow& out = call.outputs[0];
  const ResizeMode mode = resize_mode(call.node);
  const std::vector<float> scales = given_scales(call);
  const size_t rank = out.shape.size();
  std::vector<AxisMap> axes(rank);
  std::vector<float> roi;
  if (mode.coordinates == "tf_crop_and_resize" && call.has_input(1)) roi = call.input(1).values();
  for (size_t d = 0; d < rank; ++d) {
    AxisMap& axis = axes[d];
    axis.in = x.shape()[d];
    axis.out = out.shape[d];
    axis.scale = scales.size() == rank ? static_cast<double>(scales[d])
                                       : static_cast<double>(axis.out) / static_cast<double>(axis.in);
    axis.resized = scales.size() == rank ? static_cast<double>(axis.in) * axis.scale : static_cast<double>(axis.out);
    if (roi.size() == 2 * rank) {
      axis.roi_start = roi[d];
      axis.roi_end = roi[d + rank];
    }
  }
  const bool crop = mode.coordinates == "tf_crop_and_resize";
  std::vector<int64_t> low(rank);
  std::vector<int64_t> high(rank);
  std::vector<double> weight(rank);
  std::vector<int64_t> at(rank);
  fill_output(out, [&](std::span<const int64_t> c) {
    for (size_t d = 0; d < rank; ++d) {
      const AxisMap& axis = axes[d];
      if (axis.in == axis.out && axis.scale == 1.0 && !crop) {  // an axis left alone
        low[d] = high[d] = c[d];
        weight[d] = 0;
        continue;
      }
      double original = original_coordinate(mode, axis, c[d]);
      if (crop && (original < 0 || original > static_cast<double>(axis.in - 1))) return mode.extrapolation;
      if (!mode.linear) {
        low[d] = high[d] = std::clamp<int64_t>(nearest_index(mode.nearest, original), 0, axis.in - 1);
        weight[d] = 0;
        continue;
      }
      original = std::clamp(original, 0.0, static_cast<double>(axis.in - 1));
      low[d] = static_cast<int64_t>(std::floor(original));
      high[d] = std::min(low[d] + 1, axis.in - 1);
      weight[d] = original - static_cast<double>(low[d]);
    }
    // Blend the 2^k corners in a fixed order: corner bit d set = the high index on axis d.
    double result = 0;
    const size_t corners = size_t{1} << rank;
    for (size_t corner = 0; corner < corners; ++corner) {
      double factor = 1;
      bool skip = false;
      for (size_t d = 0; d < rank && !skip; ++d) {
        const bool upper = (corner >> d) & 1;
        if (upper && low[d] == high[d]) skip = true;  // that corner is the lower one again
        factor *= upper ? weight[d] : (low[d] == high[d] ? 1.0 : 1.0 - weight[d]);
        at[d] = upper ? high[d] : low[d];
      }
      if (skip || factor == 0) continue;
      result += factor * static_cast<double>(x.at(at));
    }
    return static_cast<float>(result);
  });
}

std::optional<std::string> check_resize(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const std::string mode = string_attribute(node, "mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "bilinear") return fmt::format("{} mode {}", node.op_type, mode);
  if (node.op_type == "Resize" && node.opset >= 11) {
    const std::string coordinates = string_attribute(node, "coordinate_transformation_mode", "half_pixel");
    static constexpr std::string_view kModes[] = {"half_pixel",   "pytorch_half_pixel",   "align_corners",
                                                  "asymmetric",   "tf_half_pixel_for_nn", "tf_crop_and_resize"};
    if (std::find(std::begin(kModes), std::end(kModes), coordinates) == std::end(kModes)) {
      return fmt::format("Resize coordinate_transformation_mode {}", coordinates);
    }
    const std::string nearest = string_attribute(node, "nearest_mode", "round_prefer_floor");
    if (nearest != "round_prefer_floor" && nearest != "round_prefer_ceil" && nearest != "floor" && nearest != "ceil") {
      return fmt::format("Resize nearest_mode {}", nearest);
    }
  }
  if (int_attribute(node, "antialias", 0) != 0) return "Resize with antialias";
  if (has_attribute(node, "axes")) return "Resize with axes";
  if (string_attribute(node, "keep_aspect_ratio_policy", "stretch") != "stretch") {
    return "Resize keep_aspect_ratio_policy other than stretch";
  }
  const auto shape = tensor_shape(program, input_name(node, 0));
  if (shape && shape->size() > 6) return fmt::format("Resize of rank {}", shape->size());
  return std::nullopt;
}

}  // namespace bufopt::execute
