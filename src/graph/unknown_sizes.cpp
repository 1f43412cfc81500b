#include "bufopt/graph/unknown_sizes.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace bufopt::graph {

std::vector<BufferId> unknown_size_buffers(const Graph& graph, bool stream_io) {
  std::vector<BufferId> ids;
  for (size_t i = 0; i < graph.buffers.size(); ++i) {
    const Buffer& buffer = graph.buffers[i];
    if (buffer.shape_known() || (buffer.io != IoRole::kNone && !stream_io)) continue;
    ids.push_back(static_cast<BufferId>(i));
  }
  return ids;
}

std::string shape_text(const Buffer& buffer) {
  if (buffer.shape_known()) return fmt::format("{}", fmt::join(buffer.shape, "x"));
  if (buffer.partial_shape.empty()) return "?";
  std::vector<std::string> dims;
  for (int64_t dim : buffer.partial_shape) dims.push_back(dim == kUnknownDim ? std::string("?") : std::to_string(dim));
  return fmt::format("{}", fmt::join(dims, "x"));
}

}  // namespace bufopt::graph
