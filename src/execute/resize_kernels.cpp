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
  bool cubic = false;
  float cubic_a = -0.75f;
  bool exclude_outside = false;
  std::string coordinates;
  std::string nearest;
  float extrapolation = 0;
};

ResizeMode resize_mode(const graph::OperatorNode& node) {
  ResizeMode mode;
  const std::string name = string_attribute(node, "mode", "nearest");
  mode.linear = name == "linear" || name == "bilinear";
  mode.cubic = name == "cubic";
  mode.cubic_a = float_attribute(node, "cubic_coeff_a", -0.75f);
  mode.exclude_outside = int_attribute(node, "exclude_outside", 0) != 0;
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

/// For one output index on one axis: the input indices it reads with their weights (1 for
/// nearest, 2 for linear, 4 for cubic), and whether the position falls outside the input
/// (tf_crop_and_resize's extrapolation).
struct Taps {
  std::vector<int64_t> index;
  std::vector<double> weight;
  bool outside = false;
};

/// Keys' cubic convolution weight of a tap at distance `t` (ONNX's cubic_coeff_a = a).
double cubic_weight(double t, double a) {
  t = std::fabs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/// The four cubic taps around `original` on an axis of `size` inputs: indices clamped to the
/// edge, or (exclude_outside) the outside ones weighted 0 and the rest renormalised.
Taps cubic_taps(double original, int64_t size, float a, bool exclude_outside, bool outside) {
  Taps taps;
  taps.outside = outside;
  const double below = std::floor(original);
  const double s = original - below;
  const auto first = static_cast<int64_t>(below) - 1;
  const double distances[4] = {s + 1, s, 1 - s, 2 - s};
  double total = 0;
  for (int k = 0; k < 4; ++k) {
    const int64_t index = first + k;
    double weight = cubic_weight(distances[k], a);
    if (exclude_outside && (index < 0 || index >= size)) weight = 0;
    taps.index.push_back(std::clamp<int64_t>(index, 0, size - 1));
    taps.weight.push_back(weight);
    total += weight;
  }
  if (exclude_outside && total != 0) {
    for (double& weight : taps.weight) weight /= total;
  }
  return taps;
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
  // Per axis and output index: the two input indices, the weight of the upper one, and whether
  // the position falls outside the input (tf_crop_and_resize's extrapolation).
  std::vector<std::vector<Taps>> taps(rank);
  std::vector<size_t> resized_axes;
  for (size_t d = 0; d < rank; ++d) {
    const AxisMap& axis = axes[d];
    const bool alone = axis.in == axis.out && axis.scale == 1.0 && !crop;
    if (!alone) resized_axes.push_back(d);
    taps[d].resize(static_cast<size_t>(axis.out));
    for (int64_t x_out = 0; x_out < axis.out; ++x_out) {
      Taps& tap = taps[d][static_cast<size_t>(x_out)];
      if (alone) {
        tap.index = {x_out};
        tap.weight = {1.0};
        continue;
      }
      double original = original_coordinate(mode, axis, x_out);
      tap.outside = crop && (original < 0 || original > static_cast<double>(axis.in - 1));
      if (mode.cubic) {
        tap = cubic_taps(original, axis.in, mode.cubic_a, mode.exclude_outside, tap.outside);
      } else if (mode.linear) {
        original = std::clamp(original, 0.0, static_cast<double>(axis.in - 1));
        const auto low = static_cast<int64_t>(std::floor(original));
        const double upper = original - static_cast<double>(low);
        tap.index = {low};
        tap.weight = {1.0 - upper};
        if (upper != 0) {
          tap.index.push_back(std::min(low + 1, axis.in - 1));
          tap.weight.push_back(upper);
        }
      } else {
        tap.index = {std::clamp<int64_t>(nearest_index(mode.nearest, original), 0, axis.in - 1)};
        tap.weight = {1.0};
      }
    }
  }
  std::vector<int64_t> at(rank);
  std::vector<size_t> pick(resized_axes.size());
  fill_output(out, [&](std::span<const int64_t> c) {
    for (size_t d = 0; d < rank; ++d) {
      const Taps& tap = taps[d][static_cast<size_t>(c[d])];
      if (tap.outside) return mode.extrapolation;
      at[d] = tap.index[0];
    }
    // Sum weight products over every combination of the resized axes' taps, odometer order
    // (the last resized axis fastest).
    double result = 0;
    std::fill(pick.begin(), pick.end(), 0);
    while (true) {
      double factor = 1;
      for (size_t i = 0; i < resized_axes.size(); ++i) {
        const Taps& tap = taps[resized_axes[i]][static_cast<size_t>(c[resized_axes[i]])];
        factor *= tap.weight[pick[i]];
        at[resized_axes[i]] = tap.index[pick[i]];
      }
      if (factor != 0) result += factor * static_cast<double>(x.at(at));
      size_t i = resized_axes.size();
      while (i > 0) {
        --i;
        const Taps& tap = taps[resized_axes[i]][static_cast<size_t>(c[resized_axes[i]])];
        if (++pick[i] < tap.index.size()) break;
        pick[i] = 0;
        if (i == 0) return static_cast<float>(result);
      }
      if (resized_axes.empty()) return static_cast<float>(result);
    }
  });
}

std::optional<std::string> check_resize(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const std::string mode = string_attribute(node, "mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "bilinear" && mode != "cubic") {
    return fmt::format("{} mode {}", node.op_type, mode);
  }
  if (mode == "cubic" && node.op_type == "Upsample") return "Upsample mode cubic";
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
