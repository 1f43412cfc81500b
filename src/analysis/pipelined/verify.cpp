// The independent verifier of pipelined answers (MODEL 7). It shares no code with the sizing or
// the max-plus analysis: it rebuilds the network and the firing times itself and replays the
// self-timed execution with an event queue, row counters and nothing else. Steps:
//  1. the claim's shape; the claimed network equals dataflow::build_network's for the
//     granularities of its actor nodes, and its streaming reductions match this file's own
//     model of one; the claimed firing times equal the time model's (recomputed here);
//  2. the nodes fall into groups joined by bounded channels (a group only waits on itself: a
//     graph input held by the application never makes anyone wait); for each group, replay
//     image after image: a node starts its next firing as soon as its previous one ended, its
//     non-empty windows are written (and not released) and its writes fit the capacity
//     (MODEL 4); the state after each instant at which the group's reference node starts an
//     image (every node's image, phase and remaining busy time, every channel's rows written and
//     released, relative to that image) is compared with a saved one (Brent's cycle detection),
//     and the first repeat gives the period exactly: elapsed ticks over elapsed images;
//  3. rows held never exceed capacity, no deadlock, the slowest group's period equals the
//     claimed one, baseline and slowdown recomputed, slowdown <= R, fifo_bytes recomputed.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "bufopt/analysis/pipelined.h"
#include "bufopt/analysis/verify_checks.h"

