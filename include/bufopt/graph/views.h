#pragma once
/// Views (MODEL 4.1): a Reshape / Flatten / Squeeze / Unsqueeze whose output has the same bytes
/// as its input in the storage layout is no copy; its output is its input's storage.
#include <cstdint>
#include <optional>
#include <span>

#include "bufopt/graph/graph.h"
#include "bufopt/graph/operator_program.h"

namespace bufopt::graph {

/// A tensor split around its streaming axis: `outer` elements before it, `rows` along it,
/// `inner` after it (a tensor without a streaming axis: outer = 1, one row). Storage row r holds
/// outer x inner elements in axis order (MODEL 4.1 layout).
struct RowSplit {
  int64_t outer = 1;
  int64_t rows = 1;
  int64_t inner = 1;
  friend bool operator==(const RowSplit&, const RowSplit&) = default;
};

/// The split of `shape` around `streaming_axis` (checked products; nullopt on overflow, on a
/// negative dim, or on an axis out of range).
std::optional<RowSplit> row_split(std::span<const int64_t> shape, std::optional<int> streaming_axis);

/// True when a row-major regrouping from (in_shape, in_axis) to (out_shape, out_axis) leaves
/// every storage byte where it is: the same rows, and each row the same elements in the same
/// order. Derivation: storage byte of element (o, h, i) is h*B + (o*I + i)*e and its row-major
/// index is (o*H + h)*I + i. With H_in == H_out = H: H == 1 makes both orders the plain
/// row-major order of the whole tensor; H > 1 needs the same row for every element, which holds
/// for all elements iff O_in == O_out and I_in == I_out. H_in != H_out changes the row size.
/// The element counts must match (a regrouping never changes them).
bool same_storage_bytes(std::span<const int64_t> in_shape, std::optional<int> in_axis,
                        std::span<const int64_t> out_shape, std::optional<int> out_axis);

/// True when actor `actor` is a view: a Reshape / Flatten / Squeeze / Unsqueeze with nothing
/// fused into it, one activation input and one output of known shapes, the same dtype and
/// element bytes, same_storage_bytes, and neither buffer a graph input or output (held by the
/// application: never aliased, with or without --stream-io).
bool is_view(const Graph& graph, ActorId actor);

/// Returns `graph` without its view actors (is_view, taken in graph order; a view whose output
/// is read by an actor that also reads its storage, directly or through another view, stays a
/// copy: one firing never reads one storage through two ports). Every buffer keeps its id: a
/// view's output loses its producer and readers and names its storage in Buffer::storage_of, its
/// readers read the storage buffer instead (same rows, so their row maps hold unchanged). Actor
/// ids are renumbered; Graph::views records each elimination.
Graph eliminate_views(const Graph& graph);

/// `program` (parallel to the graph eliminate_views was given) without the eliminated actors,
/// parallel to `viewed` (its result).
ModelProgram without_view_actors(const ModelProgram& program, const Graph& viewed);

}  // namespace bufopt::graph
