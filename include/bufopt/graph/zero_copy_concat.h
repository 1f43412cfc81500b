#pragma once
/// Zero-copy Concat (MODEL 4.1), the part that depends on the graph alone: a Concat whose every
/// input's producer can write its rows straight into its slice of the Concat's output rows.
/// Whether a plan does is the analysis's choice (analysis/shared_storage.h).
#include <cstdint>
#include <optional>
#include <vector>

#include "bufopt/graph/graph.h"

namespace bufopt::graph {

/// Where one input lives inside each row of the Concat's output: bytes [begin, end) of the row.
struct ConcatSlice {
  BufferId input = kNoBuffer;
  int64_t begin = 0;
  int64_t end = 0;
  friend bool operator==(const ConcatSlice&, const ConcatSlice&) = default;
};

/// The slices of `actor`'s inputs in its output's rows, in port order, when it is a zero-copy
/// Concat: a Concat with nothing fused into it and one output, on an axis that is not the
/// streaming axis, every input of the output's rows, dtype, element bytes and streaming axis,
/// read through the identity row map, each read once and by this actor alone, written by an
/// actor, and neither a graph input or output nor a view (nor the output). A slice must be one
/// run of bytes in the row layout (MODEL 4.1: a row holds the tensor's elements in axis order
/// without the streaming axis), so every axis before the concat axis other than the streaming
/// one has size 1 (channel concat of a batch-1 NCHW tensor). nullopt otherwise.
std::optional<std::vector<ConcatSlice>> zero_copy_slices(const Graph& graph, ActorId actor);

}  // namespace bufopt::graph
