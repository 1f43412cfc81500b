#pragma once
/// A dense float32 tensor that holds only some rows of a larger tensor along its streaming
/// axis: what a kernel reads (an input window gathered from a ring) and writes (the output
/// rows of one firing). Layer by layer, a window holds every row.
#include <cstdint>
#include <optional>
#include <vector>

namespace bufopt::execute {

/// Rows [row_begin, row_end) of a tensor of shape `shape` along `axis`, in the tensor's own
/// axis order (row-major), i.e. a tensor of shape `shape` with shape[axis] replaced by
/// row_end - row_begin. Without a streaming axis the window holds the whole tensor.
struct TensorWindow {
  std::vector<int64_t> shape;  ///< the FULL tensor's shape
  std::optional<int> axis;     ///< streaming axis; nullopt: whole tensor
  int64_t row_begin = 0;
  int64_t row_end = 0;  ///< == shape[axis] (or 1 without an axis) when whole
  std::vector<float> data;
};

}  // namespace bufopt::execute
