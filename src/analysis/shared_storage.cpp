#include "bufopt/analysis/shared_storage.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include "bufopt/graph/checked_math.h"
#include "bufopt/graph/in_place.h"

namespace bufopt::analysis {

namespace {

using dataflow::ChannelId;
using dataflow::Network;
using dataflow::NodeId;

/// Release points of every reader port while an order is replayed.
class Releases {
 public:
  explicit Releases(const Network& network) : network_(network), released_(network.nodes.size()) {
    readers_.resize(network.channels.size());
    for (size_t n = 0; n < network.nodes.size(); ++n) {
      const auto& inputs = network.nodes[n].inputs;
      released_[n].assign(inputs.size(), 0);
      for (size_t p = 0; p < inputs.size(); ++p) readers_.at(static_cast<size_t>(inputs[p].channel)).push_back({n, p});
    }
  }

  /// After firing `phase` of node `n`.
  void release(size_t n, int64_t phase) {
    const auto& inputs = network_.nodes[n].inputs;
    for (size_t p = 0; p < inputs.size(); ++p) released_[n][p] = inputs[p].release.at(static_cast<size_t>(phase));
  }

  /// m of MODEL 4: the lowest release point of the channel's readers; every row when nobody reads.
  int64_t lowest(ChannelId channel) const {
    int64_t low = std::numeric_limits<int64_t>::max();
    for (const auto& [n, p] : readers_[static_cast<size_t>(channel)]) low = std::min(low, released_[n][p]);
    return low;
  }

  /// The lowest release point of the channel's readers other than node `except`.
  int64_t lowest_except(ChannelId channel, size_t except) const {
    int64_t low = std::numeric_limits<int64_t>::max();
    for (const auto& [n, p] : readers_[static_cast<size_t>(channel)]) {
      if (n != except) low = std::min(low, released_[n][p]);
    }
    return low;
  }

