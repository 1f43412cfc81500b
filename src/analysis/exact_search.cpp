// Exact searches over firing orders (see exact_search.h for the method and why it is exact).
#include "bufopt/analysis/exact_search.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "bufopt/analysis/time_model.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

using dataflow::Network;
using dataflow::NodeId;

constexpr int64_t kNoCutoff = std::numeric_limits<int64_t>::max();
constexpr size_t kMaxCountedChannels = 32;  // alive sets are 32-bit masks

/// A set of counted channels (bit k: the k-th counted channel).
using ChannelSet = uint32_t;

bool subset(ChannelSet inner, ChannelSet outer) {
  return (inner & ~outer) == 0;
}

/// Adds `set` to an antichain of sets (no member contained in another), keeping it one.
void add_to_antichain(std::vector<ChannelSet>& antichain, ChannelSet set) {
  for (ChannelSet member : antichain) {
    if (subset(set, member)) return;
  }
  std::erase_if(antichain, [set](ChannelSet member) { return subset(member, set); });
  antichain.push_back(set);
}

/// Every set of `inner` lies inside some set of `outer`.
bool covered(const std::vector<ChannelSet>& inner, const std::vector<ChannelSet>& outer) {
  return std::all_of(inner.begin(), inner.end(), [&](ChannelSet set) {
    return std::any_of(outer.begin(), outer.end(), [set](ChannelSet member) { return subset(set, member); });
  });
}

/// What firing one node from a state does to the counted channels.
struct Step {
  /// (counted channel index, rows held during the firing) for every counted channel written.
  std::vector<std::pair<size_t, int64_t>> occupancy;
  /// Counted channels alive during the firing (first write .. last release, inclusive).
  ChannelSet alive = 0;
};

/// The firing-count view of a network: which firings are enabled in a state and what they hold.
class FiringStates {
 public:
  explicit FiringStates(const Network& network) : network_(network) {
    const size_t channels = network.channels.size();
    readers_.resize(channels);
    producer_port_.assign(channels, 0);
    counted_of_channel_.assign(channels, -1);
    for (size_t n = 0; n < network.nodes.size(); ++n) {
      const dataflow::Node& node = network.nodes[n];
      for (size_t p = 0; p < node.inputs.size(); ++p)
        readers_[static_cast<size_t>(node.inputs[p].channel)].push_back({n, p});
      for (size_t p = 0; p < node.outputs.size(); ++p) producer_port_[static_cast<size_t>(node.outputs[p].channel)] = p;
    }
    for (size_t c = 0; c < channels; ++c) {
      if (!network.channels[c].counted || network.channels[c].producer == dataflow::kNoNode) continue;
      counted_of_channel_[c] = static_cast<int>(counted_.size());
      counted_.push_back(c);
    }
    representable_ = counted_.size() <= kMaxCountedChannels;
    radix_.assign(network.nodes.size(), 1);
    int64_t stride = 1;
    for (size_t n = 0; n < network.nodes.size(); ++n) {
      radix_[n] = stride;
      const auto next = graph::checked_mul(stride, network.nodes[n].phases + 1);
      if (!next) {
        representable_ = false;
        break;
      }
      stride = *next;
    }
    compute_floors_and_certain_sets();
  }

  /// False when states or alive sets do not fit the encodings (far beyond an exact search).
  bool representable() const { return representable_; }
  size_t nodes() const { return network_.nodes.size(); }
  size_t counted() const { return counted_.size(); }
  size_t channel_of(size_t k) const { return counted_[k]; }
  int64_t row_bytes(size_t k) const { return network_.channels[counted_[k]].row_bytes; }
  /// Rows channel k holds at some moment of every complete order: the rows one producer firing
  /// writes, and the rows one reader window needs.
  int64_t capacity_floor(size_t k) const { return floors_[k]; }
  /// Alive sets every complete order passes through (each contained in a real one).
  const std::vector<ChannelSet>& certain_alive_sets() const { return certain_; }

