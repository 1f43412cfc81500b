#include "bufopt/analysis/segment_cuts.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <tuple>

#include "bufopt/analysis/segment_schedule.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

using dataflow::Network;
using dataflow::NodeId;

/// Bytes of one contribution are clamped here so that sums of a few thousand never overflow.
constexpr int64_t kHugeBytes = int64_t{1} << 50;
constexpr int64_t kUnreachable = std::numeric_limits<int64_t>::max();

/// Granularities of the streamed segments (rows per firing), finest first.
constexpr int64_t kStreamedGranularities[] = {1, 2, 4, 8, 16};

/// First replay length (actors) of a start position; doubled while the bound has not stopped it,
/// up to kMaxLength (segments longer than that are not measured: a cap on the time, whatever
/// the depth; 64 actors are about 20 residual blocks).
constexpr size_t kFirstLength = 16;
constexpr size_t kMaxLength = 64;

int64_t clamped_bytes(int64_t rows, int64_t row_bytes) {
  return std::min(graph::checked_mul(rows, row_bytes).value_or(kHugeBytes), kHugeBytes);
}

/// Maximum over positions [0, size) with additions on ranges (a segment tree without lazy
/// propagation: a node's value is the maximum below it plus what was added to all of it).
class MaxAddTree {
 public:
  explicit MaxAddTree(size_t size) : size_(std::max<size_t>(size, 1)), max_(4 * size_, 0), add_(4 * size_, 0) {}

  /// Adds `value` to positions [lo, hi] (inclusive; clipped to the tree).
  void add(int64_t lo, int64_t hi, int64_t value) {
    lo = std::max<int64_t>(lo, 0);
    hi = std::min<int64_t>(hi, static_cast<int64_t>(size_) - 1);
    if (lo > hi || value == 0) return;
    add(1, 0, static_cast<int64_t>(size_) - 1, lo, hi, value);
  }

  /// Maximum over positions [0, hi].
  int64_t prefix_max(int64_t hi) const {
    hi = std::min<int64_t>(hi, static_cast<int64_t>(size_) - 1);
    if (hi < 0) return 0;
    return query(1, 0, static_cast<int64_t>(size_) - 1, hi);
  }

 private:
  void add(size_t node, int64_t left, int64_t right, int64_t lo, int64_t hi, int64_t value) {
    if (lo <= left && right <= hi) {
      max_[node] += value;
      add_[node] += value;
      return;
    }
    const int64_t middle = (left + right) / 2;
    if (lo <= middle) add(2 * node, left, middle, lo, hi, value);
    if (hi > middle) add(2 * node + 1, middle + 1, right, lo, hi, value);
    max_[node] = std::max(max_[2 * node], max_[2 * node + 1]) + add_[node];
  }

  int64_t query(size_t node, int64_t left, int64_t right, int64_t hi) const {
    if (right <= hi) return max_[node];
    const int64_t middle = (left + right) / 2;
    int64_t best = query(2 * node, left, middle, hi);
    if (hi > middle) best = std::max(best, query(2 * node + 1, middle + 1, right, hi));
    return best + add_[node];
  }

  size_t size_;
  std::vector<int64_t> max_;
  std::vector<int64_t> add_;
};

/// What does not depend on the granularity: where each node sits in the graph order and
/// where each buffer's readers end.
struct Layout {
  size_t actors = 0;
  /// Per node: the cut position it belongs to (an actor's index, a source's first actor
  /// reader, a sink's producer).
  std::vector<int64_t> position;
  /// Per channel: the producer's position (-1: present from the start) and 1 + the largest
  /// reader position (0 for a channel nobody reads).
  std::vector<int64_t> producer_position;
  std::vector<int64_t> reader_end;
  /// Per channel: its reading (node, port) pairs.
  std::vector<std::vector<std::pair<NodeId, size_t>>> readers;
};