namespace bufopt::analysis {

namespace {

using dataflow::ChannelId;
using dataflow::Network;
using dataflow::NodeId;

constexpr double kRelativeTolerance = 1e-9;
/// Firings one group may replay before the verifier gives up looking for its periodic regime.
constexpr int64_t kMaxFirings = 100'000'000;

// ---------------------------------------------------------------------------------------------
// Step 1: the claim.

/// MODEL 5 pipelined firing times: the actor's work shared by output rows (input rows for a
/// streaming reduction), plus one overhead.
std::vector<std::vector<Ticks>> model_times(const graph::Graph& graph, const Network& network,
                                            const AnalysisOptions& options) {
  const auto ticks_of = [](double seconds) -> Ticks {
    return seconds > 0 ? static_cast<Ticks>(std::min(std::round(seconds * 1e12), 1e17)) : 0;
  };
  const Platform& platform = options.platform;
  const Ticks overhead = ticks_of(platform.firing_overhead_s);
  std::vector<std::vector<Ticks>> times(network.nodes.size());
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const dataflow::Node& node = network.nodes[n];
    times[n].assign(static_cast<size_t>(node.phases), 0);
    if (node.kind != dataflow::NodeKind::kActor) continue;
    const graph::Actor& actor = graph.actors[static_cast<size_t>(node.actor)];
    double seconds = static_cast<double>(actor.macs) / platform.macs_per_s +
                     static_cast<double>(actor.elementwise_ops) / platform.elems_per_s;
    if (auto it = options.actor_seconds.find(actor.name); it != options.actor_seconds.end()) {
      seconds = std::max(0.0, it->second - platform.firing_overhead_s);
    }
    const Ticks work = ticks_of(seconds);
    if (actor.streaming_reduction && !actor.inputs.empty()) {
      // MODEL 3: a streaming reduction's work follows the input rows each firing consumes.
      const int64_t rows = graph.buffers[static_cast<size_t>(actor.inputs.front())].rows();
      const auto cut = [&](size_t i) {
        if (i + 1 == times[n].size()) return work;
        const int64_t done = std::min(rows, static_cast<int64_t>(i + 1) * node.granularity);
        return static_cast<Ticks>(static_cast<__int128>(work) * done / rows);
      };
      for (size_t f = 0; f < times[n].size(); ++f) times[n][f] = cut(f) - (f > 0 ? cut(f - 1) : 0) + overhead;
      continue;
    }
    for (size_t f = 0; f < times[n].size(); ++f) {
      if (node.outputs.empty()) {
        times[n][f] = (f + 1 == times[n].size() ? work : 0) + overhead;
        continue;
      }
      const std::vector<int64_t>& written = node.outputs.front().written;
      const auto cut = [&](size_t i) {
        return static_cast<Ticks>(static_cast<__int128>(work) * written[i] / written.back());
      };
      times[n][f] = cut(f) - (f > 0 ? cut(f - 1) : 0) + overhead;
    }
  }
  return times;
}

// ---------------------------------------------------------------------------------------------
// Step 2: the replay.

/// A channel that can make its producer wait: written by a node and read by at least one.
bool limits_producer(const dataflow::Channel& channel) {
  return channel.producer != dataflow::kNoNode && !channel.consumers.empty();
}

/// True when `reader` reads at least one row of `channel` (a reader whose windows are all
/// padding never waits for the producer).
bool reads_rows(const dataflow::Node& reader, ChannelId channel) {
  for (const dataflow::InputPort& port : reader.inputs) {
    if (port.channel != channel) continue;
    for (const dataflow::RowRange& window : port.window) {
      if (window.size() > 0) return true;
    }
  }
  return false;
}

/// Groups of nodes that wait on each other, directly or not (the strongly connected components
/// of "waits for": a reader waits for the producer of rows it reads, a producer for the readers
/// of a channel with finite capacity). Within a group every node stays a bounded number of
/// images from every other, so the group's state repeats. Every cycle of dependencies lies in one
/// group, so the slowest group's own period is the period of the whole execution (the maximum
/// cycle ratio); each group is therefore replayed on its own, dependencies on other groups
/// taken as met. In a model every reader reads rows, and the groups are the connected parts.
std::vector<std::vector<NodeId>> node_groups(const Network& network, const std::vector<int64_t>& capacity) {
  const size_t nodes = network.nodes.size();
  std::vector<std::vector<size_t>> waits_for(nodes);
  for (size_t c = 0; c < network.channels.size(); ++c) {
    const dataflow::Channel& channel = network.channels[c];
    if (channel.producer == dataflow::kNoNode) continue;
    const auto producer = static_cast<size_t>(channel.producer);
    for (NodeId reader : channel.consumers) {
      if (reads_rows(network.nodes[static_cast<size_t>(reader)], static_cast<ChannelId>(c))) {
        waits_for[static_cast<size_t>(reader)].push_back(producer);
      }
      if (capacity[c] != kUnboundedRows) waits_for[producer].push_back(static_cast<size_t>(reader));
    }
  }
  // Kosaraju: finishing order on the relation, then components on its reverse.
  std::vector<std::vector<size_t>> waited_by(nodes);
  for (size_t v = 0; v < nodes; ++v) {
    for (size_t w : waits_for[v]) waited_by[w].push_back(v);
  }
  std::vector<size_t> finished;
  std::vector<bool> seen(nodes, false);
  for (size_t root = 0; root < nodes; ++root) {
    if (seen[root]) continue;
    std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
    seen[root] = true;
    while (!stack.empty()) {
      auto& [v, next] = stack.back();
      if (next < waits_for[v].size()) {
        const size_t w = waits_for[v][next++];
        if (!seen[w]) {
          seen[w] = true;
          stack.push_back({w, 0});
        }
      } else {
        finished.push_back(v);
        stack.pop_back();
      }
    }
  }
  std::vector<int64_t> group_of(nodes, -1);
  std::vector<std::vector<NodeId>> groups;
  for (auto it = finished.rbegin(); it != finished.rend(); ++it) {
    if (group_of[*it] >= 0) continue;
    const auto group = static_cast<int64_t>(groups.size());
    std::vector<NodeId>& members = groups.emplace_back();
    std::vector<size_t> stack{*it};
    group_of[*it] = group;
    while (!stack.empty()) {
      const size_t v = stack.back();
      stack.pop_back();
      members.push_back(static_cast<NodeId>(v));
      for (size_t w : waited_by[v]) {
        if (group_of[w] < 0) {
          group_of[w] = group;
          stack.push_back(w);
        }
      }
    }
    std::sort(members.begin(), members.end());
  }
  return groups;
}

/// The self-timed replay of one group.
class Replay {
 public:
  Replay(const Network& network, const std::vector<std::vector<Ticks>>& times, const std::vector<int64_t>& capacity,
         const std::vector<NodeId>& group, ViolationLog& log)
      : network_(network), times_(times), capacity_(capacity), group_(group), log_(log) {
    nodes_.resize(network.nodes.size());
    written_.assign(network.channels.size(), 0);
    held_peak_.assign(network.channels.size(), 0);
    released_.resize(network.nodes.size());
    for (size_t n = 0; n < network.nodes.size(); ++n) released_[n].assign(network.nodes[n].inputs.size(), 0);
    in_group_.assign(network.nodes.size(), false);
    for (NodeId n : group) in_group_[static_cast<size_t>(n)] = true;
    reference_ = group.front();
    Ticks busiest = -1;
    for (NodeId n : group) {
      const Ticks busy = std::accumulate(times[static_cast<size_t>(n)].begin(), times[static_cast<size_t>(n)].end(), Ticks{0});
      if (busy > busiest) {
        busiest = busy;
        reference_ = n;
      }
    }
    zero_time_ = busiest == 0;
  }