  int64_t encode(const std::vector<int64_t>& counts) const {
    int64_t key = 0;
    for (size_t n = 0; n < counts.size(); ++n) key += counts[n] * radix_[n];
    return key;
  }
  void decode(int64_t key, std::vector<int64_t>& counts) const {
    counts.resize(network_.nodes.size());
    for (size_t n = counts.size(); n-- > 0;) {
      counts[n] = key / radix_[n];
      key %= radix_[n];
    }
  }
  int64_t radix(size_t n) const { return radix_[n]; }

  bool complete(const std::vector<int64_t>& counts) const {
    for (size_t n = 0; n < counts.size(); ++n) {
      if (counts[n] != network_.nodes[n].phases) return false;
    }
    return true;
  }

  /// Fires node n from `counts` if it is enabled (its next firing exists and every input window
  /// is written and unreleased); fills `step`.
  bool fire(const std::vector<int64_t>& counts, size_t n, Step& step) const {
    const dataflow::Node& node = network_.nodes[n];
    const int64_t f = counts[n];
    if (f >= node.phases) return false;
    for (const dataflow::InputPort& port : node.inputs) {
      const dataflow::RowRange window = port.window[static_cast<size_t>(f)];
      if (window.size() == 0) continue;  // reads padding only: needs nothing
      const auto c = static_cast<size_t>(port.channel);
      const int64_t released = f == 0 ? 0 : port.release[static_cast<size_t>(f - 1)];
      if (window.end > written(c, counts) || window.begin < released) return false;
    }
    step.occupancy.clear();
    for (const dataflow::OutputPort& port : node.outputs) {
      const auto c = static_cast<size_t>(port.channel);
      if (counted_of_channel_[c] < 0) continue;
      const int64_t before = written(c, counts);
      const int64_t after = port.written[static_cast<size_t>(f)];
      step.occupancy.emplace_back(static_cast<size_t>(counted_of_channel_[c]),
                                  after - std::min(min_release(c, counts), before));
    }
    step.alive = 0;
    for (size_t k = 0; k < counted_.size(); ++k) {
      const size_t c = counted_[k];
      const auto producer = static_cast<size_t>(network_.channels[c].producer);
      // Alive from its first write (buffer_usage.h): a firing that writes nothing (a streaming
      // reduction before its last) does not start the buffer.
      const int64_t written_now = producer == n ? written_by(f, c) : written(c, counts);
      const bool started = written_now > 0;
      const int64_t rows = network_.channels[c].rows;
      const bool finished = written(c, counts) == rows && min_release(c, counts) == rows;
      if (started && !finished) step.alive |= ChannelSet{1} << k;
    }
    return true;
  }

 private:
  /// One reading port of a channel.
  struct Reader {
    size_t node = 0;
    size_t port = 0;
  };

  /// Rows of channel c written once its producer has fired its firing f.
  int64_t written_by(int64_t f, size_t c) const {
    return network_.nodes[static_cast<size_t>(network_.channels[c].producer)]
        .outputs[producer_port_[c]]
        .written[static_cast<size_t>(f)];
  }

  int64_t written(size_t c, const std::vector<int64_t>& counts) const {
    const dataflow::Channel& channel = network_.channels[c];
    if (channel.producer == dataflow::kNoNode) return channel.rows;
    const auto producer = static_cast<size_t>(channel.producer);
    const int64_t done = counts[producer];
    if (done == 0) return 0;
    return network_.nodes[producer].outputs[producer_port_[c]].written[static_cast<size_t>(done - 1)];
  }

  int64_t min_release(size_t c, const std::vector<int64_t>& counts) const {
    int64_t lowest = network_.channels[c].rows;  // nobody reads: nothing is kept
    for (const Reader& reader : readers_[c]) {
      const int64_t done = counts[reader.node];
      const int64_t released =
          done == 0 ? 0 : network_.nodes[reader.node].inputs[reader.port].release[static_cast<size_t>(done - 1)];
      lowest = std::min(lowest, released);
    }
    return lowest;
  }

