#pragma once
/// Whole-tensor reference points users compare against (MODEL 6).
#include <cstdint>

#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

struct Baselines {
  /// Every counted tensor its own buffer, whole (no sharing).
  int64_t baseline_bytes = 0;
  /// Layer by layer in the model's node order, whole tensors sharing one arena by lifetime,
  /// placed greedy by size, no in-place reuse (what ONNX Runtime / TFLite allocate).
  int64_t baseline_shared_bytes = 0;
  /// That order's maximum of simultaneously live bytes.
  int64_t live_peak_bytes = 0;
};

/// Counted tensors are the non-I/O buffers, plus graph inputs and outputs when stream_io.
Baselines whole_tensor_baselines(const graph::Graph& graph, bool stream_io);

}  // namespace bufopt::analysis