  /// The period of the group, or nullopt (errors logged).
  std::optional<Period> run() {
    std::vector<NodeId> ready = group_;
    start_ready(ready, 0);
    int64_t firings = 0;
    while (log_.empty()) {
      if (events_.empty()) {
        report_deadlock();
        return std::nullopt;
      }
      const Ticks now = events_.top().first;
      while (!events_.empty() && events_.top().first == now) {
        const NodeId node = events_.top().second;
        events_.pop();
        finish(node, ready);
        ++firings;
      }
      start_ready(ready, now);
      if (firings > kMaxFirings) {
        log_.add(Violation::kPeriod, fmt::format("replay: no periodic regime within {} firings (group of {})", kMaxFirings, network_.nodes[static_cast<size_t>(reference_)].name));
        return std::nullopt;
      }
      const bool instant_over = events_.empty() || events_.top().first > now;
      if (instant_over && started_image_ >= 0) {
        if (std::optional<Period> period = observe(now)) return period;
      }
      if (zero_time_ && started_image_ >= 2) return make_period(0, 1);
    }
    return std::nullopt;
  }

  /// Most rows each channel held at once (MODEL 4 occupancy).
  const std::vector<int64_t>& held_peak() const { return held_peak_; }

 private:
  /// Where one node is: its next firing, and whether one is running until `end`.
  struct NodeState {
    int64_t image = 0;
    int64_t phase = 0;
    bool busy = false;
    Ticks end = 0;
  };

  int64_t rows(ChannelId c) const { return network_.channels[static_cast<size_t>(c)].rows; }

  /// Lowest release point of a channel's readers in the group (INT64_MAX: none).
  int64_t lowest_release(ChannelId c) const {
    int64_t lowest = std::numeric_limits<int64_t>::max();
    for (NodeId reader : network_.channels[static_cast<size_t>(c)].consumers) {
      if (!in_group_[static_cast<size_t>(reader)]) continue;
      const dataflow::Node& node = network_.nodes[static_cast<size_t>(reader)];
      for (size_t p = 0; p < node.inputs.size(); ++p) {
        if (node.inputs[p].channel == c) lowest = std::min(lowest, released_[static_cast<size_t>(reader)][p]);
      }
    }
    return lowest;
  }

  bool inputs_ready(NodeId n) {
    const NodeState& state = nodes_[static_cast<size_t>(n)];
    const dataflow::Node& node = network_.nodes[static_cast<size_t>(n)];
    for (size_t p = 0; p < node.inputs.size(); ++p) {
      const dataflow::InputPort& port = node.inputs[p];
      const dataflow::RowRange window = port.window[static_cast<size_t>(state.phase)];
      if (window.size() == 0) continue;
      const int64_t base = state.image * rows(port.channel);
      const NodeId producer = network_.channels[static_cast<size_t>(port.channel)].producer;
      const bool produced = producer != dataflow::kNoNode && in_group_[static_cast<size_t>(producer)];
      if (produced && written_[static_cast<size_t>(port.channel)] < base + window.end) return false;
      if (released_[static_cast<size_t>(n)][p] > base + window.begin) {
        log_.add(Violation::kWindow, fmt::format("window: {} firing {} of image {} reads rows it already released", node.name, state.phase, state.image));
      }
    }
    return true;
  }

