#pragma once
/// In-place element-wise (MODEL 4.1) on one plan: which writes its order allows, the capacity
/// of a storage several buffers share, and the per-buffer choice that makes the arena smallest.
///
/// A storage is a chain X0 -> X1 -> ... -> Xk: the actor writing X(i+1) writes its output row r
/// into X(i)'s slot of row r (graph::in_place_inputs), so every buffer of the chain is one ring.
/// With w the rows written and m the lowest release point of a buffer's readers, the resident
/// rows are [min(m(Xk), w(Xk)), w(X0)): a row leaves the ring only once it reached the chain's
/// last buffer and every reader of that one released it. A write into X0 (its producer's
/// firing, rows [w, w')) occupies w' - min(m(Xk), w(Xk)) rows; a write in place takes no new
/// slot. The write of X(i+1) is allowed only when, at every firing of its writer writing rows
/// [a, b), every other reader of X(i) has released every row below b: no one still needs the
/// rows it overwrites.
#include <span>
#include <vector>

#include "bufopt/analysis/evaluate.h"

namespace bufopt::analysis {

/// Channel id "no channel" (a buffer with a storage of its own).
inline constexpr dataflow::ChannelId kOwnStorage = -1;

/// One in-place write: actor node `writer` writes channel `output` into the storage of its
/// input channel `input`.
struct InPlaceWrite {
  dataflow::NodeId writer = 0;
  dataflow::ChannelId input = 0;
  dataflow::ChannelId output = 0;
  friend bool operator==(const InPlaceWrite&, const InPlaceWrite&) = default;
};

/// The writes `schedule` allows on `network` (built from `graph`): for each actor node in node
/// order, its first graph::in_place_inputs X in port order that no earlier write already writes
/// into and whose other readers, at every firing of the node, have released every row below
/// the end of the rows it writes.
std::vector<InPlaceWrite> allowed_in_place_writes(const graph::Graph& graph, const dataflow::Network& network,
                                                  const Schedule& schedule);

/// Per channel: the first buffer of its chain of `writes` (the storage it uses), kOwnStorage
/// for a buffer no write goes out of (a storage's first buffer included).
std::vector<dataflow::ChannelId> storage_of_writes(size_t channels, std::span<const InPlaceWrite> writes);

/// measure_usage with the shared storages of `storage_of` (storage_of_writes; empty: none):
/// each storage's capacity by the header's rule, given to every buffer of it, and each
/// buffer's lifetime widened to its storage's (first write of any of its buffers to the last
/// release of any). Throws std::logic_error as measure_usage.
BufferUsage measure_shared_usage(const dataflow::Network& network, const Schedule& schedule,
                                 std::span<const dataflow::ChannelId> storage_of);

/// channel_requests with one request per storage: a buffer inside another's storage asks for
/// nothing (its bytes are its storage's).
std::vector<ArenaRequest> storage_requests(const dataflow::Network& network, const BufferUsage& usage,
                                           std::span<const dataflow::ChannelId> storage_of);

/// `plain` (an evaluation without shared storage) with the allowed in-place writes that give
/// the smallest (arena, FIFO sum): every allowed write, then, with `refine`, each write dropped
/// in turn while that makes it smaller. Order, network and time are unchanged; `plain` itself
/// when no write makes it smaller. Offsets of a storage's buffers are the storage's.
Evaluation with_in_place_writes(const graph::Graph& graph, Evaluation plain, bool refine);

}  // namespace bufopt::analysis