Layout layout_of(const Network& network, size_t actors) {
  Layout layout;
  layout.actors = actors;
  const size_t nodes = network.nodes.size();
  layout.position.assign(nodes, 0);
  for (size_t n = 0; n < actors; ++n) layout.position[n] = static_cast<int64_t>(n);
  std::vector<int32_t> segment_of_actor(actors);
  for (size_t a = 0; a < actors; ++a) segment_of_actor[a] = static_cast<int32_t>(a);
  // With one segment per actor, node_segments gives each source and sink its position.
  const std::vector<int32_t> segment = node_segments(network, segment_of_actor);
  for (size_t n = actors; n < nodes; ++n) layout.position[n] = segment[n];
  layout.producer_position.assign(network.channels.size(), -1);
  layout.reader_end.assign(network.channels.size(), 0);
  layout.readers.resize(network.channels.size());
  for (size_t c = 0; c < network.channels.size(); ++c) {
    const NodeId producer = network.channels[c].producer;
    if (producer != dataflow::kNoNode) layout.producer_position[c] = layout.position[static_cast<size_t>(producer)];
  }
  for (size_t n = 0; n < nodes; ++n) {
    const auto& inputs = network.nodes[n].inputs;
    for (size_t p = 0; p < inputs.size(); ++p) {
      const auto c = static_cast<size_t>(inputs[p].channel);
      layout.readers[c].emplace_back(static_cast<NodeId>(n), p);
      layout.reader_end[c] = std::max(layout.reader_end[c], layout.position[n] + 1);
    }
  }
  return layout;
}

/// One granularity: its network and the extra firings of every prefix of actors.
struct Mode {
  int64_t granularity = 1;  ///< 0: whole
  Network network;
  std::vector<int64_t> extra_prefix;  ///< [k]: extra firings of actors 0..k-1
};

/// How a replay from one start position ended.
enum class ReplayEnd {
  kBounded,      ///< every longer segment costs at least the stop bound
  kReachedEnd,   ///< measured up to the last actor
  kNeedsLonger,  ///< measured up to start + length only
};