  /// MODEL 4: rows held while writing = written_after - min(lowest release, written_before).
  bool outputs_fit(NodeId n) {
    const NodeState& state = nodes_[static_cast<size_t>(n)];
    const dataflow::Node& node = network_.nodes[static_cast<size_t>(n)];
    for (const dataflow::OutputPort& port : node.outputs) {
      const auto c = static_cast<size_t>(port.channel);
      if (!limits_producer(network_.channels[c]) || capacity_[c] == kUnboundedRows) continue;
      const int64_t base = state.image * rows(port.channel);
      const int64_t after = base + port.written[static_cast<size_t>(state.phase)];
      const int64_t before = written_[c];
      if (after - std::min(lowest_release(port.channel), before) > capacity_[c]) return false;
    }
    return true;
  }

  void start_ready(std::vector<NodeId>& ready, Ticks now) {
    std::sort(ready.begin(), ready.end());
    ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
    for (NodeId n : ready) {
      NodeState& state = nodes_[static_cast<size_t>(n)];
      if (state.busy || !inputs_ready(n) || !outputs_fit(n)) continue;
      const dataflow::Node& node = network_.nodes[static_cast<size_t>(n)];
      for (const dataflow::OutputPort& port : node.outputs) {
        const auto c = static_cast<size_t>(port.channel);
        if (!limits_producer(network_.channels[c])) continue;
        const int64_t after = state.image * rows(port.channel) + port.written[static_cast<size_t>(state.phase)];
        held_peak_[c] = std::max(held_peak_[c], after - std::min(lowest_release(port.channel), written_[c]));
      }
      state.busy = true;
      state.end = now + times_[static_cast<size_t>(n)][static_cast<size_t>(state.phase)];
      events_.push({state.end, n});
      if (n == reference_ && state.phase == 0) started_image_ = state.image;
    }
    ready.clear();
  }

  void finish(NodeId n, std::vector<NodeId>& ready) {
    NodeState& state = nodes_[static_cast<size_t>(n)];
    const dataflow::Node& node = network_.nodes[static_cast<size_t>(n)];
    const auto f = static_cast<size_t>(state.phase);
    ready.push_back(n);
    for (const dataflow::OutputPort& port : node.outputs) {
      written_[static_cast<size_t>(port.channel)] = state.image * rows(port.channel) + port.written[f];
      for (NodeId reader : network_.channels[static_cast<size_t>(port.channel)].consumers) {
        if (in_group_[static_cast<size_t>(reader)]) ready.push_back(reader);
      }
    }
    for (size_t p = 0; p < node.inputs.size(); ++p) {
      const dataflow::InputPort& port = node.inputs[p];
      released_[static_cast<size_t>(n)][p] = state.image * rows(port.channel) + port.release[f];
      const NodeId producer = network_.channels[static_cast<size_t>(port.channel)].producer;
      if (producer != dataflow::kNoNode && in_group_[static_cast<size_t>(producer)]) ready.push_back(producer);
    }
    state.busy = false;
    if (++state.phase == node.phases) {
      state.phase = 0;
      ++state.image;
    }
  }

  /// The group's state relative to image `started_image_` and time `now`.
  std::vector<int64_t> snapshot(Ticks now) const {
    const int64_t k = started_image_;
    std::vector<int64_t> key;
    for (NodeId n : group_) {
      const NodeState& state = nodes_[static_cast<size_t>(n)];
      key.push_back(state.image - k);
      key.push_back(state.phase);
      key.push_back(state.busy ? state.end - now : -1);
      const dataflow::Node& node = network_.nodes[static_cast<size_t>(n)];
      for (size_t p = 0; p < node.inputs.size(); ++p) {
        key.push_back(released_[static_cast<size_t>(n)][p] - k * rows(node.inputs[p].channel));
      }
      for (const dataflow::OutputPort& port : node.outputs) {
        key.push_back(written_[static_cast<size_t>(port.channel)] - k * rows(port.channel));
      }
    }
    return key;
  }

