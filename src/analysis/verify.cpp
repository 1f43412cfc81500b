// The independent verifier (MODEL 7). It rebuilds the network from the graph and the claimed
// granularities, then replays the claimed firing order row by row with its own bookkeeping:
// nothing here calls the scheduler, the usage measurement, the arena planner or the time model,
// so a bug there cannot hide itself. Steps:
//  1. shape of the claim (vector sizes, one actor node per actor), the actor nodes' granularities
//     and phase counts;
//  2. the claimed network equals dataflow::build_network's (ports, windows, releases, writes),
//     and every streaming reduction's node matches this file's own model of one (MODEL 3);
//  3. replay: each firing's windows written and unreleased, MODEL 4 occupancy <= capacity
//     (MODEL 4.1: a shared storage's resident rows), every in-place write overwriting only rows
//     no other reader needs, exact firing counts, and the firings during which every counted
//     storage holds rows;
//  4. claimed lifetimes cover those firings; arena placements of buffers alive together are
//     disjoint and inside the arena;
//  5. fifo_bytes, time_s, baseline_time_s and slowdown recomputed.
// Linear in firings x ports (plus a pairwise arena check over channels).
#include "bufopt/analysis/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "bufopt/analysis/verify_checks.h"
#include "bufopt/graph/checked_math.h"
#include "bufopt/graph/zero_copy_concat.h"

