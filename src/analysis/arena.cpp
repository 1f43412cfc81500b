#include "bufopt/analysis/arena.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>

#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

int64_t saturating_add(int64_t a, int64_t b) {
  return graph::checked_add(a, b).value_or(kSaturated);
}

bool placed(const ArenaRequest& request) {
  return request.size > 0 && request.lifetime.first >= 0;
}

/// An already placed request: [offset, offset + size) for the lifetime of request `index`.
struct Block {
  int64_t offset = 0;
  int64_t end = 0;
  size_t index = 0;
};

/// The lowest offset where `size` bytes fit between `blocks` (sorted by offset).
int64_t first_gap(const std::vector<Block>& blocks, int64_t size) {
  int64_t candidate = 0;
  for (const Block& block : blocks) {
    if (saturating_add(candidate, size) <= block.offset) break;
    candidate = std::max(candidate, block.end);
  }
  return candidate;
}

}  // namespace

ArenaPlan place_first_fit(std::span<const ArenaRequest> requests, std::span<const size_t> order) {
  ArenaPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<Block> blocks;  // placed so far, kept sorted by offset
  std::vector<Block> alive;
  for (size_t index : order) {
    const ArenaRequest& request = requests[index];
    if (!placed(request)) continue;
    alive.clear();
    for (const Block& block : blocks) {
      if (requests[block.index].lifetime.overlaps(request.lifetime)) alive.push_back(block);
    }
    const int64_t offset = first_gap(alive, request.size);
    const Block block{offset, saturating_add(offset, request.size), index};
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
      [&](size_t a, size_t b) { return requests[a].size * duration(a) > requests[b].size * duration(b); },
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
    events.emplace_back(saturating_add(request.lifetime.last, 1), -request.size);
  }
  std::sort(events.begin(), events.end());  // at equal times frees (negative) come first
  int64_t live = 0;
  int64_t peak = 0;
  for (const auto& [time, delta] : events) {
    live = delta > 0 ? saturating_add(live, delta) : live + delta;
    peak = std::max(peak, live);
  }
  return peak;
}

}  // namespace bufopt::analysis
