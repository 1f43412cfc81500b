#include "bufopt/analysis/shared_storage.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include "bufopt/analysis/time_model.h"
#include "bufopt/graph/checked_math.h"
#include "bufopt/graph/in_place.h"
#include "bufopt/graph/zero_copy_concat.h"

namespace bufopt::analysis {

namespace {

using dataflow::ChannelId;
using dataflow::Network;
using dataflow::NodeId;

constexpr int64_t kNeverLimited = std::numeric_limits<int64_t>::max();

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

  /// m of MODEL 4: the lowest release point of the channel's readers; unlimited when nobody reads.
  int64_t lowest(ChannelId channel) const { return lowest_except(channel, network_.nodes.size()); }

  /// The lowest release point of the channel's readers other than node `except`.
  int64_t lowest_except(ChannelId channel, size_t except) const {
    int64_t low = kNeverLimited;
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

/// The storages of `storage_of` with their buffers' roles, for the capacity replay.
struct Storages {
  std::vector<bool> is_slice;                 ///< per channel
  std::vector<std::vector<ChannelId>> slices;  ///< per storage (a zero-copy Concat's output)
  std::vector<bool> chain_first;              ///< per channel: a storage some write goes into
  std::vector<ChannelId> last;                ///< per storage: its in-place chain's last buffer
};

Storages storages_of(const Network& network, std::span<const ChannelId> storage_of) {
  const size_t channels = network.channels.size();
  const StorageChoice choice = choice_of(network, storage_of);
  Storages storages;
  storages.is_slice.assign(channels, false);
  storages.slices.resize(channels);
  storages.chain_first.assign(channels, false);
  storages.last.resize(channels);
  for (size_t c = 0; c < channels; ++c) storages.last[c] = static_cast<ChannelId>(c);
  for (const ZeroCopyConcat& concat : choice.concats) {
    for (ChannelId slice : concat.slices) storages.is_slice[static_cast<size_t>(slice)] = true;
    storages.slices[static_cast<size_t>(concat.output)] = concat.slices;
  }
  std::vector<ChannelId> next(channels, kOwnStorage);
  for (const InPlaceWrite& write : choice.writes) {
    next[static_cast<size_t>(write.input)] = write.output;
    storages.chain_first[static_cast<size_t>(storage_of[static_cast<size_t>(write.output)])] = true;
  }
  for (size_t c = 0; c < channels; ++c) {
    if (!storages.chain_first[c]) continue;
    ChannelId end = static_cast<ChannelId>(c);
    while (next[static_cast<size_t>(end)] != kOwnStorage) end = next[static_cast<size_t>(end)];
    storages.last[c] = end;
  }
  return storages;
}

bool smaller(const Evaluation& a, const Evaluation& b) {
  return std::pair(a.arena.size, a.fifo_bytes) < std::pair(b.arena.size, b.fifo_bytes);
}

/// `plain` with exactly `choice` taken.
Evaluation sharing(const graph::Graph& graph, const Evaluation& plain, const StorageChoice& choice,
                   const AnalysisOptions& options) {
  Evaluation shared = plain;
  shared.storage_of = storage_of_choice(plain.network.channels.size(), choice);
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
  if (!choice.concats.empty()) {
    shared.time_s = sequential_time_seconds(graph, shared.phases(), options.platform,
                                            zero_copy_actors(shared.network, shared.storage_of));
    shared.slowdown = shared.baseline_time_s > 0 ? shared.time_s / shared.baseline_time_s : 1.0;
  }
  return shared;
}

/// `writes` and `concats` without their conflicts (a write whose output is a slice), giving way
/// to the writes (`writes_first`) or to the Concats.
StorageChoice without_conflicts(const std::vector<InPlaceWrite>& writes, const std::vector<ZeroCopyConcat>& concats,
                                size_t channels, bool writes_first) {
  std::vector<bool> written_in_place(channels, false);
  for (const InPlaceWrite& write : writes) written_in_place[static_cast<size_t>(write.output)] = true;
  StorageChoice choice;
  std::vector<bool> slice(channels, false);
  std::vector<bool> sliced(channels, false);  // the output of a Concat taken zero-copy
  for (const ZeroCopyConcat& concat : concats) {
    const bool conflict = std::any_of(concat.slices.begin(), concat.slices.end(),
                                      [&](ChannelId s) { return written_in_place[static_cast<size_t>(s)]; });
    if (conflict && writes_first) continue;
    // A Concat of a zero-copy Concat's output (or into one): one level of slices only, the
    // first in node order kept.
    const bool nested = slice[static_cast<size_t>(concat.output)] ||
                        std::any_of(concat.slices.begin(), concat.slices.end(),
                                    [&](ChannelId s) { return sliced[static_cast<size_t>(s)]; });
    if (nested) continue;
    choice.concats.push_back(concat);
    sliced[static_cast<size_t>(concat.output)] = true;
    for (ChannelId s : concat.slices) slice[static_cast<size_t>(s)] = true;
  }
  for (const InPlaceWrite& write : writes) {
    if (!slice[static_cast<size_t>(write.output)]) choice.writes.push_back(write);
  }
  return choice;
}

/// Drops each entry of `choice.*list` in turn while that makes `best` smaller.
template <typename Entry>
void drop_each(const graph::Graph& graph, const Evaluation& plain, const AnalysisOptions& options,
               std::vector<Entry> StorageChoice::*list, StorageChoice& choice, Evaluation& best) {
  for (size_t i = 0; i < (choice.*list).size();) {
    StorageChoice fewer = choice;
    (fewer.*list).erase((fewer.*list).begin() + static_cast<std::ptrdiff_t>(i));
    Evaluation tried = sharing(graph, plain, fewer, options);
    if (smaller(tried, best)) {
      best = std::move(tried);
      choice = std::move(fewer);
    } else {
      ++i;
    }
  }
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

std::vector<ZeroCopyConcat> zero_copy_concats(const graph::Graph& graph, const Network& network) {
  std::vector<ZeroCopyConcat> concats;
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const dataflow::Node& node = network.nodes[n];
    if (node.kind != dataflow::NodeKind::kActor || node.outputs.size() != 1) continue;
    const auto slices = graph::zero_copy_slices(graph, node.actor);
    if (!slices) continue;
    ZeroCopyConcat concat{static_cast<NodeId>(n), node.outputs[0].channel, {}};
    for (const graph::ConcatSlice& slice : *slices) concat.slices.push_back(slice.input);
    concats.push_back(std::move(concat));
  }
  return concats;
}

std::vector<ChannelId> storage_of_choice(size_t channels, const StorageChoice& choice) {
  if (choice.writes.empty() && choice.concats.empty()) return {};
  std::vector<ChannelId> storage(channels, kOwnStorage);
  for (const ZeroCopyConcat& concat : choice.concats) {
    for (ChannelId slice : concat.slices) storage.at(static_cast<size_t>(slice)) = concat.output;
  }
  std::vector<ChannelId> input_of(channels, kOwnStorage);
  for (const InPlaceWrite& write : choice.writes) input_of.at(static_cast<size_t>(write.output)) = write.input;
  for (const InPlaceWrite& write : choice.writes) {
    if (storage[static_cast<size_t>(write.output)] != kOwnStorage) throw std::logic_error("a write in place into a slice");
    ChannelId first = write.input;
    while (input_of[static_cast<size_t>(first)] != kOwnStorage) first = input_of[static_cast<size_t>(first)];
    storage[static_cast<size_t>(write.output)] = first;
  }
  return storage;
}

StorageChoice choice_of(const Network& network, std::span<const ChannelId> storage_of) {
  StorageChoice choice;
  auto storage = [&](ChannelId x) {
    const ChannelId of = storage_of[static_cast<size_t>(x)];
    return of >= 0 ? of : x;
  };
  std::vector<std::vector<ChannelId>> slices(network.channels.size());
  for (size_t c = 0; c < storage_of.size(); ++c) {
    const ChannelId s = storage_of[c];
    if (s < 0) continue;
    const NodeId concat = network.channels[static_cast<size_t>(s)].producer;
    const auto reads = [&](NodeId node, auto&& matches) {
      if (node == dataflow::kNoNode) return false;
      const auto& inputs = network.nodes[static_cast<size_t>(node)].inputs;
      return std::any_of(inputs.begin(), inputs.end(), matches);
    };
    if (reads(concat, [&](const dataflow::InputPort& port) { return port.channel == static_cast<ChannelId>(c); })) {
      slices[static_cast<size_t>(s)].push_back(static_cast<ChannelId>(c));
      continue;
    }
    const NodeId writer = network.channels[c].producer;
    const dataflow::InputPort* over = nullptr;
    if (writer != dataflow::kNoNode) {
      for (const dataflow::InputPort& port : network.nodes[static_cast<size_t>(writer)].inputs) {
        if (port.channel != static_cast<ChannelId>(c) && storage(port.channel) == s) over = &port;
      }
    }
    if (over == nullptr) throw std::logic_error("a shared buffer is neither a slice nor written in place");
    choice.writes.push_back({writer, over->channel, static_cast<ChannelId>(c)});
  }
  for (size_t s = 0; s < slices.size(); ++s) {
    if (slices[s].empty()) continue;
    // Port order of the Concat's node.
    const NodeId concat = network.channels[s].producer;
    ZeroCopyConcat zero{concat, static_cast<ChannelId>(s), {}};
    for (const dataflow::InputPort& port : network.nodes[static_cast<size_t>(concat)].inputs) {
      if (std::find(slices[s].begin(), slices[s].end(), port.channel) != slices[s].end()) zero.slices.push_back(port.channel);
    }
    choice.concats.push_back(std::move(zero));
  }
  return choice;
}

BufferUsage measure_shared_usage(const Network& network, const Schedule& schedule,
                                 std::span<const ChannelId> storage_of) {
  BufferUsage usage = measure_usage(network, schedule);
  if (storage_of.empty()) return usage;
  const size_t channels = network.channels.size();
  const Storages storages = storages_of(network, storage_of);
  auto storage = [&](size_t c) { return storage_of[c] >= 0 ? static_cast<size_t>(storage_of[c]) : c; };
  // Replay: each storage's occupancy at the writes that take new slots.
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
      written[c] = std::max(written[c], end);
      const size_t s = storage(c);
      const bool new_rows = storages.is_slice[c] || (c == s && storages.slices[s].empty() && storages.chain_first[s]);
      if (!new_rows) continue;
      int64_t top = written[s];
      int64_t fewest = written[s];
      if (storages.is_slice[c]) {
        top = 0;
        fewest = kNeverLimited;
        for (ChannelId slice : storages.slices[s]) {
          top = std::max(top, written[static_cast<size_t>(slice)]);
          fewest = std::min(fewest, written[static_cast<size_t>(slice)]);
        }
      }
      const auto last = static_cast<size_t>(storages.last[s]);
      const int64_t freed = last == s ? std::min(releases.lowest(static_cast<ChannelId>(s)), fewest)
                                      : std::min(releases.lowest(static_cast<ChannelId>(last)), written[last]);
      capacity[s] = std::max(capacity[s], top - freed);
    }
    releases.release(n, phase);
  }
  // Every buffer of a storage: the storage's capacity and the union of their lifetimes.
  std::vector<bool> shared_storage(channels, false);
  for (size_t c = 0; c < channels; ++c) {
    if (storage_of[c] >= 0) shared_storage[static_cast<size_t>(storage_of[c])] = true;
  }
  std::vector<Lifetime> storage_life(channels);
  for (size_t c = 0; c < channels; ++c) {
    const Lifetime& own = usage.lifetimes[c];
    Lifetime& life = storage_life[storage(c)];
    if (own.first < 0) continue;
    life.first = life.first < 0 ? own.first : std::min(life.first, own.first);
    life.last = std::max(life.last, own.last);
  }
  for (size_t c = 0; c < channels; ++c) {
    const size_t s = storage(c);
    if (!shared_storage[s]) continue;
    usage.lifetimes[c] = storage_life[s];
    usage.capacity_rows[c] = capacity[s];
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

std::vector<bool> zero_copy_actors(const Network& network, std::span<const ChannelId> storage_of) {
  std::vector<bool> eliminated;
  if (storage_of.empty()) return eliminated;
  for (const ZeroCopyConcat& concat : choice_of(network, storage_of).concats) {
    const graph::ActorId actor = network.nodes[static_cast<size_t>(concat.concat)].actor;
    if (eliminated.size() <= static_cast<size_t>(actor)) eliminated.resize(static_cast<size_t>(actor) + 1, false);
    eliminated[static_cast<size_t>(actor)] = true;
  }
  return eliminated;
}

Evaluation with_shared_storage(const graph::Graph& graph, Evaluation plain, const AnalysisOptions& options,
                               bool refine) {
  const std::vector<InPlaceWrite> writes = allowed_in_place_writes(graph, plain.network, plain.schedule);
  const std::vector<ZeroCopyConcat> concats = zero_copy_concats(graph, plain.network);
  if (writes.empty() && concats.empty()) return plain;
  const size_t channels = plain.network.channels.size();
  StorageChoice choice = without_conflicts(writes, concats, channels, false);
  Evaluation best = sharing(graph, plain, choice, options);
  if (refine) {
    StorageChoice other = without_conflicts(writes, concats, channels, true);
    if (other.writes.size() != choice.writes.size()) {
      Evaluation tried = sharing(graph, plain, other, options);
      if (smaller(tried, best)) {
        best = std::move(tried);
        choice = std::move(other);
      }
    }
    drop_each(graph, plain, options, &StorageChoice::writes, choice, best);
    drop_each(graph, plain, options, &StorageChoice::concats, choice, best);
  }
  if (!smaller(best, plain)) return plain;
  return best;
}

}  // namespace bufopt::analysis