/// Measures segments [i, j) for j in [first_end, min(actors, i + length)] with one eager replay
/// of actors i..i+length-1 (step 2 of the header) and calls emit(j, cost) for each.
ReplayEnd measure_from(const Mode& mode, const Layout& layout, size_t i, size_t length, size_t first_end,
                       int64_t stop_at, const std::function<void(size_t, int64_t)>& emit) {
  const Network& network = mode.network;
  const size_t nodes = network.nodes.size();
  const size_t channels = network.channels.size();
  const auto start = static_cast<int64_t>(i);
  const auto end = static_cast<int64_t>(std::min(layout.actors, i + length));

  // The eager order of the members, everything before them done.
  EagerOrder order(network);
  std::vector<char> member(nodes, 0);
  for (size_t n = 0; n < nodes; ++n) {
    if (layout.position[n] < start) {
      order.assume_complete(static_cast<NodeId>(n));
    } else if (layout.position[n] < end) {
      member[n] = 1;
    }
  }
  std::vector<NodeId> firings;
  order.run(member, [&](NodeId n) {
    firings.push_back(n);
    return true;
  });

  // Replay (MODEL 4): capacity, first write and last release of every channel.
  std::vector<int64_t> written(channels, 0);
  std::vector<int64_t> min_release(channels, 0);
  std::vector<int64_t> capacity(channels, 0);
  std::vector<int64_t> first(channels, -1);
  std::vector<int64_t> last(channels, -1);
  std::vector<int64_t> last_write(channels, -1);
  std::vector<std::vector<int64_t>> released(nodes);
  std::vector<int64_t> fired(nodes, 0);
  for (size_t n = 0; n < nodes; ++n) {
    const bool done = layout.position[n] < start;
    released[n].resize(network.nodes[n].inputs.size());
    for (size_t p = 0; p < released[n].size(); ++p) {
      released[n][p] = done ? network.channels[static_cast<size_t>(network.nodes[n].inputs[p].channel)].rows : 0;
    }
    if (done) fired[n] = network.nodes[n].phases;
  }
  for (size_t c = 0; c < channels; ++c) {
    const dataflow::Channel& channel = network.channels[c];
    if (layout.producer_position[c] < start) {
      written[c] = channel.rows;
      capacity[c] = channel.rows;
      first[c] = 0;
    }
    int64_t lowest = std::numeric_limits<int64_t>::max();
    for (const auto& [reader, port] : layout.readers[c]) {
      lowest = std::min(lowest, released[static_cast<size_t>(reader)][port]);
    }
    min_release[c] = lowest;
  }
  for (size_t t = 0; t < firings.size(); ++t) {
    const auto n = static_cast<size_t>(firings[t]);
    const dataflow::Node& node = network.nodes[n];
    const auto f = static_cast<size_t>(fired[n]++);
    for (const dataflow::OutputPort& port : node.outputs) {
      const auto c = static_cast<size_t>(port.channel);
      const int64_t before = written[c];
      const int64_t after = port.written[f];
      if (after > before) {
        if (first[c] < 0) first[c] = static_cast<int64_t>(t);
        last_write[c] = static_cast<int64_t>(t);
      }
      capacity[c] = std::max(capacity[c], after - std::min(min_release[c], before));
      written[c] = after;
    }
    for (size_t p = 0; p < node.inputs.size(); ++p) {
      const auto c = static_cast<size_t>(node.inputs[p].channel);
      const int64_t previous = released[n][p];
      released[n][p] = node.inputs[p].release[f];
      // Releases only grow: the lowest changes only when this port held it.
      if (previous == min_release[c] && released[n][p] != previous) {
        int64_t lowest = std::numeric_limits<int64_t>::max();
        for (const auto& [reader, port] : layout.readers[c]) {
          lowest = std::min(lowest, released[static_cast<size_t>(reader)][port]);
        }
        min_release[c] = lowest;
      }
      const int64_t lowest = min_release[c];
      if (last[c] < 0 && lowest >= network.channels[c].rows) last[c] = static_cast<int64_t>(t);
    }
  }

  // A lifetime ends at the last release or the last write, whichever is later (rows nobody
  // reads may be written after every reader is done: buffer_usage.h).
  for (size_t c = 0; c < channels; ++c) {
    if (last[c] >= 0) last[c] = std::max(last[c], last_write[c]);
  }

  // ends[k]: firings of the nodes at positions start..start+k-1 all made after ends[k] firings.
  const auto span = static_cast<size_t>(end - start);
  std::vector<int64_t> ends(span + 1, 0);
  for (size_t t = 0; t < firings.size(); ++t) {
    const auto k = static_cast<size_t>(layout.position[static_cast<size_t>(firings[t])] - start);
    ends[k + 1] = std::max(ends[k + 1], static_cast<int64_t>(t) + 1);
  }
  for (size_t k = 1; k <= span; ++k) ends[k] = std::max(ends[k], ends[k - 1]);

  // Contributions, switched on as j grows: events[k] apply to segments ending at start + k.
  const auto total = static_cast<int64_t>(firings.size());
  MaxAddTree cost(firings.size());
  MaxAddTree internal(firings.size());
  /// A channel joins (held whole from its first write) or becomes internal (its capacity
  /// over its lifetime).
  struct Event {
    size_t channel;
    bool joins;
  };
  std::vector<std::vector<Event>> events(span + 1);
  for (size_t c = 0; c < channels; ++c) {
    const dataflow::Channel& channel = network.channels[c];
    if (!channel.counted || layout.readers[c].empty()) continue;
    const int64_t produced = layout.producer_position[c];
    const int64_t readers_end = layout.reader_end[c];
    if (produced < start) {
      if (readers_end <= start) continue;  // read only before the segment: gone
      cost.add(0, total - 1, clamped_bytes(channel.rows, channel.row_bytes));
      // Alive at the first firing of every segment [i, j): a bound for all of them.
      internal.add(0, 0, clamped_bytes(channel.rows, channel.row_bytes));
    } else if (produced < end) {
      events[static_cast<size_t>(produced + 1 - start)].push_back({c, true});
    } else {
      continue;
    }
    if (readers_end <= end) events[static_cast<size_t>(std::max(readers_end, start + 1) - start)].push_back({c, false});
  }
  auto whole_from = [&](size_t c) { return first[c] < 0 ? 0 : first[c]; };
  auto produced_before = [&](size_t c) { return layout.producer_position[c] < start; };
  for (size_t k = 1; k <= span; ++k) {
    // Joins before switches: a channel produced and last read inside the same step.
    for (const Event& event : events[k]) {
      if (!event.joins) continue;
      const dataflow::Channel& channel = network.channels[event.channel];
      cost.add(whole_from(event.channel), total - 1, clamped_bytes(channel.rows, channel.row_bytes));
    }
    for (const Event& event : events[k]) {
      if (event.joins) continue;
      const size_t c = event.channel;
      const dataflow::Channel& channel = network.channels[c];
      const int64_t from = whole_from(c);
      const int64_t to = last[c] < 0 ? total - 1 : last[c];
      const int64_t bytes = clamped_bytes(capacity[c], channel.row_bytes);
      cost.add(from, total - 1, -clamped_bytes(channel.rows, channel.row_bytes));
      cost.add(from, to, bytes);
      internal.add(from, to, bytes);
      if (produced_before(c)) internal.add(0, 0, -clamped_bytes(channel.rows, channel.row_bytes));
    }
    const size_t j = i + k;
    if (j >= first_end) emit(j, cost.prefix_max(ends[k] - 1));
    if (internal.prefix_max(ends[k] - 1) >= stop_at) return ReplayEnd::kBounded;
  }
  return static_cast<size_t>(end) == layout.actors ? ReplayEnd::kReachedEnd : ReplayEnd::kNeedsLonger;
}

}  // namespace