  void compute_floors_and_certain_sets() {
    floors_.assign(counted_.size(), 0);
    if (!representable_) return;
    for (size_t n = 0; n < network_.nodes.size(); ++n) {
      const dataflow::Node& node = network_.nodes[n];
      for (int64_t f = 0; f < node.phases; ++f) {
        const auto phase = static_cast<size_t>(f);
        ChannelSet alive = 0;
        for (const dataflow::OutputPort& port : node.outputs) {
          const int k = counted_of_channel_[static_cast<size_t>(port.channel)];
          const int64_t rows = port.written[phase] - (f == 0 ? 0 : port.written[phase - 1]);
          if (k < 0 || rows <= 0) continue;
          floors_[static_cast<size_t>(k)] = std::max(floors_[static_cast<size_t>(k)], rows);
          alive |= ChannelSet{1} << k;
        }
        for (const dataflow::InputPort& port : node.inputs) {
          const int k = counted_of_channel_[static_cast<size_t>(port.channel)];
          const int64_t rows = port.window[phase].size();
          if (k < 0 || rows <= 0) continue;
          floors_[static_cast<size_t>(k)] = std::max(floors_[static_cast<size_t>(k)], rows);
          alive |= ChannelSet{1} << k;
        }
        if (alive != 0) add_to_antichain(certain_, alive);
      }
    }
  }

  const Network& network_;
  std::vector<std::vector<Reader>> readers_;
  std::vector<size_t> producer_port_;
  std::vector<int> counted_of_channel_;
  std::vector<size_t> counted_;
  std::vector<int64_t> radix_;
  std::vector<int64_t> floors_;
  std::vector<ChannelSet> certain_;
  bool representable_ = true;
};

/// What an exact search minimises.
enum class Objective {
  kFifoBytes,      ///< sum over counted channels of capacity * row_bytes
  kPeakLiveBytes,  ///< max over firings of the capacity bytes of the buffers alive during it
};

/// The outcome of one search.
struct SearchResult {
  enum class Status { kFound, kNoOrder, kLimit };
  Status status = Status::kNoOrder;
  std::vector<NodeId> firings;
  int64_t cost = 0;
  int64_t labels = 0;
};

/// Best-first search with dominance over (state, running maxima, alive sets) labels.
class LabelSearch {
 public:
  LabelSearch(const FiringStates& states, Objective objective, int64_t cutoff, int64_t max_labels)
      : states_(states), objective_(objective), cutoff_(cutoff), max_labels_(max_labels), width_(states.counted()) {}

  SearchResult run() {
    SearchResult result;
    std::vector<int64_t> counts(states_.nodes(), 0);
    std::vector<int64_t> root_max(width_, 0);
    std::vector<ChannelSet> root_sets;
    if (objective_ == Objective::kPeakLiveBytes) root_sets = states_.certain_alive_sets();
    if (!add_label(states_.encode(counts), -1, -1, 0, root_max, std::move(root_sets))) return result;
    Step step;
    std::vector<int64_t> next_max(width_);
    while (!open_.empty()) {
      const auto [key, negative_depth, id] = open_.top();
      open_.pop();
      if (labels_[static_cast<size_t>(id)].dead) continue;
      const Label label = labels_[static_cast<size_t>(id)];
      states_.decode(label.state, counts);
      if (states_.complete(counts)) return found(id, key);
      for (size_t n = 0; n < states_.nodes(); ++n) {
        if (!states_.fire(counts, n, step)) continue;
        const int64_t* max_rows = max_rows_.data() + static_cast<size_t>(id) * width_;
        std::copy(max_rows, max_rows + width_, next_max.begin());
        for (const auto& [k, rows] : step.occupancy) next_max[k] = std::max(next_max[k], rows);
        std::vector<ChannelSet> sets;
        if (objective_ == Objective::kPeakLiveBytes) {
          sets = sets_[static_cast<size_t>(id)];
          add_to_antichain(sets, step.alive);
        }
        add_label(label.state + states_.radix(n), id, static_cast<NodeId>(n), label.depth + 1, next_max,
                  std::move(sets));
        if (static_cast<int64_t>(labels_.size()) > max_labels_) {
          result.status = SearchResult::Status::kLimit;
          result.labels = static_cast<int64_t>(labels_.size());
          return result;
        }
      }
    }
    result.labels = static_cast<int64_t>(labels_.size());
    return result;
  }