  /// Brent's cycle detection over the states seen when the reference node starts an image.
  std::optional<Period> observe(Ticks now) {
    std::vector<int64_t> key = snapshot(now);
    const int64_t image = started_image_;
    started_image_ = -1;
    if (saved_image_ >= 0 && key == saved_key_) return make_period(now - saved_time_, image - saved_image_);
    // Save every state at which the count since the last save reaches a doubling power: once the
    // saved state is periodic and the power reaches the period, the next period repeats it.
    if (saved_image_ >= 0 && ++since_saved_ < power_) return std::nullopt;
    power_ = saved_image_ < 0 ? 1 : power_ * 2;
    saved_key_ = std::move(key);
    saved_image_ = image;
    saved_time_ = now;
    since_saved_ = 0;
    return std::nullopt;
  }

  void report_deadlock() {
    std::string stuck;
    for (NodeId n : group_) {
      const NodeState& state = nodes_[static_cast<size_t>(n)];
      if (stuck.size() < 200) {
        stuck += fmt::format(" {}#{}/{}", network_.nodes[static_cast<size_t>(n)].name, state.image, state.phase);
      }
    }
    log_.add(Violation::kDeadlock, fmt::format("deadlock: no firing can start; next firings (image/phase):{}", stuck));
  }

  const Network& network_;
  const std::vector<std::vector<Ticks>>& times_;
  const std::vector<int64_t>& capacity_;
  const std::vector<NodeId>& group_;
  std::vector<bool> in_group_;
  ViolationLog& log_;
  std::vector<NodeState> nodes_;
  std::vector<int64_t> written_;
  std::vector<std::vector<int64_t>> released_;
  std::vector<int64_t> held_peak_;
  std::priority_queue<std::pair<Ticks, NodeId>, std::vector<std::pair<Ticks, NodeId>>, std::greater<>> events_;
  NodeId reference_ = 0;
  bool zero_time_ = false;
  int64_t started_image_ = -1;
  std::vector<int64_t> saved_key_;
  int64_t saved_image_ = -1;
  Ticks saved_time_ = 0;
  int64_t power_ = 1;
  int64_t since_saved_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Step 3: figures.

bool nearly_equal(double a, double b) {
  return std::fabs(a - b) <= kRelativeTolerance * std::max({std::fabs(a), std::fabs(b), 1e-300});
}

bool period_less(const Period& a, const Period& b) {
  return static_cast<__int128>(a.ticks) * b.images < static_cast<__int128>(b.ticks) * a.images;
}

void check_figures(const graph::Graph& graph, const Network& network, const PipelinedPlan& plan,
                   const std::vector<std::vector<Ticks>>& times, const Period& measured, const AnalysisOptions& options,
                   ViolationLog& log) {
  if (!(measured == plan.period)) {
    log.add(Violation::kPeriod, fmt::format("period: replay measures {} ticks / {} images, the plan claims {} / {}", measured.ticks, measured.images,
            plan.period.ticks, plan.period.images));
  }
  Ticks baseline = 0;
  for (size_t n = 0; n < network.nodes.size() && n < graph.actors.size(); ++n) {
    // An unsplit actor's firing: its work plus one overhead, i.e. the sum of its phases minus
    // the extra overheads.
    const Ticks busy = std::accumulate(times[n].begin(), times[n].end(), Ticks{0});
    const Ticks overhead = static_cast<Ticks>(std::round(options.platform.firing_overhead_s * 1e12));
    baseline = std::max(baseline, busy - (network.nodes[n].phases - 1) * overhead);
  }
  if (baseline != plan.baseline_period) {
    log.add(Violation::kFigure, fmt::format("baseline period {} ticks differs from the recomputed {}", plan.baseline_period, baseline));
  }
  const double slowdown = baseline > 0 ? static_cast<double>(measured.ticks) /
                                             (static_cast<double>(measured.images) * static_cast<double>(baseline))
                                       : 1.0;
  if (!nearly_equal(slowdown, plan.slowdown)) {
    log.add(Violation::kFigure, fmt::format("slowdown {:.12g} differs from the recomputed {:.12g}", plan.slowdown, slowdown));
  }
  if (!(std::max(slowdown, plan.slowdown) <= options.max_slowdown + kRelativeTolerance)) {
    log.add(Violation::kFigure, fmt::format("slowdown {:.12g} exceeds --max-slowdown {}", std::max(slowdown, plan.slowdown), options.max_slowdown));
  }
  int64_t bytes = 0;
  for (size_t c = 0; c < network.channels.size(); ++c) {
    if (network.channels[c].counted && network.channels[c].producer != dataflow::kNoNode) {
      bytes += plan.capacity_rows[c] * network.channels[c].row_bytes;
    }
  }
  if (bytes != plan.fifo_bytes) log.add(Violation::kFigure, fmt::format("fifo_bytes {} differs from the sum of capacities {}", plan.fifo_bytes, bytes));
}

/// A counted channel written but read by nobody holds the rows one firing writes (MODEL 4: nothing is
/// released before they are written, and they are dropped when the firing ends).
void check_unread_channel(const Network& network, ChannelId c, const PipelinedPlan& plan, const graph::Graph& graph,
                          ViolationLog& log) {
  const dataflow::Channel& channel = network.channels[static_cast<size_t>(c)];
  if (!channel.counted || channel.producer == dataflow::kNoNode || !channel.consumers.empty()) return;
  int64_t widest = 0;
  for (const dataflow::OutputPort& port : network.nodes[static_cast<size_t>(channel.producer)].outputs) {
    if (port.channel != c) continue;
    for (size_t f = 0; f < port.written.size(); ++f) widest = std::max(widest, port.written[f] - (f > 0 ? port.written[f - 1] : 0));
  }
  if (plan.capacity_rows[static_cast<size_t>(c)] < widest) {
    log.add(Violation::kCapacity, fmt::format("capacity: unread buffer {} has capacity {}, one firing writes {} rows", graph.buffers[static_cast<size_t>(c)].name,
            plan.capacity_rows[static_cast<size_t>(c)], widest));
  }
}

bool check_shape(const graph::Graph& graph, const PipelinedPlan& plan, ViolationLog& log) {
  const size_t actor_nodes = plan.granularity().size();
  if (actor_nodes != graph.actors.size() || plan.capacity_rows.size() != graph.buffers.size()) {
    log.add(Violation::kClaimShape,
            fmt::format("plan: {} actor nodes, {} capacities for {} actors and {} buffers", actor_nodes,
                        plan.capacity_rows.size(), graph.actors.size(), graph.buffers.size()));
    return false;
  }
  return true;
}

}  // namespace

VerifyReport verify_pipelined(const graph::Graph& graph, const PipelinedPlan& plan, const AnalysisOptions& options) {
  ViolationLog log;
  if (!check_shape(graph, plan, log)) return log.finish();
  Network network;
  try {
    network = dataflow::build_network(graph, plan.granularity(), {.stream_io = options.stream_io});
  } catch (const std::exception& error) {
    log.add(Violation::kNetwork, fmt::format("network: cannot rebuild: {}", error.what()));
    return log.finish();
  }
  compare_networks(plan.network, network, log);  // the actor nodes' phase counts among the rest
  check_streaming_reductions(graph, network, log);
  const std::vector<std::vector<Ticks>> times = model_times(graph, network, options);
  if (plan.times.ticks != times) log.add(Violation::kFigure, fmt::format("times: the claimed firing times differ from the time model's"));
  for (size_t c = 0; c < network.channels.size(); ++c) {
    if (limits_producer(network.channels[c]) && plan.capacity_rows[c] < 1) {
      log.add(Violation::kCapacity, fmt::format("capacity: buffer {} has capacity {}", graph.buffers[c].name, plan.capacity_rows[c]));
    }
    check_unread_channel(network, static_cast<ChannelId>(c), plan, graph, log);
  }
  if (!log.empty()) return log.finish();

  Period slowest = make_period(0, 1);
  for (const std::vector<NodeId>& group : node_groups(network, plan.capacity_rows)) {
    Replay replay(network, times, plan.capacity_rows, group, log);
    const std::optional<Period> period = replay.run();
    if (!period) return log.finish();
    for (size_t c = 0; c < network.channels.size(); ++c) {
      if (replay.held_peak()[c] > plan.capacity_rows[c]) {
        log.add(Violation::kCapacity, fmt::format("capacity: buffer {} held {} rows, capacity {}", graph.buffers[c].name, replay.held_peak()[c],
                plan.capacity_rows[c]));
      }
    }
    if (period_less(slowest, *period)) slowest = *period;
  }
  check_figures(graph, network, plan, times, slowest, options, log);
  return log.finish();
}

}  // namespace bufopt::analysis
