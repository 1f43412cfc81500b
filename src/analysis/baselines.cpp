#include "bufopt/analysis/baselines.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "bufopt/analysis/arena.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

bool counted(const graph::Buffer& buffer, bool stream_io) {
  return buffer.io == graph::IoRole::kNone || stream_io;
}

/// When a whole tensor is live in the layer-by-layer order, in steps (step a runs actor a):
/// from its producer's step (a streamed graph input: step 0) to its last reader's step. A
/// streamed graph output is handed to the application at the end; a tensor nobody reads dies
/// with its producer's step.
Lifetime whole_tensor_lifetime(const graph::Graph& graph, const graph::Buffer& buffer) {
  const auto last_step = static_cast<int64_t>(graph.actors.size()) - 1;
  Lifetime lifetime;
  lifetime.first = buffer.producer == graph::kNoActor ? 0 : buffer.producer;
  lifetime.last = lifetime.first;
  for (graph::ActorId reader : buffer.consumers) lifetime.last = std::max<int64_t>(lifetime.last, reader);
  if (buffer.io == graph::IoRole::kOutput) lifetime.last = std::max<int64_t>(lifetime.last, last_step);
  return lifetime;
}

}  // namespace

Baselines whole_tensor_baselines(const graph::Graph& graph, bool stream_io) {
  Baselines baselines;
  std::vector<ArenaRequest> requests(graph.buffers.size());
  for (size_t b = 0; b < graph.buffers.size(); ++b) {
    const graph::Buffer& buffer = graph.buffers[b];
    if (!counted(buffer, stream_io)) continue;
    requests[b] = {buffer.tensor_bytes(), whole_tensor_lifetime(graph, buffer)};
    baselines.baseline_bytes = graph::checked_add(baselines.baseline_bytes, buffer.tensor_bytes())
                                   .value_or(std::numeric_limits<int64_t>::max());
  }
  baselines.baseline_shared_bytes = place_greedy_by_size(requests).size;
  baselines.live_peak_bytes = peak_live_bytes(requests);
  return baselines;
}

}  // namespace bufopt::analysis