 private:
  /// A search node: a state reached by one prefix (its maxima and alive sets live in the pools
  /// below, at the label's index). dead: dominated by a later label of the same state.
  struct Label {
    int64_t state = 0;
    int32_t parent = -1;
    NodeId node = -1;
    int64_t depth = 0;
    bool dead = false;
  };

  /// The objective with every maximum raised to its floor: a lower bound on every completion,
  /// equal to the cost once the order is complete. capacity * row_bytes cannot overflow: it is
  /// at most the tensor's bytes.
  int64_t key_of(const std::vector<int64_t>& max_rows, const std::vector<ChannelSet>& sets) const {
    auto bytes = [&](size_t k) { return std::max(max_rows[k], states_.capacity_floor(k)) * states_.row_bytes(k); };
    if (objective_ == Objective::kFifoBytes) {
      int64_t total = 0;
      for (size_t k = 0; k < width_; ++k) total += bytes(k);
      return total;
    }
    int64_t peak = 0;
    for (size_t k = 0; k < width_; ++k) peak = std::max(peak, bytes(k));  // every buffer lives once
    for (ChannelSet set : sets) {
      int64_t live = 0;
      for (size_t k = 0; k < width_; ++k) {
        if (set & (ChannelSet{1} << k)) live += bytes(k);
      }
      peak = std::max(peak, live);
    }
    return peak;
  }

  bool dominates(int32_t id, const std::vector<int64_t>& max_rows, const std::vector<ChannelSet>& sets) const {
    const int64_t* other = max_rows_.data() + static_cast<size_t>(id) * width_;
    for (size_t k = 0; k < width_; ++k) {
      if (other[k] > max_rows[k]) return false;
    }
    return covered(sets_[static_cast<size_t>(id)], sets);
  }

  bool dominated_by_new(int32_t id, const std::vector<int64_t>& max_rows, const std::vector<ChannelSet>& sets) const {
    const int64_t* other = max_rows_.data() + static_cast<size_t>(id) * width_;
    for (size_t k = 0; k < width_; ++k) {
      if (max_rows[k] > other[k]) return false;
    }
    return covered(sets, sets_[static_cast<size_t>(id)]);
  }

  /// Creates the label unless a label of the same state dominates it or its key reaches the
  /// cutoff; retires the labels it dominates.
  bool add_label(int64_t state, int32_t parent, NodeId node, int64_t depth, const std::vector<int64_t>& max_rows,
                 std::vector<ChannelSet> sets) {
    const int64_t key = key_of(max_rows, sets);
    if (key >= cutoff_) return false;
    std::vector<int32_t>& frontier = frontier_[state];
    for (int32_t other : frontier) {
      if (dominates(other, max_rows, sets)) return false;
    }
    std::erase_if(frontier, [&](int32_t other) {
      if (!dominated_by_new(other, max_rows, sets)) return false;
      labels_[static_cast<size_t>(other)].dead = true;
      return true;
    });
    const auto id = static_cast<int32_t>(labels_.size());
    labels_.push_back({state, parent, node, depth, false});
    max_rows_.insert(max_rows_.end(), max_rows.begin(), max_rows.end());
    sets_.push_back(std::move(sets));
    frontier.push_back(id);
    open_.emplace(key, -depth, id);
    return true;
  }

