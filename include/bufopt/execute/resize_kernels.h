#pragma once
/// Resize and Upsample: nearest (round_prefer_floor / round_prefer_ceil / floor / ceil),
/// linear (N-linear over every resized axis) and cubic (cubic_coeff_a, exclude_outside; Resize
/// only) with every coordinate_transformation_mode of opset 11-18 (half_pixel,
/// pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn, tf_crop_and_resize).
/// Each output element is computed from its own coordinates. Antialias, axes and
/// keep_aspect_ratio_policy are refused. Internal to the execute module.
#include "bufopt/execute/kernel_registry.h"

namespace bufopt::execute {

void run_resize(const KernelCall& call);
std::optional<std::string> check_resize(const graph::OperatorNode& node, const graph::ModelProgram& program);

}  // namespace bufopt::execute
