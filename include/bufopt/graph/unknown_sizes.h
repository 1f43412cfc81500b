#pragma once
/// MODEL 9: tensors whose size is unknown (their shape depends on input values). Each is the
/// whole output of a barrier, one token of unknown size; the memory figures exclude it, so a
/// budget cannot be proved to fit while one is counted.
#include <string>
#include <vector>

#include "bufopt/graph/graph.h"

namespace bufopt::graph {

/// The buffers of unknown size the memory figures exclude but would count: every intermediate tensor,
/// and the graph inputs and outputs with `stream_io` (application-held I/O is in no figure).
std::vector<BufferId> unknown_size_buffers(const Graph& graph, bool stream_io);

/// "2x?" for a partly known shape, "?" when even the rank is unknown, "1x3x224x224" when known.
std::string shape_text(const Buffer& buffer);

}  // namespace bufopt::graph