  SearchResult found(int32_t id, int64_t key) const {
    SearchResult result;
    result.status = SearchResult::Status::kFound;
    result.cost = key;
    result.labels = static_cast<int64_t>(labels_.size());
    for (int32_t at = id; labels_[static_cast<size_t>(at)].parent >= 0; at = labels_[static_cast<size_t>(at)].parent) {
      result.firings.push_back(labels_[static_cast<size_t>(at)].node);
    }
    std::reverse(result.firings.begin(), result.firings.end());
    return result;
  }

  const FiringStates& states_;
  Objective objective_;
  int64_t cutoff_;
  int64_t max_labels_;
  size_t width_;
  std::vector<Label> labels_;
  std::vector<int64_t> max_rows_;  // width_ entries per label
  std::vector<std::vector<ChannelSet>> sets_;
  std::unordered_map<int64_t, std::vector<int32_t>> frontier_;
  /// (key, -depth, id): smallest key first, then the deepest label (finishes sooner).
  using Entry = std::tuple<int64_t, int64_t, int32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> open_;
};

/// Capacities and lifetimes of one complete order, replayed on the firing-count view.
struct OrderFacts {
  std::vector<int64_t> capacity_rows;  // per channel
  std::vector<Lifetime> lifetimes;     // per channel
};

OrderFacts replay_order(const Network& network, const FiringStates& states, const std::vector<NodeId>& firings) {
  OrderFacts facts;
  facts.capacity_rows.assign(network.channels.size(), 0);
  facts.lifetimes.assign(network.channels.size(), Lifetime{});
  std::vector<int64_t> counts(states.nodes(), 0);
  Step step;
  for (size_t i = 0; i < firings.size(); ++i) {
    const auto n = static_cast<size_t>(firings[i]);
    states.fire(counts, n, step);
    for (const auto& [k, rows] : step.occupancy) {
      int64_t& capacity = facts.capacity_rows[states.channel_of(k)];
      capacity = std::max(capacity, rows);
    }
    for (size_t k = 0; k < states.counted(); ++k) {
      if (!(step.alive & (ChannelSet{1} << k))) continue;
      Lifetime& lifetime = facts.lifetimes[states.channel_of(k)];
      if (lifetime.first < 0) lifetime.first = static_cast<int64_t>(i);
      lifetime.last = static_cast<int64_t>(i);
    }
    ++counts[n];
  }
  return facts;
}