SegmentCuts::SegmentCuts(const graph::Graph& graph, bool stream_io) : actors_(graph.actors.size()) {
  labels_.resize(actors_ + 1);
  labels_[0].push_back(Label{});
  if (actors_ == 0) return;

  int64_t most_rows = 1;
  for (size_t a = 0; a < actors_; ++a) {
    whole_granularity_.push_back(dataflow::phase_rows(graph, static_cast<graph::ActorId>(a)));
    most_rows = std::max(most_rows, whole_granularity_.back());
  }
  std::vector<Mode> modes;
  auto add_mode = [&](int64_t granularity, const std::vector<int64_t>& per_actor) {
    Mode mode;
    mode.granularity = granularity;
    mode.network = dataflow::build_network(graph, per_actor, {.stream_io = stream_io});
    mode.extra_prefix.assign(actors_ + 1, 0);
    for (size_t a = 0; a < actors_; ++a) {
      mode.extra_prefix[a + 1] = mode.extra_prefix[a] + mode.network.nodes[a].phases - 1;
    }
    mode_granularity_.push_back(granularity);
    modes.push_back(std::move(mode));
  };
  add_mode(0, whole_granularity_);
  for (int64_t g : kStreamedGranularities) {
    if (g < most_rows) add_mode(g, std::vector<int64_t>(actors_, g));
  }
  const Layout layout = layout_of(modes[0].network, actors_);

  // Step 1: one-actor whole segments and U, the peak of cutting everywhere.
  std::vector<int64_t> whole_cost(actors_, 0);
  int64_t cut_everywhere = 0;
  for (size_t i = 0; i < actors_; ++i) {
    measure_from(modes[0], layout, i, 1, i + 1, kUnreachable, [&](size_t, int64_t c) { whole_cost[i] = c; });
    cut_everywhere = std::max(cut_everywhere, whole_cost[i]);
  }

  std::vector<size_t> reached(modes.size(), 0);  // per mode: the last segment end measured
  // Step 3's labels, relaxed from each position once final.
  std::vector<std::vector<Label>> pending(actors_ + 1);
  auto pareto = [](std::vector<Label>& labels) {
    std::sort(labels.begin(), labels.end(), [](const Label& x, const Label& y) {
      return std::tie(x.extra, x.peak, x.from_position, x.mode, x.from_label) <
             std::tie(y.extra, y.peak, y.from_position, y.mode, y.from_label);
    });
    std::vector<Label> front;
    for (const Label& label : labels) {
      if (front.empty() || label.peak < front.back().peak) front.push_back(label);
    }
    labels = std::move(front);
  };
  auto relax = [&](size_t i, size_t j, int64_t cost, int64_t extra, int32_t mode) {
    std::vector<Label>& into = pending[j];
    const std::vector<Label>& from = labels_[i];
    for (size_t k = 0; k < from.size(); ++k) {
      const bool last = from[k].peak <= cost;  // the rest (more extra firings) only lose
      into.push_back({std::max(from[k].peak, cost), from[k].extra + extra, static_cast<int32_t>(i),
                      static_cast<int32_t>(k), mode});
      if (last) break;
    }
    if (into.size() > 8 * kMaxLabels) pareto(into);
  };
  for (size_t i = 0; i < actors_; ++i) {
    if (i > 0) {
      pareto(pending[i]);
      std::vector<Label>& front = pending[i];
      if (front.size() > kMaxLabels) {
        std::vector<Label> thinned;
        for (size_t k = 0; k < kMaxLabels; ++k) thinned.push_back(front[k * (front.size() - 1) / (kMaxLabels - 1)]);
        front = std::move(thinned);
      }
      labels_[i] = std::move(front);
      pending[i].clear();
    }
    if (labels_[i].empty() || labels_[i].back().peak >= cut_everywhere) {
      // Still relax the whole segment: the layer-by-layer path must reach the end.
      if (!labels_[i].empty()) relax(i, i + 1, whole_cost[i], 0, 0);
      continue;
    }
    relax(i, i + 1, whole_cost[i], 0, 0);
    for (size_t m = 1; m < modes.size(); ++m) {
      const Mode& mode = modes[m];
      // The previous start's replay usually stopped near where this one will.
      size_t length = std::min(kMaxLength, std::max(kFirstLength, reached[m] > i ? reached[m] - i + kFirstLength / 2 : 0));
      size_t first_end = i + 1;
      for (;;) {
        const ReplayEnd ended =
            measure_from(mode, layout, i, length, first_end, cut_everywhere, [&](size_t j, int64_t c) {
              ++segments_measured_;
              reached[m] = j;
              if (c < cut_everywhere) relax(i, j, c, mode.extra_prefix[j] - mode.extra_prefix[i], static_cast<int32_t>(m));
            });
        if (ended != ReplayEnd::kNeedsLonger || length >= kMaxLength) break;
        first_end = i + length + 1;
        length *= 2;
      }
    }
  }
  pareto(pending[actors_]);
  labels_[actors_] = std::move(pending[actors_]);
}

