#include "bufopt/analysis/arena.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>

#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

bool placed(const ArenaRequest& request) {
  return request.size > 0 && request.lifetime.first >= 0;
}

/// An already placed request: bytes [offset, end) during firings [first, last]. The lifetime
/// is kept inline so the scan below touches one array.
struct Block {
  int64_t offset = 0;
  int64_t end = 0;
  int64_t first = 0;
  int64_t last = 0;
};

/// The lowest offset where `request` fits between the blocks alive at the same time: one pass
/// over `blocks` (sorted by offset), skipping the others, stopping at the first gap that fits.
/// Blocks of equal offset may come in any order: the result does not depend on it.
int64_t first_fit_offset(const std::vector<Block>& blocks, const ArenaRequest& request) {
  const Lifetime& lifetime = request.lifetime;
  int64_t candidate = 0;
  for (const Block& block : blocks) {
    if (block.first > lifetime.last || lifetime.first > block.last) continue;  // never alive together
    if (graph::saturating_add(candidate, request.size) <= block.offset) break;
    candidate = std::max(candidate, block.end);
  }
  return candidate;
}

}  // namespace

ArenaPlan place_first_fit(std::span<const ArenaRequest> requests, std::span<const size_t> order) {
  ArenaPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<Block> blocks;  // placed so far, kept sorted by offset
  blocks.reserve(order.size());
  for (size_t index : order) {
    const ArenaRequest& request = requests[index];
    if (!placed(request)) continue;
    const int64_t offset = first_fit_offset(blocks, request);
    const Block block{offset, graph::saturating_add(offset, request.size), request.lifetime.first, request.lifetime.last};
    plan.offsets[index] = offset;
    plan.size = std::max(plan.size, block.end);
    auto position = std::upper_bound(blocks.begin(), blocks.end(), block,
                                     [](const Block& a, const Block& b) { return a.offset < b.offset; });
    blocks.insert(position, block);
  }
  return plan;
}

ArenaPlan place_greedy_by_size(std::span<const ArenaRequest> requests) {
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return requests[a].size > requests[b].size; });
  return place_first_fit(requests, order);
}

ArenaPlan place_arena(std::span<const ArenaRequest> requests) {
  ArenaPlan best = place_greedy_by_size(requests);
  const int64_t peak = peak_live_bytes(requests);
  auto duration = [&](size_t i) { return requests[i].lifetime.last - requests[i].lifetime.first + 1; };
  // Other first-fit orders, each a known-good heuristic for interval colouring; stop at the
  // peak, which no placement can beat.
  const std::vector<std::function<bool(size_t, size_t)>> orders = {
      [&](size_t a, size_t b) {  // by start time, larger first among equals
        if (requests[a].lifetime.first != requests[b].lifetime.first) return requests[a].lifetime.first < requests[b].lifetime.first;
        return requests[a].size > requests[b].size;
      },
      [&](size_t a, size_t b) {  // by size x lifetime (saturated: sizes may be saturated themselves)
        return graph::saturating_mul(requests[a].size, duration(a)) > graph::saturating_mul(requests[b].size, duration(b));
      },
      [&](size_t a, size_t b) { return duration(a) > duration(b); },
  };
  for (const auto& less : orders) {
    if (best.size <= peak) break;
    std::vector<size_t> order(requests.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), less);
    ArenaPlan plan = place_first_fit(requests, order);
    if (plan.size < best.size) best = std::move(plan);
  }
  return best;
}

std::vector<ArenaRequest> channel_requests(const dataflow::Network& network, const BufferUsage& usage) {
  std::vector<ArenaRequest> requests(network.channels.size());
  for (size_t c = 0; c < network.channels.size(); ++c) {
    const dataflow::Channel& channel = network.channels[c];
    requests[c].lifetime = usage.lifetimes.at(c);
    if (channel.counted) {
      requests[c].size = graph::checked_mul(usage.capacity_rows.at(c), channel.row_bytes).value_or(kSaturated);
    }
  }
  return requests;
}

int64_t peak_live_bytes(std::span<const ArenaRequest> requests) {
  // Sweep over lifetime ends: at equal times a request starting there counts before one ending
  // just before it (lifetimes are inclusive, so "last + 1" is when the bytes are free).
  std::vector<std::pair<int64_t, int64_t>> events;  // (time, +size or -size)
  for (const ArenaRequest& request : requests) {
    if (!placed(request)) continue;
    events.emplace_back(request.lifetime.first, request.size);
    events.emplace_back(graph::saturating_add(request.lifetime.last, 1), -request.size);
  }
  std::sort(events.begin(), events.end());  // at equal times frees (negative) come first
  int64_t live = 0;
  int64_t peak = 0;
  for (const auto& [time, delta] : events) {
    live = delta > 0 ? graph::saturating_add(live, delta) : live + delta;
    peak = std::max(peak, live);
  }
  return peak;
}

}  // namespace bufopt::analysis