int64_t fifo_bytes_of(const Network& network, const std::vector<int64_t>& capacity_rows) {
  int64_t total = 0;
  for (size_t c = 0; c < network.channels.size(); ++c) {
    if (network.channels[c].counted) total += capacity_rows[c] * network.channels[c].row_bytes;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Placement.

bool placed(const ArenaRequest& request) {
  return request.size > 0 && request.lifetime.first >= 0;
}

/// First-fit in `order`: each request at the lowest offset free of the placed requests alive
/// with it. Returns the arena size.
int64_t first_fit(const std::vector<ArenaRequest>& requests, const std::vector<size_t>& order,
                  std::vector<int64_t>& offsets) {
  int64_t size = 0;
  std::vector<size_t> done;
  std::vector<int64_t> candidates;
  for (size_t i : order) {
    candidates.assign(1, 0);
    for (size_t j : done) {
      if (requests[j].lifetime.overlaps(requests[i].lifetime)) candidates.push_back(offsets[j] + requests[j].size);
    }
    std::sort(candidates.begin(), candidates.end());
    for (int64_t offset : candidates) {
      const bool free = std::none_of(done.begin(), done.end(), [&](size_t j) {
        return requests[j].lifetime.overlaps(requests[i].lifetime) && offset < offsets[j] + requests[j].size &&
               offsets[j] < offset + requests[i].size;
      });
      if (free) {
        offsets[i] = offset;
        break;
      }
    }
    size = std::max(size, offsets[i] + requests[i].size);
    done.push_back(i);
  }
  return size;
}

/// The most bytes alive at one firing: no placement is smaller.
int64_t clique_bound(const std::vector<ArenaRequest>& requests, const std::vector<size_t>& order) {
  int64_t peak = 0;
  for (size_t i : order) {
    int64_t live = 0;
    for (size_t j : order) {
      const Lifetime& other = requests[j].lifetime;
      if (other.first <= requests[i].lifetime.first && requests[i].lifetime.first <= other.last)
        live += requests[j].size;
    }
    peak = std::max(peak, live);
  }
  return peak;
}

// ---------------------------------------------------------------------------------------------
// Granularity enumeration.

/// Per actor, the effective granularities to try: 1..rows, or rows alone for a barrier.
std::vector<std::vector<int64_t>> granularity_choices(const graph::Graph& graph) {
  std::vector<std::vector<int64_t>> choices(graph.actors.size());
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const auto actor = static_cast<graph::ActorId>(a);
    const int64_t rows = dataflow::phase_rows(graph, actor);
    if (dataflow::effective_granularity(graph, actor, 1) == rows) {
      choices[a] = {rows};
      continue;
    }
    choices[a].resize(static_cast<size_t>(rows));
    std::iota(choices[a].begin(), choices[a].end(), int64_t{1});
  }
  return choices;
}

/// Advances `index` like an odometer over `choices`; false after the last vector.
bool next_vector(const std::vector<std::vector<int64_t>>& choices, std::vector<size_t>& index) {
  for (size_t a = 0; a < index.size(); ++a) {
    if (++index[a] < choices[a].size()) return true;
    index[a] = 0;
  }
  return false;
}

bool within_slowdown(const graph::Graph& graph, const std::vector<int64_t>& granularity,
                     const AnalysisOptions& options) {
  std::vector<int64_t> phases(graph.actors.size());
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const int64_t rows = dataflow::phase_rows(graph, static_cast<graph::ActorId>(a));
    phases[a] = (rows + granularity[a] - 1) / granularity[a];
  }
  const double time = sequential_time_seconds(graph, phases, options.platform);
  const double baseline = baseline_time_seconds(graph, options.platform);
  const double slowdown = baseline > 0 ? time / baseline : 1.0;
  return slowdown <= options.max_slowdown + 1e-9;
}

/// The placement requests of an order's counted buffers.
std::vector<ArenaRequest> arena_requests(const Network& network, const OrderFacts& facts) {
  std::vector<ArenaRequest> requests(network.channels.size());
  for (size_t c = 0; c < network.channels.size(); ++c) {
    if (!network.channels[c].counted) continue;
    requests[c].size = facts.capacity_rows[c] * network.channels[c].row_bytes;
    requests[c].lifetime = facts.lifetimes[c];
  }
  return requests;
}

}  // namespace

std::optional<MinimumFifoSchedule> minimum_fifo_schedule(const Network& network, const ExactSearchLimits& limits) {
  const FiringStates states(network);
  if (!states.representable()) return std::nullopt;
  const SearchResult result = LabelSearch(states, Objective::kFifoBytes, kNoCutoff, limits.max_labels).run();
  if (result.status != SearchResult::Status::kFound) return std::nullopt;
  MinimumFifoSchedule best;
  best.schedule.firings = result.firings;
  best.capacity_rows = replay_order(network, states, result.firings).capacity_rows;
  best.fifo_bytes = fifo_bytes_of(network, best.capacity_rows);
  best.labels = result.labels;
  return best;
}