namespace bufopt::analysis {

namespace {

using dataflow::ChannelId;
using dataflow::Network;
using dataflow::NodeId;

constexpr double kRelativeTolerance = 1e-9;

bool nearly_equal(double a, double b) {
  return std::fabs(a - b) <= kRelativeTolerance * std::max({std::fabs(a), std::fabs(b), 1e-300});
}

// ---------------------------------------------------------------------------------------------
// Step 1-2: the claim's shape and the network.

bool check_claim_shape(const graph::Graph& graph, const Evaluation& evaluation, ViolationLog& log) {
  const size_t actors = graph.actors.size();
  const size_t channels = graph.buffers.size();
  bool ok = true;
  auto expect = [&](size_t got, size_t want, const char* what) {
    if (got == want) return;
    log.add(Violation::kClaimShape, fmt::format("{} has {} entries, expected {}", what, got, want));
    ok = false;
  };
  expect(dataflow::actor_granularities(evaluation.network).size(), actors, "the network's actor nodes");
  expect(evaluation.usage.capacity_rows.size(), channels, "capacity_rows");
  expect(evaluation.usage.lifetimes.size(), channels, "lifetimes");
  expect(evaluation.arena.offsets.size(), channels, "arena offsets");
  if (!evaluation.storage_of.empty()) expect(evaluation.storage_of.size(), channels, "storage_of");
  return ok;
}

/// The rows a granularity divides (MODEL 3), derived here from the graph: output rows, or the
/// input rows a streaming reduction consumes row by row.
int64_t own_phase_rows(const graph::Graph& graph, const graph::Actor& actor) {
  const std::vector<graph::BufferId>& rows_of = actor.streaming_reduction ? actor.inputs : actor.outputs;
  if (rows_of.empty()) return 1;
  return graph.buffers[static_cast<size_t>(rows_of.front())].rows();
}

/// Phases of every actor recomputed from the claimed granularity: ceil(rows / g).
std::vector<int64_t> recompute_phases(const graph::Graph& graph, const Evaluation& evaluation, ViolationLog& log) {
  const std::vector<int64_t> granularity = evaluation.granularity();
  const std::vector<int64_t> claimed_phases = evaluation.phases();
  std::vector<int64_t> phases(graph.actors.size(), 1);
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const auto actor = static_cast<graph::ActorId>(a);
    const int64_t claimed = granularity[a];
    const int64_t effective = dataflow::effective_granularity(graph, actor, claimed);
    if (effective != claimed) {
      log.add(Violation::kClaimShape, fmt::format("actor '{}': granularity {} is not effective (would be {})",
                                                  graph.actors[a].name, claimed, effective));
    }
    const int64_t rows = own_phase_rows(graph, graph.actors[a]);
    phases[a] = (rows + effective - 1) / effective;
    if (claimed_phases[a] != phases[a]) {
      log.add(Violation::kClaimShape, fmt::format("actor '{}': claims {} phases, {} rows at g={} give {}",
                                                  graph.actors[a].name, claimed_phases[a], rows, effective, phases[a]));
    }
  }
  return phases;
}

/// The replay indexes per-firing vectors by firing number; a rebuilt network whose vectors do not
/// match its phase counts (a dataflow bug) cannot be replayed.
bool replayable(const Network& network, ViolationLog& log) {
  bool ok = true;
  auto fail = [&](const dataflow::Node& node, const std::string& what) {
    log.add(Violation::kNetwork, fmt::format("rebuilt node {}: {}", node.name, what));
    ok = false;
  };
  for (const dataflow::Node& node : network.nodes) {
    const auto phases = static_cast<size_t>(std::max<int64_t>(node.phases, 0));
    if (node.phases < 1) fail(node, "no phases");
    for (const dataflow::InputPort& port : node.inputs) {
      if (port.channel < 0 || static_cast<size_t>(port.channel) >= network.channels.size()) {
        fail(node, "input channel out of range");
      } else if (port.window.size() != phases || port.release.size() != phases) {
        fail(node, "input vectors do not match the phases");
      } else if (!std::is_sorted(port.release.begin(), port.release.end()) ||
                 (phases > 0 && port.release.back() != network.channels[static_cast<size_t>(port.channel)].rows)) {
        fail(node, "releases are not non-decreasing up to every row");
      }
    }
    for (const dataflow::OutputPort& port : node.outputs) {
      if (port.channel < 0 || static_cast<size_t>(port.channel) >= network.channels.size()) {
        fail(node, "output channel out of range");
      } else if (port.written.size() != phases) {
        fail(node, "output vector does not match the phases");
      } else if (!std::is_sorted(port.written.begin(), port.written.end()) ||
                 (phases > 0 && port.written.back() != network.channels[static_cast<size_t>(port.channel)].rows)) {
        fail(node, "writes are not non-decreasing up to every row");
      }
    }
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// MODEL 4.1 shared storages (in place, zero-copy Concat): the claim's structure.

/// The shared storages the claim names, checked against the graph and the rebuilt network:
/// per channel its storage (itself when it has its own), the input it is written into, and the
/// last buffer of each storage's chain.
struct SharedStorages {
  std::vector<ChannelId> storage;   ///< per channel
  std::vector<ChannelId> input_of;  ///< per written-in-place channel: the input it overwrites; -1
  std::vector<ChannelId> last;      ///< per storage: the chain's last buffer (itself if alone)
  std::vector<bool> has_members;    ///< per storage: some buffer is written into it
  std::vector<std::vector<ChannelId>> slices;  ///< per zero-copy Concat output: its inputs
  std::vector<bool> is_slice;                  ///< per channel
  std::vector<bool> zero_copy_actor;           ///< per graph actor: a zero-copy Concat (no time)
};

/// True when output row r of every firing reads input row r alone and releases it at once.
bool reads_its_own_rows(const dataflow::InputPort& input, const dataflow::OutputPort& output) {
  int64_t before = 0;
  for (size_t f = 0; f < output.written.size(); ++f) {
    const int64_t after = output.written[f];
    const dataflow::RowRange window = input.window[f];
    const bool same = window.size() == 0 ? after == before : window.begin == before && window.end == after;
    if (!same || input.release[f] != after) return false;
    before = after;
  }
  return true;
}

/// True when channel `c`, in storage `s`, is read by s's producer: then it must be a slice of a
/// zero-copy Concat (graph::zero_copy_slices) whose every input is in s, with s's capacity and
/// offset; recorded in `shared`, violations logged.
bool is_concat_slice(const graph::Graph& graph, const Network& network, const Evaluation& evaluation, size_t c,
                     ChannelId s, SharedStorages& shared, ViolationLog& log) {
  const NodeId concat = network.channels[static_cast<size_t>(s)].producer;
  if (concat == dataflow::kNoNode) return false;
  const dataflow::Node& node = network.nodes[static_cast<size_t>(concat)];
  const bool reads = std::any_of(node.inputs.begin(), node.inputs.end(),
                                 [&](const dataflow::InputPort& port) { return static_cast<size_t>(port.channel) == c; });
  if (!reads) return false;
  auto fail = [&](const std::string& why) {
    log.add(Violation::kInPlace, fmt::format("'{}': {}", graph.buffers[c].name, why));
  };
  const auto slices = node.kind == dataflow::NodeKind::kActor ? graph::zero_copy_slices(graph, node.actor) : std::nullopt;
  if (evaluation.storage_of[static_cast<size_t>(s)] >= 0) {
    fail(fmt::format("its storage '{}' is itself in another's storage", graph.buffers[static_cast<size_t>(s)].name));
    return true;
  }
  if (!slices) {
    fail(fmt::format("its reader '{}' is not a zero-copy Concat", node.name));
    return true;
  }
  for (const graph::ConcatSlice& slice : *slices) {
    if (evaluation.storage_of[static_cast<size_t>(slice.input)] != s) {
      fail(fmt::format("Concat '{}' copies input '{}': a Concat is zero-copy for all its inputs or none", node.name,
                       graph.buffers[static_cast<size_t>(slice.input)].name));
    }
  }
  if (evaluation.usage.capacity_rows[c] != evaluation.usage.capacity_rows[static_cast<size_t>(s)] ||
      evaluation.arena.offsets[c] != evaluation.arena.offsets[static_cast<size_t>(s)]) {
    fail(fmt::format("capacity or offset differ from its storage '{}'", graph.buffers[static_cast<size_t>(s)].name));
  }
  shared.is_slice[c] = true;
  shared.slices[static_cast<size_t>(s)].push_back(static_cast<ChannelId>(c));
  shared.storage[c] = s;
  shared.zero_copy_actor[static_cast<size_t>(node.actor)] = true;
  return true;
}

SharedStorages shared_storages(const graph::Graph& graph, const Network& network, const Evaluation& evaluation,
                               ViolationLog& log) {
  const size_t channels = network.channels.size();
  SharedStorages shared;
  shared.storage.resize(channels);
  shared.input_of.assign(channels, -1);
  shared.last.resize(channels);
  shared.has_members.assign(channels, false);
  shared.slices.resize(channels);
  shared.is_slice.assign(channels, false);
  shared.zero_copy_actor.assign(graph.actors.size(), false);
  for (size_t c = 0; c < channels; ++c) shared.storage[c] = shared.last[c] = static_cast<ChannelId>(c);
  if (evaluation.storage_of.empty()) return shared;
  auto name = [&](size_t c) { return graph.buffers[c].name; };
  std::vector<bool> written_into(channels, false);
  for (size_t c = 0; c < channels; ++c) {
    const ChannelId s = evaluation.storage_of[c];
    if (s < 0) continue;
    auto fail = [&](const std::string& why) { log.add(Violation::kInPlace, fmt::format("'{}': {}", name(c), why)); };
    if (static_cast<size_t>(s) >= channels || s == static_cast<ChannelId>(c) || evaluation.storage_of[static_cast<size_t>(s)] >= 0) {
      fail("storage_of does not name a buffer with a storage of its own");
      continue;
    }
    if (is_concat_slice(graph, network, evaluation, c, s, shared, log)) continue;
    const NodeId writer = network.channels[c].producer;
    const dataflow::Node* node = writer == dataflow::kNoNode ? nullptr : &network.nodes[static_cast<size_t>(writer)];
    if (node == nullptr || node->kind != dataflow::NodeKind::kActor || node->outputs.size() != 1 ||
        !graph.actors[static_cast<size_t>(node->actor)].in_place) {
      fail("its writer is not an element-wise actor of one output");
      continue;
    }
    const dataflow::InputPort* over = nullptr;
    for (const dataflow::InputPort& port : node->inputs) {
      const ChannelId x = port.channel;
      const ChannelId x_storage = evaluation.storage_of[static_cast<size_t>(x)] >= 0 ? evaluation.storage_of[static_cast<size_t>(x)] : x;
      if (x_storage == s) over = &port;
    }
    if (over == nullptr) {
      fail(fmt::format("its writer reads nothing of storage '{}'", name(static_cast<size_t>(s))));
      continue;
    }
    const auto x = static_cast<size_t>(over->channel);
    const graph::Buffer& in = graph.buffers[x];
    const graph::Buffer& out = graph.buffers[c];
    if (in.io != graph::IoRole::kNone || out.io != graph::IoRole::kNone || !network.channels[x].counted ||
        !network.channels[c].counted) {
      fail("a graph input or output is never aliased");
    } else if (network.channels[x].rows != network.channels[c].rows ||
               network.channels[x].row_bytes != network.channels[c].row_bytes || in.shape != out.shape ||
               in.dtype != out.dtype) {
      fail(fmt::format("not the shape, rows and row bytes of '{}'", name(x)));
    } else if (!reads_its_own_rows(*over, node->outputs[0])) {
      fail(fmt::format("its writer does not read row r of '{}' for each row r it writes", name(x)));
    } else if (written_into[x]) {
      fail(fmt::format("a second buffer is written into '{}'", name(x)));
    }
    written_into[x] = true;
    shared.storage[c] = s;
    shared.input_of[c] = static_cast<ChannelId>(x);
    shared.has_members[static_cast<size_t>(s)] = true;
    if (evaluation.usage.capacity_rows[c] != evaluation.usage.capacity_rows[static_cast<size_t>(s)] ||
        evaluation.arena.offsets[c] != evaluation.arena.offsets[static_cast<size_t>(s)]) {
      fail(fmt::format("capacity or offset differ from its storage '{}'", name(static_cast<size_t>(s))));
    }
  }
  // The chain's last buffer: follow the writes from the storage (a chain follows data order).
  std::vector<ChannelId> next(channels, -1);
  for (size_t c = 0; c < channels; ++c) {
    if (shared.input_of[c] >= 0) next[static_cast<size_t>(shared.input_of[c])] = static_cast<ChannelId>(c);
  }
  for (size_t s = 0; s < channels; ++s) {
    if (!shared.has_members[s]) continue;
    ChannelId end = static_cast<ChannelId>(s);
    for (size_t steps = 0; next[static_cast<size_t>(end)] >= 0 && steps < channels; ++steps) end = next[static_cast<size_t>(end)];
    shared.last[s] = end;
  }
  return shared;
}

// ---------------------------------------------------------------------------------------------
// Step 3: the replay.

/// Firing-index interval during which a channel held rows; first == -1: never.
struct HeldInterval {
  int64_t first = -1;
  int64_t last = -1;
  void include(int64_t firing) {
    if (first < 0) first = firing;
    last = firing;
  }
};

/// One reader port of a channel, for its release point.
struct ReaderPort {
  NodeId node = 0;
  size_t port = 0;
};

/// Row-level state of the whole network while the order is replayed.
class Replay {
 public:
  Replay(const graph::Graph& graph, const Network& network, const Evaluation& evaluation,
         const SharedStorages& shared, ViolationLog& log)
      : graph_(graph), network_(network), capacity_(evaluation.usage.capacity_rows), shared_(shared), log_(log) {
    const size_t channels = network.channels.size();
    written_.assign(channels, 0);
    readers_.resize(channels);
    held_.resize(channels);
    fired_.assign(network.nodes.size(), 0);
    released_.resize(network.nodes.size());
    for (size_t c = 0; c < channels; ++c) {
      if (network.channels[c].producer == dataflow::kNoNode) written_[c] = network.channels[c].rows;
    }
    for (size_t n = 0; n < network.nodes.size(); ++n) {
      const dataflow::Node& node = network.nodes[n];
      released_[n].assign(node.inputs.size(), 0);
      for (size_t p = 0; p < node.inputs.size(); ++p) {
        readers_[static_cast<size_t>(node.inputs[p].channel)].push_back({static_cast<NodeId>(n), p});
      }
    }
  }

  void run(const Schedule& schedule) {
    for (size_t i = 0; i < schedule.firings.size(); ++i) fire(static_cast<int64_t>(i), schedule.firings[i]);
    finish(static_cast<int64_t>(schedule.firings.size()));
  }

  const std::vector<HeldInterval>& held() const { return held_; }

 private:
  std::string buffer_name(size_t channel) const {
    const auto buffer = static_cast<size_t>(network_.channels[channel].buffer);
    return buffer < graph_.buffers.size() ? graph_.buffers[buffer].name : fmt::format("channel {}", channel);
  }

  /// m of MODEL 4: the lowest release point over the readers (every row when nobody reads).
  int64_t min_release(size_t channel) const {
    int64_t lowest = network_.channels[channel].rows;
    for (const ReaderPort& reader : readers_[channel]) {
      lowest = std::min(lowest, released_[static_cast<size_t>(reader.node)][reader.port]);
    }
    return lowest;
  }

  int64_t occupancy(size_t channel) const { return std::max<int64_t>(0, written_[channel] - min_release(channel)); }

  /// The storage whose firings `channel` holding rows keeps alive.
  size_t storage(size_t channel) const { return static_cast<size_t>(shared_.storage[channel]); }

  /// Lowest release point of `channel`'s readers other than node `writer`.
  int64_t min_release_except(size_t channel, size_t writer) const {
    int64_t lowest = network_.channels[channel].rows;
    for (const ReaderPort& reader : readers_[channel]) {
      if (static_cast<size_t>(reader.node) != writer) {
        lowest = std::min(lowest, released_[static_cast<size_t>(reader.node)][reader.port]);
      }
    }
    return lowest;
  }

  bool tracked(size_t channel) const { return network_.channels[channel].counted; }

  void fire(int64_t index, NodeId id) {
    if (id < 0 || static_cast<size_t>(id) >= network_.nodes.size()) {
      log_.add(Violation::kFiringCount, fmt::format("firing {}: node id {} does not exist", index, id));
      return;
    }
    const auto n = static_cast<size_t>(id);
    const dataflow::Node& node = network_.nodes[n];
    const int64_t f = fired_[n]++;
    if (f >= node.phases) {
      if (f == node.phases) {
        log_.add(Violation::kFiringCount,
                 fmt::format("firing {} ({}): node fires more than its {} phases", index, node.name, node.phases));
      }
      return;
    }
    const auto phase = static_cast<size_t>(f);
    for (size_t p = 0; p < node.inputs.size(); ++p) check_window(index, node, n, p, phase);
    for (const dataflow::OutputPort& port : node.outputs) write(index, node, n, port, phase);
    for (size_t p = 0; p < node.inputs.size(); ++p) release(index, node, n, p, phase);
  }

  void check_window(int64_t index, const dataflow::Node& node, size_t n, size_t p, size_t phase) {
    const dataflow::InputPort& port = node.inputs[p];
    const dataflow::RowRange window = port.window[phase];
    // An empty window (every row it would read lies in padding or between dilated taps) needs
    // nothing: such a firing may even run before its producer.
    if (window.size() == 0) return;
    const auto c = static_cast<size_t>(port.channel);
    if (window.end > written_[c]) {
      log_.add(Violation::kWindow, fmt::format("firing {} ({}): window {} of '{}' not yet written ({} rows)", index,
                                               node.name, range_text(window), buffer_name(c), written_[c]));
    }
    const int64_t released = released_[n][p];
    if (window.begin < released) {
      log_.add(Violation::kWindow, fmt::format("firing {} ({}): window {} of '{}' already released below row {}", index,
                                               node.name, range_text(window), buffer_name(c), released));
    }
  }

  void write(int64_t index, const dataflow::Node& node, size_t n, const dataflow::OutputPort& port, size_t phase) {
    const auto c = static_cast<size_t>(port.channel);
    const int64_t before = written_[c];
    const int64_t after = port.written[phase];
    if (shared_.input_of[c] >= 0) {
      write_in_place(index, node, n, c, before, after);
      return;
    }
    if (shared_.is_slice[c]) {
      write_slice(index, node, c, before, after);
      return;
    }
    if (!shared_.slices[c].empty()) {
      // A zero-copy Concat's step: its rows are its slices' (resident already), nothing copied.
      written_[c] = after;
      if (after > before) held_[c].include(index);
      return;
    }
    // MODEL 4: rows every reader released before this firing but not yet written still take
    // their slot while the firing writes them. MODEL 4.1: a storage's rows stay until its
    // chain's last buffer has them and its readers released them.
    const auto last = static_cast<size_t>(shared_.last[c]);
    const int64_t freed = last == c ? before : written_[last];
    const int64_t during = after - std::min(min_release(last), freed);
    written_[c] = after;
    if (!tracked(c)) return;
    if (during > 0) held_[c].include(index);
    const int64_t capacity = capacity_[c];
    if (during > capacity) {
      log_.add(Violation::kCapacity,
               fmt::format("firing {} ({}): writing rows [{},{}) of '{}' holds {} rows, capacity {}", index, node.name,
                           before, after, buffer_name(c), during, capacity));
    }
  }

  /// MODEL 4.1 zero-copy Concat: rows of slice `c` go into its storage's rows; the storage holds
  /// from the lowest row still needed (or not yet complete in every slice) to the highest any
  /// slice has written.
  void write_slice(int64_t index, const dataflow::Node& node, size_t c, int64_t before, int64_t after) {
    written_[c] = after;
    const size_t s = storage(c);
    int64_t top = 0;
    int64_t fewest = std::numeric_limits<int64_t>::max();
    for (ChannelId slice : shared_.slices[s]) {
      top = std::max(top, written_[static_cast<size_t>(slice)]);
      fewest = std::min(fewest, written_[static_cast<size_t>(slice)]);
    }
    const auto last = static_cast<size_t>(shared_.last[s]);
    const int64_t freed = last == s ? std::min(min_release(s), fewest) : std::min(min_release(last), written_[last]);
    const int64_t during = top - freed;
    if (after > before) held_[s].include(index);
    if (during > capacity_[s]) {
      log_.add(Violation::kCapacity,
               fmt::format("firing {} ({}): writing rows [{},{}) of slice '{}' holds {} rows of '{}', capacity {}", index,
                           node.name, before, after, buffer_name(c), during, buffer_name(s), capacity_[s]));
    }
  }

  /// MODEL 4.1: rows [before, after) of `c` go into the slots of the same rows of the input they
  /// are computed from; no other reader of that input may still need one of them.
  void write_in_place(int64_t index, const dataflow::Node& node, size_t n, size_t c, int64_t before, int64_t after) {
    const auto input = static_cast<size_t>(shared_.input_of[c]);
    written_[c] = after;
    if (after <= before) return;
    held_[storage(c)].include(index);
    const int64_t others = min_release_except(input, n);
    if (others < after) {
      log_.add(Violation::kInPlace,
               fmt::format("firing {} ({}): writes rows [{},{}) of '{}' over those of '{}', which another reader still "
                           "needs from row {}",
                           index, node.name, before, after, buffer_name(c), buffer_name(input), others));
    }
  }

  void release(int64_t index, const dataflow::Node& node, size_t n, size_t p, size_t phase) {
    const dataflow::InputPort& port = node.inputs[p];
    const auto c = static_cast<size_t>(port.channel);
    // The rows present when the reader starts are held during its firing, including the
    // firing that releases the last of them.
    if (tracked(c) && occupancy(c) > 0) held_[storage(c)].include(index);
    released_[n][p] = port.release[phase];
  }

  void finish(int64_t firings) {
    for (size_t n = 0; n < network_.nodes.size(); ++n) {
      const dataflow::Node& node = network_.nodes[n];
      if (fired_[n] < node.phases) {
        log_.add(Violation::kFiringCount, fmt::format("node {} fires {} times, expected {} (incomplete order)",
                                                      node.name, fired_[n], node.phases));
      }
    }
    for (size_t c = 0; c < network_.channels.size(); ++c) {
      if (firings > 0 && tracked(c) && occupancy(c) > 0) held_[storage(c)].include(firings - 1);
    }
  }

  const graph::Graph& graph_;
  const Network& network_;
  const std::vector<int64_t>& capacity_;
  const SharedStorages& shared_;
  ViolationLog& log_;
  std::vector<int64_t> written_;
  std::vector<std::vector<ReaderPort>> readers_;
  std::vector<std::vector<int64_t>> released_;
  std::vector<int64_t> fired_;
  std::vector<HeldInterval> held_;
};

// ---------------------------------------------------------------------------------------------
// Step 4: lifetimes and arena.

void check_lifetimes(const graph::Graph& graph, const Network& network, const Evaluation& evaluation,
                     const std::vector<HeldInterval>& held, ViolationLog& log) {
  for (size_t c = 0; c < network.channels.size(); ++c) {
    if (!network.channels[c].counted || held[c].first < 0) continue;
    const Lifetime& claimed = evaluation.usage.lifetimes[c];
    if (claimed.first < 0 || claimed.first > held[c].first || claimed.last < held[c].last) {
      log.add(Violation::kLifetime, fmt::format("'{}': lifetime [{},{}] does not cover firings {}..{} that hold rows",
                                                graph.buffers[static_cast<size_t>(network.channels[c].buffer)].name,
                                                claimed.first, claimed.last, held[c].first, held[c].last));
    }
  }
}

/// True for a buffer written in place into another's storage: its bytes are that storage's
/// (checked by shared_storages), placed and counted once, with the storage.
bool inside_other_storage(const Evaluation& evaluation, size_t channel) {
  return channel < evaluation.storage_of.size() && evaluation.storage_of[channel] >= 0;
}

/// A placed buffer: bytes [offset, offset + size) during firings [first, last].
struct Placement {
  size_t channel = 0;
  int64_t offset = 0;
  int64_t size = 0;
  int64_t first = 0;
  int64_t last = 0;
};

void check_arena(const graph::Graph& graph, const Network& network, const Evaluation& evaluation,
                 const std::vector<HeldInterval>& held, ViolationLog& log) {
  auto name = [&](size_t c) { return graph.buffers[static_cast<size_t>(network.channels[c].buffer)].name; };
  std::vector<Placement> placements;
  for (size_t c = 0; c < network.channels.size(); ++c) {
    const int64_t capacity = evaluation.usage.capacity_rows[c];
    if (!network.channels[c].counted || capacity <= 0 || inside_other_storage(evaluation, c)) continue;
    const auto size = graph::checked_mul(capacity, network.channels[c].row_bytes);
    if (!size) {
      log.add(Violation::kArena,
              fmt::format("'{}': {} rows of {} bytes overflow", name(c), capacity, network.channels[c].row_bytes));
      continue;
    }
    // Alive: the claimed lifetime and every firing observed to hold rows (the claim may be
    // wider than what the replay sees; both must be safe).
    const Lifetime& claimed = evaluation.usage.lifetimes[c];
    int64_t first = held[c].first;
    int64_t last = held[c].last;
    if (claimed.first >= 0) {
      first = first < 0 ? claimed.first : std::min(first, claimed.first);
      last = std::max(last, claimed.last);
    }
    if (first < 0) continue;
    const int64_t offset = evaluation.arena.offsets[c];
    const auto end = graph::checked_add(offset, *size);
    if (offset < 0 || !end || *end > evaluation.arena.size) {
      log.add(Violation::kArena, fmt::format("'{}': bytes [{},{}+{}) outside the arena of {} bytes", name(c), offset,
                                             offset, *size, evaluation.arena.size));
      continue;
    }
    placements.push_back({c, offset, *size, first, last});
  }
  for (size_t i = 0; i < placements.size(); ++i) {
    for (size_t j = i + 1; j < placements.size(); ++j) {
      const Placement& a = placements[i];
      const Placement& b = placements[j];
      const bool together = a.first <= b.last && b.first <= a.last;
      const bool collide = a.offset < b.offset + b.size && b.offset < a.offset + a.size;
      if (together && collide) {
        log.add(Violation::kArena,
                fmt::format("'{}' bytes [{},{}) and '{}' bytes [{},{}) overlap while both alive (firings {}..{})",
                            name(a.channel), a.offset, a.offset + a.size, name(b.channel), b.offset, b.offset + b.size,
                            std::max(a.first, b.first), std::min(a.last, b.last)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Step 5: figures.

void check_fifo_bytes(const Network& network, const Evaluation& evaluation, ViolationLog& log) {
  int64_t total = 0;
  for (size_t c = 0; c < network.channels.size(); ++c) {
    if (!network.channels[c].counted || inside_other_storage(evaluation, c)) continue;
    const auto bytes =
        graph::checked_mul(std::max<int64_t>(evaluation.usage.capacity_rows[c], 0), network.channels[c].row_bytes);
    const auto sum = bytes ? graph::checked_add(total, *bytes) : std::nullopt;
    total = sum.value_or(std::numeric_limits<int64_t>::max());
  }
  if (total != evaluation.fifo_bytes) {
    log.add(Violation::kFigure,
            fmt::format("fifo_bytes {} differs from the sum of capacities {}", evaluation.fifo_bytes, total));
  }
}

/// MODEL 5, sequential: sum over actors of work / rate + phases * overhead, without the
/// zero-copy Concats (MODEL 4.1 Time) marked in `skipped` (empty: none).
double sequential_seconds(const graph::Graph& graph, const std::vector<int64_t>& phases, const Platform& platform,
                          const std::vector<bool>& skipped = {}) {
  double total = 0;
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    if (a < skipped.size() && skipped[a]) continue;
    const graph::Actor& actor = graph.actors[a];
    total += static_cast<double>(actor.macs) / platform.macs_per_s +
             static_cast<double>(actor.elementwise_ops) / platform.elems_per_s +
             static_cast<double>(phases[a]) * platform.firing_overhead_s;
  }
  return total;
}

void check_time(const graph::Graph& graph, const std::vector<int64_t>& phases, const Evaluation& evaluation,
                const AnalysisOptions& options, const SharedStorages& shared, ViolationLog& log) {
  const double time = sequential_seconds(graph, phases, options.platform, shared.zero_copy_actor);
  double baseline = sequential_seconds(graph, std::vector<int64_t>(graph.actors.size(), 1), options.platform);
  // MODEL 4.1 Time: the baseline keeps the FIFO model's actors, eliminated views included.
  for (const graph::EliminatedView& view : graph.views) {
    baseline +=
        static_cast<double>(view.elementwise_ops) / options.platform.elems_per_s + options.platform.firing_overhead_s;
  }
  const double slowdown = baseline > 0 ? time / baseline : 1.0;
  auto compare = [&](const char* what, double claimed, double recomputed) {
    if (!nearly_equal(claimed, recomputed)) {
      log.add(Violation::kFigure,
              fmt::format("{} {:.12g} differs from the recomputed {:.12g}", what, claimed, recomputed));
    }
  };
  compare("time_s", evaluation.time_s, time);
  compare("baseline_time_s", evaluation.baseline_time_s, baseline);
  compare("slowdown", evaluation.slowdown, slowdown);
  const double worst = std::max(slowdown, evaluation.slowdown);
  if (!(worst <= options.max_slowdown + kRelativeTolerance)) {
    log.add(Violation::kFigure, fmt::format("slowdown {:.12g} exceeds --max-slowdown {}", worst, options.max_slowdown));
  }
}

}  // namespace

VerifyReport verify(const graph::Graph& graph, const Evaluation& evaluation, const AnalysisOptions& options) {
  ViolationLog log;
  if (!check_claim_shape(graph, evaluation, log)) return log.finish();
  Network rebuilt;
  try {
    // Also validates the graph, which the phase recomputation below relies on.
    rebuilt = dataflow::build_network(graph, evaluation.granularity(), dataflow::NetworkOptions{options.stream_io});
  } catch (const std::exception& error) {
    log.add(Violation::kNetwork, fmt::format("cannot rebuild the network: {}", error.what()));
    return log.finish();
  }
  const std::vector<int64_t> phases = recompute_phases(graph, evaluation, log);
  compare_networks(evaluation.network, rebuilt, log);
  check_streaming_reductions(graph, rebuilt, log);
  if (rebuilt.channels.size() != graph.buffers.size()) {
    log.add(Violation::kNetwork, "rebuilt network does not have one channel per buffer");
    return log.finish();
  }
  if (!replayable(rebuilt, log)) return log.finish();

  const SharedStorages shared = shared_storages(graph, rebuilt, evaluation, log);
  Replay replay(graph, rebuilt, evaluation, shared, log);
  replay.run(evaluation.schedule);
  check_lifetimes(graph, rebuilt, evaluation, replay.held(), log);
  check_arena(graph, rebuilt, evaluation, replay.held(), log);
  check_fifo_bytes(rebuilt, evaluation, log);
  check_time(graph, phases, evaluation, options, shared, log);
  return log.finish();
}

}  // namespace bufopt::analysis
