#pragma once
/// Shared storage (MODEL 4.1) on one plan: in-place element-wise writes and zero-copy Concats,
/// which of them a plan's order allows, the capacity of a storage several buffers share, and the
/// per-buffer choice that makes the arena smallest.
///
/// In place: a chain X0 -> X1 -> ... -> Xk where the actor writing X(i+1) writes its output row r
/// into X(i)'s slot of row r (graph::in_place_inputs); every buffer of the chain is one ring.
/// The write of X(i+1) is allowed only when, at every firing of its writer writing rows [a, b),
/// every other reader of X(i) has released every row below b: no one still needs the rows it
/// overwrites. Zero-copy Concat: the producers of a Concat's inputs write their rows into their
/// slices of the output's rows (graph::zero_copy_slices); the inputs are slices of the output's
/// storage, which may start an in-place chain itself. The Concat's node stays in the order as a
/// step of no time (MODEL 4.1 Time: no work, no firing): its firing is the moment its rows are
/// readable, and it copies nothing.
///
/// With w the rows written and m the lowest release point of a buffer's readers, a storage's
/// resident rows are [freed, top): top is w(X0), or the most any slice has written; freed is
/// min(m(Xk), w(Xk)) for the chain's last buffer Xk, or for a Concat output without a chain
/// min(m, fewest rows any slice has written). A write into X0 or a slice occupies top - freed
/// rows (after it); a write in place or the Concat's step takes no new slot.
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

/// One zero-copy Concat of a plan: its node, its output (the storage) and its inputs (the
/// slices, in port order).
struct ZeroCopyConcat {
  dataflow::NodeId concat = 0;
  dataflow::ChannelId output = 0;
  std::vector<dataflow::ChannelId> slices;
  friend bool operator==(const ZeroCopyConcat&, const ZeroCopyConcat&) = default;
};

/// What a plan shares.
struct StorageChoice {
  std::vector<InPlaceWrite> writes;
  std::vector<ZeroCopyConcat> concats;
};

/// The writes `schedule` allows on `network` (built from `graph`): for each actor node in node
/// order, its first graph::in_place_inputs X in port order that no earlier write already writes
/// into and whose other readers, at every firing of the node, have released every row below
/// the end of the rows it writes.
std::vector<InPlaceWrite> allowed_in_place_writes(const graph::Graph& graph, const dataflow::Network& network,
                                                  const Schedule& schedule);

/// The Concats of `network` that can be zero-copy (graph::zero_copy_slices; any order allows
/// them, the capacity rule above makes room), in node order.
std::vector<ZeroCopyConcat> zero_copy_concats(const graph::Graph& graph, const dataflow::Network& network);

/// Per channel: the buffer whose storage it uses (a chain's first buffer, a slice's Concat
/// output), kOwnStorage for a buffer with its own (a storage's first buffer included). The
/// choice must not write in place into a slice.
std::vector<dataflow::ChannelId> storage_of_choice(size_t channels, const StorageChoice& choice);

/// The choice `storage_of` (storage_of_choice's result) stands for on `network`: a buffer read
/// by its storage's producer is a slice, any other shared buffer is written in place over its
/// writer's input of the same storage. Throws std::logic_error when neither holds.
StorageChoice choice_of(const dataflow::Network& network, std::span<const dataflow::ChannelId> storage_of);

/// measure_usage with the shared storages of `storage_of` (empty: none): each storage's
/// capacity by the header's rule, given to every buffer of it, and each buffer's lifetime
/// widened to its storage's (first write of any of its buffers to the last release of any).
/// Throws std::logic_error as measure_usage.
BufferUsage measure_shared_usage(const dataflow::Network& network, const Schedule& schedule,
                                 std::span<const dataflow::ChannelId> storage_of);

/// channel_requests with one request per storage: a buffer inside another's storage asks for
/// nothing (its bytes are its storage's).
std::vector<ArenaRequest> storage_requests(const dataflow::Network& network, const BufferUsage& usage,
                                           std::span<const dataflow::ChannelId> storage_of);

/// Per actor of `network`'s graph: true for the Concats `storage_of` makes zero-copy (their
/// inputs are slices of their output), which MODEL 4.1 times at nothing.
std::vector<bool> zero_copy_actors(const dataflow::Network& network, std::span<const dataflow::ChannelId> storage_of);

/// `plain` (an evaluation without shared storage, of `graph` under `options`) with the shared
/// storages that give the smallest (arena, FIFO sum): the allowed writes and the zero-copy
/// Concats, every one not in conflict (a write whose output is a slice gives way to the Concat;
/// the other way round is tried too), then, with `refine`, each dropped in turn while that makes
/// it smaller. Order and network are unchanged; time_s and slowdown drop by the zero-copy
/// Concats' time. `plain` itself when nothing makes it smaller. A storage's buffers all have
/// the storage's capacity, lifetime and offset.
Evaluation with_shared_storage(const graph::Graph& graph, Evaluation plain, const AnalysisOptions& options,
                               bool refine);

}  // namespace bufopt::analysis