 private:
  const Network& network_;
  std::vector<std::vector<std::pair<size_t, size_t>>> readers_;
  std::vector<std::vector<int64_t>> released_;
};

/// Rows [begin, end) output port `port` writes at `phase`.
std::pair<int64_t, int64_t> rows_written(const dataflow::OutputPort& port, int64_t phase) {
  const auto f = static_cast<size_t>(phase);
  return {f > 0 ? port.written[f - 1] : 0, port.written.at(f)};
}

/// One possible write and whether the order has kept it allowed so far.
struct Candidate {
  InPlaceWrite write;
  bool allowed = true;
};

std::vector<std::vector<Candidate>> candidates_by_node(const graph::Graph& graph, const Network& network) {
  std::vector<std::vector<Candidate>> by_node(network.nodes.size());
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const dataflow::Node& node = network.nodes[n];
    if (node.kind != dataflow::NodeKind::kActor || node.outputs.size() != 1) continue;
    for (graph::BufferId input : graph::in_place_inputs(graph, node.actor)) {
      by_node[n].push_back({{static_cast<NodeId>(n), input, node.outputs[0].channel}});
    }
  }
  return by_node;
}

/// The last buffer of each storage's chain, by storage (its first buffer).
std::vector<ChannelId> last_of_storage(std::span<const ChannelId> storage_of, size_t channels,
                                       std::span<const InPlaceWrite> writes) {
  std::vector<ChannelId> last(channels);
  for (size_t c = 0; c < channels; ++c) last[c] = static_cast<ChannelId>(c);
  // A chain's writes follow data order, so following each write from its storage's last
  // buffer reaches the end.
  std::vector<ChannelId> next(channels, kOwnStorage);
  for (const InPlaceWrite& write : writes) next[static_cast<size_t>(write.input)] = write.output;
  for (size_t c = 0; c < channels; ++c) {
    if (c < storage_of.size() && storage_of[c] >= 0) continue;
    ChannelId end = static_cast<ChannelId>(c);
    while (next[static_cast<size_t>(end)] != kOwnStorage) end = next[static_cast<size_t>(end)];
    last[c] = end;
  }
  return last;
}

/// Recovers the writes from storage_of and the network: each shared buffer's producer writes it
/// into the input of the same storage it reads.
std::vector<InPlaceWrite> writes_of(const Network& network, std::span<const ChannelId> storage_of) {
  std::vector<InPlaceWrite> writes;
  for (size_t c = 0; c < storage_of.size(); ++c) {
    if (storage_of[c] < 0) continue;
    const NodeId writer = network.channels[c].producer;
    if (writer == dataflow::kNoNode) throw std::logic_error("a shared buffer has no writer");
    const auto storage = [&](ChannelId x) { return storage_of[static_cast<size_t>(x)] >= 0 ? storage_of[static_cast<size_t>(x)] : x; };
    bool found = false;
    for (const dataflow::InputPort& port : network.nodes[static_cast<size_t>(writer)].inputs) {
      if (storage(port.channel) == storage_of[c]) {
        writes.push_back({writer, port.channel, static_cast<ChannelId>(c)});
        found = true;
        break;
      }
    }
    if (!found) throw std::logic_error("a shared buffer's writer reads none of its storage");
  }
  return writes;
}

bool smaller(const Evaluation& a, const Evaluation& b) {
  return std::pair(a.arena.size, a.fifo_bytes) < std::pair(b.arena.size, b.fifo_bytes);
}

/// `plain` with exactly `writes` taken.
Evaluation sharing(const Evaluation& plain, std::span<const InPlaceWrite> writes) {
  Evaluation shared = plain;
  shared.storage_of = storage_of_writes(plain.network.channels.size(), writes);
  shared.usage = measure_shared_usage(shared.network, shared.schedule, shared.storage_of);
  const std::vector<ArenaRequest> requests = storage_requests(shared.network, shared.usage, shared.storage_of);
  shared.arena = place_arena(requests);
  shared.fifo_bytes = 0;
  for (const ArenaRequest& request : requests) {
    shared.fifo_bytes = graph::checked_add(shared.fifo_bytes, request.size).value_or(std::numeric_limits<int64_t>::max());
  }
  for (size_t c = 0; c < shared.storage_of.size(); ++c) {
    if (shared.storage_of[c] >= 0) shared.arena.offsets[c] = shared.arena.offsets[static_cast<size_t>(shared.storage_of[c])];
  }
  return shared;
}

}  // namespace

std::vector<InPlaceWrite> allowed_in_place_writes(const graph::Graph& graph, const Network& network,
                                                  const Schedule& schedule) {
  std::vector<std::vector<Candidate>> by_node = candidates_by_node(graph, network);
  if (std::all_of(by_node.begin(), by_node.end(), [](const auto& c) { return c.empty(); })) return {};
  Releases releases(network);
  std::vector<int64_t> fired(network.nodes.size(), 0);
  for (NodeId id : schedule.firings) {
    const auto n = static_cast<size_t>(id);
    const int64_t phase = fired.at(n)++;
    for (Candidate& candidate : by_node[n]) {
      const auto [begin, end] = rows_written(network.nodes[n].outputs[0], phase);
      if (end > begin && releases.lowest_except(candidate.write.input, n) < end) candidate.allowed = false;
    }
    releases.release(n, phase);
  }
  std::vector<InPlaceWrite> writes;
  std::vector<bool> written_into(network.channels.size(), false);
  for (const auto& candidates : by_node) {
    for (const Candidate& candidate : candidates) {
      if (!candidate.allowed || written_into[static_cast<size_t>(candidate.write.input)]) continue;
      written_into[static_cast<size_t>(candidate.write.input)] = true;
      writes.push_back(candidate.write);
      break;
    }
  }
  return writes;
}

std::vector<ChannelId> storage_of_writes(size_t channels, std::span<const InPlaceWrite> writes) {
  if (writes.empty()) return {};
  std::vector<ChannelId> input_of(channels, kOwnStorage);
  for (const InPlaceWrite& write : writes) input_of.at(static_cast<size_t>(write.output)) = write.input;
  std::vector<ChannelId> storage(channels, kOwnStorage);
  for (const InPlaceWrite& write : writes) {
    ChannelId first = write.input;
    while (input_of[static_cast<size_t>(first)] != kOwnStorage) first = input_of[static_cast<size_t>(first)];
    storage[static_cast<size_t>(write.output)] = first;
  }
  return storage;
}

