#pragma once
/// Indices that name actors and buffers inside one Graph.
#include <cstdint>

namespace bufopt::graph {

/// Index of an actor in Graph::actors.
using ActorId = int32_t;
/// Index of a buffer in Graph::buffers.
using BufferId = int32_t;

/// "No actor": the producer of a graph input.
inline constexpr ActorId kNoActor = -1;
/// "No buffer" (Buffer::storage_of of a buffer with storage of its own).
inline constexpr BufferId kNoBuffer = -1;

}  // namespace bufopt::graph