SegmentPlan SegmentCuts::plan_of(const Label& final_label) const {
  SegmentPlan plan;
  plan.peak_bytes = final_label.peak;
  plan.extra_firings = final_label.extra;
  plan.granularity.assign(actors_, 1);
  plan.segment.assign(actors_, 0);
  std::vector<std::tuple<size_t, size_t, int32_t>> segments;  // [i, j), mode, last first
  size_t j = actors_;
  const Label* label = &final_label;
  while (label->from_position >= 0) {
    const auto i = static_cast<size_t>(label->from_position);
    segments.emplace_back(i, j, label->mode);
    label = &labels_[i][static_cast<size_t>(label->from_label)];
    j = i;
  }
  std::reverse(segments.begin(), segments.end());
  for (size_t s = 0; s < segments.size(); ++s) {
    const auto [begin, finish, mode] = segments[s];
    for (size_t a = begin; a < finish; ++a) {
      plan.segment[a] = static_cast<int32_t>(s);
      plan.granularity[a] = mode == 0 ? whole_granularity_[a] : mode_granularity_[static_cast<size_t>(mode)];
    }
  }
  return plan;
}

std::vector<SegmentPlan> SegmentCuts::best_within(int64_t budget, size_t count) const {
  const std::vector<Label>& final_labels = labels_[actors_];
  std::vector<SegmentPlan> plans;
  // Extra firings ascending, peak descending: the best within the budget is the last that fits.
  size_t fits = 0;
  while (fits < final_labels.size() && final_labels[fits].extra <= budget) ++fits;
  for (size_t k = fits; k > 0 && plans.size() < count; --k) plans.push_back(plan_of(final_labels[k - 1]));
  return plans;
}

}  // namespace bufopt::analysis