BufferUsage measure_shared_usage(const Network& network, const Schedule& schedule,
                                 std::span<const ChannelId> storage_of) {
  BufferUsage usage = measure_usage(network, schedule);
  if (storage_of.empty()) return usage;
  const size_t channels = network.channels.size();
  const std::vector<InPlaceWrite> writes = writes_of(network, storage_of);
  const std::vector<ChannelId> last = last_of_storage(storage_of, channels, writes);
  auto shared = [&](size_t c) { return storage_of[c] >= 0; };
  std::vector<bool> first_of_chain(channels, false);
  for (const InPlaceWrite& write : writes) first_of_chain[static_cast<size_t>(storage_of[static_cast<size_t>(write.output)])] = true;
  // Replay: each storage's occupancy at the writes into its first buffer.
  Releases releases(network);
  std::vector<int64_t> written(channels, 0);
  std::vector<int64_t> capacity(channels, 0);
  std::vector<int64_t> fired(network.nodes.size(), 0);
  for (NodeId id : schedule.firings) {
    const auto n = static_cast<size_t>(id);
    const int64_t phase = fired.at(n)++;
    for (const dataflow::OutputPort& port : network.nodes[n].outputs) {
      const auto c = static_cast<size_t>(port.channel);
      const int64_t end = port.written.at(static_cast<size_t>(phase));
      if (first_of_chain[c]) {
        const ChannelId tail = last[c];
        const int64_t freed = std::min(releases.lowest(tail), written[static_cast<size_t>(tail)]);
        capacity[c] = std::max(capacity[c], end - freed);
      }
      written[c] = std::max(written[c], end);
    }
    releases.release(n, phase);
  }
  for (size_t c = 0; c < channels; ++c) {
    if (!first_of_chain[c]) continue;
    usage.capacity_rows[c] = capacity[c];
  }
  // Every buffer of a storage: the storage's capacity and the union of their lifetimes.
  std::vector<Lifetime> storage_life(channels);
  for (size_t c = 0; c < channels; ++c) {
    const size_t s = shared(c) ? static_cast<size_t>(storage_of[c]) : c;
    const Lifetime& own = usage.lifetimes[c];
    Lifetime& life = storage_life[s];
    if (own.first < 0) continue;
    life.first = life.first < 0 ? own.first : std::min(life.first, own.first);
    life.last = std::max(life.last, own.last);
  }
  for (size_t c = 0; c < channels; ++c) {
    const size_t s = shared(c) ? static_cast<size_t>(storage_of[c]) : c;
    if (!first_of_chain[s]) continue;
    usage.lifetimes[c] = storage_life[s];
    usage.capacity_rows[c] = usage.capacity_rows[s];
  }
  return usage;
}

std::vector<ArenaRequest> storage_requests(const Network& network, const BufferUsage& usage,
                                           std::span<const ChannelId> storage_of) {
  std::vector<ArenaRequest> requests = channel_requests(network, usage);
  for (size_t c = 0; c < storage_of.size() && c < requests.size(); ++c) {
    if (storage_of[c] >= 0) requests[c] = ArenaRequest{};
  }
  return requests;
}

Evaluation with_in_place_writes(const graph::Graph& graph, Evaluation plain, bool refine) {
  std::vector<InPlaceWrite> writes = allowed_in_place_writes(graph, plain.network, plain.schedule);
  if (writes.empty()) return plain;
  Evaluation best = sharing(plain, writes);
  if (refine) {
    for (size_t i = 0; i < writes.size();) {
      std::vector<InPlaceWrite> fewer = writes;
      fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
      Evaluation tried = sharing(plain, fewer);
      if (smaller(tried, best)) {
        best = std::move(tried);
        writes = std::move(fewer);
      } else {
        ++i;
      }
    }
  }
  if (!smaller(best, plain)) return plain;
  return best;
}

}  // namespace bufopt::analysis
