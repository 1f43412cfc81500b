#pragma once
/// Where the kernel window of a Conv / ConvTranspose / pooling node sits on each spatial axis:
/// kernel size, stride, dilation and leading pad, resolved from the attributes (auto_pad
/// included) and the input and output sizes. Internal to the execute module.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bufopt/graph/operator_program.h"

namespace bufopt::execute {

/// One spatial axis of a sliding window.
struct AxisWindow {
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t pad_begin = 0;  ///< rows of padding before the input
  int64_t pad_end = 0;
};

/// The axes of a Conv or pooling node reading spatial sizes `input` and writing `output`;
/// `kernel` is the kernel shape (from the weights for Conv, kernel_shape for pooling).
std::vector<AxisWindow> sliding_axes(const graph::OperatorNode& node, const std::vector<int64_t>& input,
                                     const std::vector<int64_t>& output, const std::vector<int64_t>& kernel);

/// The same for ConvTranspose (pads follow its own auto_pad / output_shape rule).
std::vector<AxisWindow> transposed_axes(const graph::OperatorNode& node, const std::vector<int64_t>& input,
                                        const std::vector<int64_t>& output, const std::vector<int64_t>& kernel);

/// Why the sliding-window node cannot run: rank other than 3 or 4 (1-D or 2-D), an unknown
/// auto_pad, or attributes of the wrong length; nullopt when it can. `input_rank` is the rank
/// of the data input (0 when unknown).
std::optional<std::string> check_sliding_window(const graph::OperatorNode& node, size_t input_rank);

}  // namespace bufopt::execute
