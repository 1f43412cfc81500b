#pragma once
/// Placing buffers at offsets of one shared arena (MODEL 6).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bufopt/analysis/buffer_usage.h"
#include "bufopt/dataflow/network.h"

namespace bufopt::analysis {

/// One buffer to place: its bytes and when it lives. size 0 or lifetime.first < 0: not placed.
struct ArenaRequest {
  int64_t size = 0;
  Lifetime lifetime;
};

/// offsets[i] is request i's byte offset (0 for unplaced requests); size is the arena's extent.
struct ArenaPlan {
  std::vector<int64_t> offsets;
  int64_t size = 0;
};

/// Greedy by size, as TensorFlow Lite Micro's GreedyMemoryPlanner: requests sorted by size
/// (largest first, ties by index), each placed at the lowest offset where it overlaps no
/// already-placed request that is alive at the same time. Not optimal in general (the problem
/// is NP-complete); deterministic.
ArenaPlan place_greedy_by_size(std::span<const ArenaRequest> requests);

/// One request per channel of `network` (index = channel id): capacity_rows * row_bytes for a
/// counted channel (saturating), 0 for an uncounted one, with the channel's lifetime.
std::vector<ArenaRequest> channel_requests(const dataflow::Network& network, const BufferUsage& usage);

/// First fit in the given order of request indices: each request at the lowest offset where it
/// overlaps no already-placed request alive at the same time. One pass over the placed
/// requests (sorted by offset) per request, stopping at the first gap that fits: O(n^2) in the
/// worst case, with a small constant (lifetimes are stored next to the offsets).
ArenaPlan place_first_fit(std::span<const ArenaRequest> requests, std::span<const size_t> order);

/// The best of several first-fit orders: greedy by size, by start time, by size x lifetime, by
/// lifetime; stops early when a placement reaches peak_live_bytes (then it is optimal).
/// Never larger than place_greedy_by_size. Deterministic.
ArenaPlan place_arena(std::span<const ArenaRequest> requests);

/// The largest sum of sizes of requests alive at one moment: a lower bound on any placement.
int64_t peak_live_bytes(std::span<const ArenaRequest> requests);

}  // namespace bufopt::analysis