std::optional<MinimumPeakSchedule> minimum_peak_schedule(const Network& network, const ExactSearchLimits& limits) {
  const FiringStates states(network);
  if (!states.representable()) return std::nullopt;
  const SearchResult result = LabelSearch(states, Objective::kPeakLiveBytes, kNoCutoff, limits.max_labels).run();
  if (result.status != SearchResult::Status::kFound) return std::nullopt;
  OrderFacts facts = replay_order(network, states, result.firings);
  MinimumPeakSchedule best;
  best.schedule.firings = result.firings;
  best.capacity_rows = std::move(facts.capacity_rows);
  best.lifetimes = std::move(facts.lifetimes);
  best.peak_live_bytes = result.cost;
  best.labels = result.labels;
  return best;
}

ArenaPlan best_first_fit_placement(const std::vector<ArenaRequest>& requests, int max_exhaustive) {
  std::vector<size_t> order;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (placed(requests[i])) order.push_back(i);
  }
  ArenaPlan best;
  best.offsets.assign(requests.size(), 0);
  // Largest first (ties by index): the start, and the answer when exhaustive search is too big.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return requests[a].size > requests[b].size; });
  best.size = first_fit(requests, order, best.offsets);
  if (static_cast<int64_t>(order.size()) > max_exhaustive) return best;
  const int64_t bound = clique_bound(requests, order);
  std::sort(order.begin(), order.end());
  std::vector<int64_t> offsets(requests.size(), 0);
  while (best.size > bound) {
    const int64_t size = first_fit(requests, order, offsets);
    if (size < best.size) {
      best.size = size;
      best.offsets = offsets;
    }
    if (!std::next_permutation(order.begin(), order.end())) break;
  }
  return best;
}

std::optional<MinimumArenaPlan> minimum_arena_plan(const graph::Graph& graph, const AnalysisOptions& options,
                                                   const ExactSearchLimits& limits) {
  const std::vector<std::vector<int64_t>> choices = granularity_choices(graph);
  int64_t vectors = 1;
  for (const auto& choice : choices) {
    const auto next = graph::checked_mul(vectors, static_cast<int64_t>(choice.size()));
    if (!next || *next > limits.max_plans) return std::nullopt;
    vectors = *next;
  }
  std::optional<MinimumArenaPlan> best;
  int64_t searched = 0;
  std::vector<size_t> index(choices.size(), 0);
  std::vector<int64_t> granularity(choices.size());
  do {
    for (size_t a = 0; a < choices.size(); ++a) granularity[a] = choices[a][index[a]];
    if (!within_slowdown(graph, granularity, options)) continue;
    ++searched;
    const Network network = dataflow::build_network(graph, granularity, dataflow::NetworkOptions{options.stream_io});
    const FiringStates states(network);
    if (!states.representable()) return std::nullopt;
    // Later plans must beat the best peak, or tie it while the best arena is above its peak.
    int64_t cutoff = kNoCutoff;
    if (best) cutoff = best->arena_is_optimal ? best->peak_live_bytes : best->peak_live_bytes + 1;
    const SearchResult result = LabelSearch(states, Objective::kPeakLiveBytes, cutoff, limits.max_labels).run();
    if (result.status == SearchResult::Status::kLimit) return std::nullopt;
    if (result.status == SearchResult::Status::kNoOrder) continue;
    const OrderFacts facts = replay_order(network, states, result.firings);
    ArenaPlan arena = best_first_fit_placement(arena_requests(network, facts), limits.max_exhaustive_placement);
    if (best && result.cost == best->peak_live_bytes && arena.size >= best->arena.size) continue;
    if (!best) best.emplace();
    best->granularity = granularity;
    best->schedule.firings = result.firings;
    best->capacity_rows = facts.capacity_rows;
    best->lifetimes = facts.lifetimes;
    best->peak_live_bytes = result.cost;
    best->arena = std::move(arena);
    best->arena_is_optimal = best->arena.size == best->peak_live_bytes;
  } while (next_vector(choices, index));
  if (best) best->plans_searched = searched;
  return best;
}

}  // namespace bufopt::analysis
