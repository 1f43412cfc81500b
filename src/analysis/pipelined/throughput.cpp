// Pipelined mode: the dependency graph of the self-timed execution, its liveness, and its
// period by Howard's policy iteration for the maximum cycle ratio.
//
// Vertices are the firings (node, phase) of one image; an edge u -> v with delay d says that
// firing v of image k starts no earlier than the end of firing u of image k - d (pipelined.h).
// Every vertex has an in-edge (its node's previous firing), so every vertex lies downstream of
// a cycle, and the period is the largest ratio duration-sum / delay-sum over the cycles.
//
// Howard's algorithm (Cochet-Terrasson, Cohen, Gaubert, McGettrick, Quadrat, 1998), maximising:
//  1. a policy picks one in-edge per vertex; following it backwards from any vertex ends on a
//     cycle of the policy graph;
//  2. value determination: each policy cycle C has ratio eta_C = w(C) / d(C); every vertex
//     takes the eta of the cycle it hangs from and a bias x(v) = x(u) + w(u) - eta * d(e)
//     along its policy edge e = (u, v), x = 0 at one vertex of the cycle;
//  3. improvement: first, any vertex with an in-neighbour of larger eta switches to the edge of
//     largest eta; otherwise, any vertex with an in-edge of equal eta and larger
//     x(u) + w(u) - eta * d(e) switches to the largest; when nothing switches, max eta is the
//     maximum cycle ratio and the policy cycle with that eta a critical cycle.
// Values are exact: eta is a reduced fraction of 128-bit integers and x is kept multiplied by
// eta's denominator, so no tolerance decides a comparison (64-bit biases first, 128-bit when
// they would overflow). The root of a cycle whose ratio did not change keeps its bias, which
// keeps the iteration monotone and finite. A warm start from the previous capacity vector's
// policy saves about a third of the iterations.
#include <algorithm>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>

#include "bufopt/analysis/pipelined/throughput.h"

namespace bufopt::analysis {

namespace {

using dataflow::ChannelId;
using dataflow::Network;
using dataflow::NodeId;
using Wide = __int128;

/// Who writes and who reads each channel, by port.
struct PortIndex {
  /// One port: its node and its index among the node's inputs or outputs.
  struct Port {
    NodeId node = dataflow::kNoNode;
    size_t port = 0;
  };
  std::vector<Port> writer;
  std::vector<std::vector<Port>> readers;
};

PortIndex index_ports(const Network& network) {
  PortIndex index;
  index.writer.resize(network.channels.size());
  index.readers.resize(network.channels.size());
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const dataflow::Node& node = network.nodes[n];
    for (size_t p = 0; p < node.outputs.size(); ++p) {
      index.writer.at(static_cast<size_t>(node.outputs[p].channel)) = {static_cast<NodeId>(n), p};
    }
    for (size_t p = 0; p < node.inputs.size(); ++p) {
      index.readers.at(static_cast<size_t>(node.inputs[p].channel)).push_back({static_cast<NodeId>(n), p});
    }
  }
  return index;
}

/// The dependency graph in compressed in-edge form.
struct DependencyGraph {
  std::vector<int64_t> base;        ///< per node: its phase 0 vertex
  std::vector<NodeId> node_of;      ///< per vertex
  std::vector<Ticks> duration;      ///< per vertex
  std::vector<int64_t> in_begin;    ///< in-edges of v: [in_begin[v], in_begin[v+1])
  std::vector<int64_t> from;        ///< per edge: source vertex
  std::vector<int64_t> to;          ///< per edge: target vertex
  std::vector<int64_t> delay;       ///< per edge
  std::vector<Ticks> weight;        ///< per edge: duration of its source firing
  std::vector<DependencyKind> kind;  ///< per edge
  std::vector<ChannelId> channel;   ///< per edge, -1 for kSequence
  /// The space dependencies, whose source and delay follow the capacities.
  struct SpaceSlot {
    int64_t edge = 0;                               ///< index into the edge arrays
    int64_t reader_base = 0;                        ///< the reader's phase 0 vertex
    int64_t wrote = 0;                              ///< rows the producer firing writes
    int64_t after = 0;                              ///< rows written in its image after it
    int64_t rows = 0;                               ///< the channel's rows per image
    const std::vector<int64_t>* release = nullptr;  ///< the reader's release points
  };
  std::vector<SpaceSlot> space;

  size_t vertices() const { return node_of.size(); }
  int64_t phase_of(int64_t v) const { return v - base[static_cast<size_t>(node_of[static_cast<size_t>(v)])]; }
};

/// One dependency before the edges are grouped by target vertex.
struct RawEdge {
  int64_t to;
  int64_t from;
  int64_t delay;
  DependencyKind kind;
  ChannelId channel;
  int64_t space_slot = -1;
};

/// Delay of a dependency that never binds (beyond any run; keeps products in range).
constexpr int64_t kNeverBinds = int64_t{1} << 40;

/// Index of the first entry >= value in a non-decreasing vector (its size when none).
int64_t first_at_least(const std::vector<int64_t>& values, int64_t value) {
  return std::lower_bound(values.begin(), values.end(), value) - values.begin();
}

/// The space dependency of producer firing (rows before..after written in its image) on
/// `reader_release` for capacity `capacity` of a channel of `rows` rows: the reader firing and
/// image delay after which the reader has released enough (pipelined.h rule (3)).
std::pair<int64_t, int64_t> space_source(int64_t after, int64_t capacity, int64_t rows,
                                         const std::vector<int64_t>& reader_release) {
  // Image k's write needs the reader's global release >= k*rows + after - capacity. Writing that
  // target as (k - j)*rows + t with t in (0, rows] names the reader firing of image k - j.
  const Wide target = static_cast<Wide>(after) - capacity;
  const Wide images_back = (static_cast<Wide>(rows) - target) / rows;
  const auto within = static_cast<int64_t>(target + images_back * rows);
  return {first_at_least(reader_release, within), static_cast<int64_t>(std::min<Wide>(images_back, kNeverBinds))};
}

void add_sequence_edges(const Network& network, const DependencyGraph& graph, std::vector<RawEdge>& edges) {
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const int64_t first = graph.base[n];
    const int64_t phases = network.nodes[n].phases;
    for (int64_t f = 0; f < phases; ++f) {
      const int64_t previous = f > 0 ? first + f - 1 : first + phases - 1;
      edges.push_back({first + f, previous, f > 0 ? 0 : 1, DependencyKind::kSequence, -1});
    }
  }
}

void add_data_edges(const Network& network, const DependencyGraph& graph, const PortIndex& ports,
                    std::vector<RawEdge>& edges) {
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    for (const dataflow::InputPort& port : network.nodes[n].inputs) {
      const PortIndex::Port writer = ports.writer[static_cast<size_t>(port.channel)];
      if (writer.node == dataflow::kNoNode) continue;  // held by the application: always there
      const dataflow::Node& producer = network.nodes[static_cast<size_t>(writer.node)];
      const std::vector<int64_t>& written = producer.outputs[writer.port].written;
      for (size_t f = 0; f < port.window.size(); ++f) {
        if (port.window[f].size() == 0) continue;
        const int64_t p = first_at_least(written, port.window[f].end);
        if (p >= static_cast<int64_t>(written.size())) throw std::logic_error("window beyond the rows written");
        edges.push_back({graph.base[n] + static_cast<int64_t>(f), graph.base[static_cast<size_t>(writer.node)] + p, 0,
                         DependencyKind::kData, port.channel});
      }
    }
  }
}

/// One space dependency per (producer firing, reader) of every bounded channel; their sources
/// are set per capacity vector (set_capacities).
void add_space_edges(const Network& network, DependencyGraph& graph, const PortIndex& ports,
                     std::vector<RawEdge>& edges) {
  for (size_t c = 0; c < network.channels.size(); ++c) {
    const dataflow::Channel& channel = network.channels[c];
    if (!bounded_channel(channel)) continue;
    const PortIndex::Port writer = ports.writer[c];
    const std::vector<int64_t>& written = network.nodes[static_cast<size_t>(writer.node)].outputs[writer.port].written;
    int64_t before = 0;
    for (size_t p = 0; p < written.size(); ++p) {
      const int64_t producer_vertex = graph.base[static_cast<size_t>(writer.node)] + static_cast<int64_t>(p);
      for (const PortIndex::Port& reader : ports.readers[c]) {
        DependencyGraph::SpaceSlot slot;
        slot.reader_base = graph.base[static_cast<size_t>(reader.node)];
        slot.wrote = written[p] - before;
        slot.after = written[p];
        slot.rows = channel.rows;
        slot.release = &network.nodes[static_cast<size_t>(reader.node)].inputs[reader.port].release;
        edges.push_back({producer_vertex, producer_vertex, kNeverBinds, DependencyKind::kSpace, static_cast<ChannelId>(c),
                         static_cast<int64_t>(graph.space.size())});
        graph.space.push_back(slot);
      }
      before = written[p];
    }
  }
}

DependencyGraph build_graph(const Network& network, const FiringTimes& times) {
  if (times.ticks.size() != network.nodes.size()) {
    throw std::invalid_argument("analyze_throughput: firing times per node expected");
  }
  DependencyGraph graph;
  graph.base.resize(network.nodes.size());
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    graph.base[n] = static_cast<int64_t>(graph.node_of.size());
    if (times.ticks[n].size() != static_cast<size_t>(network.nodes[n].phases)) {
      throw std::invalid_argument("analyze_throughput: times of node " + network.nodes[n].name + " do not match its phases");
    }
    for (Ticks t : times.ticks[n]) {
      graph.node_of.push_back(static_cast<NodeId>(n));
      graph.duration.push_back(t);
    }
  }
  const PortIndex ports = index_ports(network);
  std::vector<RawEdge> edges;
  add_sequence_edges(network, graph, edges);
  add_data_edges(network, graph, ports, edges);
  add_space_edges(network, graph, ports, edges);
  // Counting sort by target vertex (stable: edges of one vertex keep their order).
  const size_t vertices = graph.vertices();
  graph.in_begin.assign(vertices + 1, 0);
  for (const RawEdge& edge : edges) ++graph.in_begin[static_cast<size_t>(edge.to) + 1];
  std::partial_sum(graph.in_begin.begin(), graph.in_begin.end(), graph.in_begin.begin());
  std::vector<int64_t> next(graph.in_begin.begin(), graph.in_begin.end() - 1);
  graph.from.resize(edges.size());
  graph.delay.resize(edges.size());
  graph.kind.resize(edges.size());
  graph.channel.resize(edges.size());
  graph.to.resize(edges.size());
  for (const RawEdge& edge : edges) {
    const auto slot = static_cast<size_t>(next[static_cast<size_t>(edge.to)]++);
    graph.from[slot] = edge.from;
    graph.to[slot] = edge.to;
    graph.delay[slot] = edge.delay;
    graph.kind[slot] = edge.kind;
    graph.channel[slot] = edge.channel;
    if (edge.space_slot >= 0) graph.space[static_cast<size_t>(edge.space_slot)].edge = static_cast<int64_t>(slot);
  }
  graph.weight.resize(edges.size());
  for (size_t e = 0; e < edges.size(); ++e) graph.weight[e] = graph.duration[static_cast<size_t>(graph.from[e])];
  return graph;
}

/// Points every space dependency at the reader firing whose release makes room under
/// `capacity_rows`. An unbounded channel's dependencies stay self-loops of the producer firing
/// with a delay beyond any run: they never bind.
void set_capacities(DependencyGraph& graph, std::span<const int64_t> capacity_rows) {
  for (const DependencyGraph::SpaceSlot& slot : graph.space) {
    const auto edge = static_cast<size_t>(slot.edge);
    const ChannelId channel = graph.channel[edge];
    const int64_t capacity = capacity_rows[static_cast<size_t>(channel)];
    if (capacity == kUnboundedRows) {
      graph.from[edge] = graph.to[edge];
      graph.delay[edge] = kNeverBinds;
      graph.weight[edge] = graph.duration[static_cast<size_t>(graph.to[edge])];
      continue;
    }
    if (slot.wrote > capacity) {
      throw std::invalid_argument("capacity " + std::to_string(capacity) + " of channel " + std::to_string(channel) +
                                  " is below the " + std::to_string(slot.wrote) + " rows one firing writes");
    }
    const auto [firing, delay] = space_source(slot.after, capacity, slot.rows, *slot.release);
    graph.from[edge] = slot.reader_base + firing;
    graph.delay[edge] = delay;
    graph.weight[edge] = graph.duration[static_cast<size_t>(graph.from[edge])];
  }
}

Dependency describe(const DependencyGraph& graph, int64_t edge, int64_t to) {
  const auto e = static_cast<size_t>(edge);
  const int64_t from = graph.from[e];
  return {graph.node_of[static_cast<size_t>(from)], graph.phase_of(from), graph.node_of[static_cast<size_t>(to)],
          graph.phase_of(to), graph.delay[e], graph.kind[e], graph.channel[e]};
}

/// Follows `edge_of` backwards from `start` until a vertex repeats; returns the cycle's edges in
/// dependency order. edge_of[v] is an in-edge of v, or -1 where the walk may not go.
std::vector<Dependency> cycle_through(const DependencyGraph& graph, const std::vector<int64_t>& edge_of, int64_t start) {
  std::vector<int64_t> seen_at(graph.vertices(), -1);
  std::vector<int64_t> path;
  int64_t v = start;
  while (seen_at[static_cast<size_t>(v)] < 0) {
    seen_at[static_cast<size_t>(v)] = static_cast<int64_t>(path.size());
    path.push_back(v);
    v = graph.from[static_cast<size_t>(edge_of[static_cast<size_t>(v)])];
  }
  // path[seen_at[v]..] walks the cycle backwards: each vertex's edge comes from the next one.
  std::vector<Dependency> cycle;
  for (size_t i = path.size(); i-- > static_cast<size_t>(seen_at[static_cast<size_t>(v)]);) {
    cycle.push_back(describe(graph, edge_of[static_cast<size_t>(path[i])], path[i]));
  }
  return cycle;
}

/// Kahn's order over the zero-delay edges; shorter than the vertex count when they have a cycle.
std::vector<int64_t> zero_delay_order(const DependencyGraph& graph) {
  const size_t vertices = graph.vertices();
  std::vector<int64_t> pending(vertices, 0);
  std::vector<int64_t> out_begin(vertices + 1, 0);
  for (size_t e = 0; e < graph.from.size(); ++e) {
    if (graph.delay[e] != 0) continue;
    ++pending[static_cast<size_t>(graph.to[e])];
    ++out_begin[static_cast<size_t>(graph.from[e]) + 1];
  }
  std::partial_sum(out_begin.begin(), out_begin.end(), out_begin.begin());
  std::vector<int64_t> successors(static_cast<size_t>(out_begin.back()));
  std::vector<int64_t> next(out_begin.begin(), out_begin.end() - 1);
  for (size_t e = 0; e < graph.from.size(); ++e) {
    if (graph.delay[e] != 0) continue;
    successors[static_cast<size_t>(next[static_cast<size_t>(graph.from[e])]++)] = graph.to[e];
  }
  std::vector<int64_t> order;
  order.reserve(vertices);
  for (size_t v = 0; v < vertices; ++v) {
    if (pending[v] == 0) order.push_back(static_cast<int64_t>(v));
  }
  for (size_t i = 0; i < order.size(); ++i) {
    const auto v = static_cast<size_t>(order[i]);
    for (auto k = out_begin[v]; k < out_begin[v + 1]; ++k) {
      const int64_t w = successors[static_cast<size_t>(k)];
      if (--pending[static_cast<size_t>(w)] == 0) order.push_back(w);
    }
  }
  return order;
}

/// A zero-delay cycle among the vertices Kahn's order could not reach.
std::vector<Dependency> deadlock_cycle(const DependencyGraph& graph, const std::vector<int64_t>& order) {
  std::vector<bool> ordered(graph.vertices(), false);
  for (int64_t v : order) ordered[static_cast<size_t>(v)] = true;
  // Every unordered vertex has a zero-delay in-edge from another unordered vertex.
  std::vector<int64_t> edge_of(graph.vertices(), -1);
  int64_t start = -1;
  for (size_t v = 0; v < graph.vertices(); ++v) {
    if (ordered[v]) continue;
    for (auto e = graph.in_begin[v]; e < graph.in_begin[v + 1]; ++e) {
      const auto edge = static_cast<size_t>(e);
      if (graph.delay[edge] == 0 && !ordered[static_cast<size_t>(graph.from[edge])]) {
        edge_of[v] = e;
        break;
      }
    }
    if (start < 0) start = static_cast<int64_t>(v);
  }
  return cycle_through(graph, edge_of, start);
}

Wide gcd_wide(Wide a, Wide b) {
  if (a < 0) a = -a;
  while (b != 0) {
    const Wide r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/// A cycle ratio num / den in lowest terms (den > 0).
struct Ratio {
  Wide num = 0;
  Wide den = 1;
  friend bool operator==(const Ratio&, const Ratio&) = default;
};

Ratio make_ratio(Wide num, Wide den) {
  const Wide divisor = gcd_wide(num, den);
  return divisor > 1 ? Ratio{num / divisor, den / divisor} : Ratio{num, den};
}

bool greater(const Ratio& a, const Ratio& b) { return a.num * b.den > b.num * a.den; }

/// Thrown when the 64-bit policy iteration would overflow; the caller redoes it in 128 bits.
struct HowardOverflow {};

/// a + b * c - d * e in Int, or HowardOverflow.
template <typename Int>
Int checked_affine(Int a, Int b, Int c, Int d, Int e) {
  Int bc = 0;
  Int de = 0;
  Int sum = 0;
  Int result = 0;
  if (__builtin_mul_overflow(b, c, &bc) || __builtin_mul_overflow(d, e, &de) || __builtin_add_overflow(a, bc, &sum) ||
      __builtin_sub_overflow(sum, de, &result)) {
    throw HowardOverflow{};
  }
  return result;
}

template <typename Int>
Int narrow(Wide value) {
  if (value > static_cast<Wide>(std::numeric_limits<Int>::max()) || value < static_cast<Wide>(std::numeric_limits<Int>::min())) {
    throw HowardOverflow{};
  }
  return static_cast<Int>(value);
}

/// Howard's policy iteration on a live graph (no zero-delay cycle), biases in Int: int64_t
/// first (twice as fast), __int128 when that overflows.
template <typename Int>
class Howard {
 public:
  /// Starts from `policy` when it has one in-edge per vertex (a warm start: the previous
  /// capacity vector's answer), else from the heaviest in-edge of every vertex.
  Howard(const DependencyGraph& graph, std::vector<int64_t> policy)
      : graph_(graph),
        policy_(std::move(policy)),
        bias_(graph.vertices(), 0),
        cycle_of_(graph.vertices(), -1) {
    if (policy_.size() == graph.vertices()) return;
    policy_.assign(graph.vertices(), 0);
    for (size_t v = 0; v < graph.vertices(); ++v) {
      int64_t best = graph.in_begin[v];
      for (auto e = graph.in_begin[v]; e < graph.in_begin[v + 1]; ++e) {
        if (weight(e) > weight(best)) best = e;
      }
      policy_[v] = best;
    }
  }

  /// Iterates to the fixed point; returns the iterations taken.
  int64_t solve() {
    constexpr int64_t kMaxIterations = 100'000;
    for (int64_t iteration = 1; iteration <= kMaxIterations; ++iteration) {
      evaluate_policy();
      if (!improve_by_ratio() && !improve_by_bias()) return iteration;
    }
    throw std::logic_error("maximum cycle ratio: policy iteration did not converge");
  }

  /// A vertex of largest eta and that eta.
  std::pair<int64_t, Ratio> critical() const {
    size_t best = 0;
    for (size_t v = 1; v < graph_.vertices(); ++v) {
      if (rank_of(static_cast<int64_t>(v)) > rank_of(static_cast<int64_t>(best))) best = v;
    }
    return {static_cast<int64_t>(best), cycles_[static_cast<size_t>(cycle_of_[best])]};
  }

  const std::vector<int64_t>& policy() const { return policy_; }
  std::vector<int64_t> take_policy() { return std::move(policy_); }

 private:
  Int weight(int64_t edge) const { return graph_.weight[static_cast<size_t>(edge)]; }
  int64_t source(int64_t edge) const { return graph_.from[static_cast<size_t>(edge)]; }
  /// x(u) + w(u) - eta * d(e), multiplied by eta's denominator, for edge e = (u, v) and the
  /// ratio of `cycle`.
  Int candidate_bias(int64_t edge, int64_t cycle) const {
    const auto c = static_cast<size_t>(cycle);
    return candidate_bias(edge, cycle_num_[c], cycle_den_[c]);
  }
  Int candidate_bias(int64_t edge, Int num, Int den) const {
    const auto e = static_cast<size_t>(edge);
    return checked_affine<Int>(bias_[static_cast<size_t>(graph_.from[e])], den, graph_.weight[e], num, graph_.delay[e]);
  }
  /// Rank of the ratio of the cycle `v` hangs from: equal ratios, equal ranks.
  int64_t rank_of(int64_t v) const { return vertex_rank_[static_cast<size_t>(v)]; }

  void evaluate_policy() {
    const size_t vertices = graph_.vertices();
    // Children in the policy graph, to push values outwards from each cycle.
    child_begin_.assign(vertices + 1, 0);
    for (size_t v = 0; v < vertices; ++v) ++child_begin_[static_cast<size_t>(source(policy_[v])) + 1];
    std::partial_sum(child_begin_.begin(), child_begin_.end(), child_begin_.begin());
    children_.resize(vertices);
    next_.assign(child_begin_.begin(), child_begin_.end() - 1);
    for (size_t v = 0; v < vertices; ++v) {
      children_[static_cast<size_t>(next_[static_cast<size_t>(source(policy_[v]))]++)] = static_cast<int64_t>(v);
    }
    // 0 unvisited, 1 on the current walk, 2 done.
    state_.assign(vertices, 0);
    std::swap(previous_cycles_, cycles_);
    cycles_.clear();
    cycle_num_.clear();
    cycle_den_.clear();
    for (size_t start = 0; start < vertices; ++start) {
      if (state_[start] != 0) continue;
      walk_.clear();
      auto v = static_cast<int64_t>(start);
      while (state_[static_cast<size_t>(v)] == 0) {
        state_[static_cast<size_t>(v)] = 1;
        walk_.push_back(v);
        v = source(policy_[static_cast<size_t>(v)]);
      }
      if (state_[static_cast<size_t>(v)] == 1) settle_cycle(v);
      for (int64_t w : walk_) state_[static_cast<size_t>(w)] = 2;
    }
    rank_cycles();
  }

  /// Gives the cycle through `root` and everything hanging from it their eta and bias. The
  /// root keeps its bias when its eta is unchanged (Cochet-Terrasson et al.: that keeps the
  /// iteration monotone, hence finite); biases of one eta share its denominator.
  void settle_cycle(int64_t root) {
    Wide work = 0;
    Wide delay = 0;
    int64_t v = root;
    do {
      const int64_t edge = policy_[static_cast<size_t>(v)];
      work += graph_.weight[static_cast<size_t>(edge)];
      delay += graph_.delay[static_cast<size_t>(edge)];
      v = source(edge);
    } while (v != root);
    if (delay == 0) throw std::logic_error("maximum cycle ratio: zero-delay cycle in a live graph");
    const Ratio eta = make_ratio(work, delay);
    const auto cycle = static_cast<int64_t>(cycles_.size());
    cycles_.push_back(eta);
    cycle_num_.push_back(narrow<Int>(eta.num));
    cycle_den_.push_back(narrow<Int>(eta.den));
    // cycle_of_[root] still names its cycle of the previous pass.
    const auto r = static_cast<size_t>(root);
    if (!(cycle_of_[r] >= 0 && previous_cycles_[static_cast<size_t>(cycle_of_[r])] == eta)) bias_[r] = 0;
    cycle_of_[r] = cycle;
    state_[r] = 2;
    queue_.assign(1, root);
    for (size_t i = 0; i < queue_.size(); ++i) {
      const auto u = static_cast<size_t>(queue_[i]);
      for (auto c = child_begin_[u]; c < child_begin_[u + 1]; ++c) {
        const int64_t child = children_[static_cast<size_t>(c)];
        if (child == root) continue;
        const auto k = static_cast<size_t>(child);
        cycle_of_[k] = cycle;
        bias_[k] = candidate_bias(policy_[k], cycle);
        state_[k] = 2;
        queue_.push_back(child);
      }
    }
  }

  /// Ranks the policy's cycles by ratio so improvements compare integers.
  void rank_cycles() {
    order_.resize(cycles_.size());
    std::iota(order_.begin(), order_.end(), 0);
    std::sort(order_.begin(), order_.end(), [&](size_t a, size_t b) { return greater(cycles_[b], cycles_[a]); });
    rank_.assign(cycles_.size(), 0);
    int64_t rank = 0;
    for (size_t i = 0; i < order_.size(); ++i) {
      if (i > 0 && greater(cycles_[order_[i]], cycles_[order_[i - 1]])) ++rank;
      rank_[order_[i]] = rank;
    }
    vertex_rank_.resize(graph_.vertices());
    for (size_t v = 0; v < graph_.vertices(); ++v) vertex_rank_[v] = rank_[static_cast<size_t>(cycle_of_[v])];
  }

  bool improve_by_ratio() {
    bool changed = false;
    for (size_t v = 0; v < graph_.vertices(); ++v) {
      int64_t best = rank_of(static_cast<int64_t>(v));
      int64_t choice = -1;
      for (auto e = graph_.in_begin[v]; e < graph_.in_begin[v + 1]; ++e) {
        const int64_t other = rank_of(source(e));
        if (other > best) {
          best = other;
          choice = e;
        }
      }
      if (choice >= 0) {
        policy_[v] = choice;
        changed = true;
      }
    }
    return changed;
  }

  bool improve_by_bias() {
    bool changed = false;
    for (size_t v = 0; v < graph_.vertices(); ++v) {
      const int64_t rank = rank_of(static_cast<int64_t>(v));
      const auto cycle = static_cast<size_t>(cycle_of_[v]);
      const Int num = cycle_num_[cycle];
      const Int den = cycle_den_[cycle];
      Int best = bias_[v];
      int64_t choice = -1;
      for (auto e = graph_.in_begin[v]; e < graph_.in_begin[v + 1]; ++e) {
        if (rank_of(source(e)) != rank) continue;
        const Int value = candidate_bias(e, num, den);
        if (value > best) {
          best = value;
          choice = e;
        }
      }
      if (choice >= 0) {
        policy_[v] = choice;
        changed = true;
      }
    }
    return changed;
  }

  const DependencyGraph& graph_;
  std::vector<int64_t> policy_;
  std::vector<Int> bias_;          ///< per vertex, times its eta's denominator
  std::vector<int64_t> cycle_of_;  ///< per vertex: index into cycles_ (-1 before the first pass)
  std::vector<Ratio> cycles_;      ///< ratio of each cycle of the current policy
  std::vector<Ratio> previous_cycles_;
  std::vector<Int> cycle_num_, cycle_den_;
  std::vector<int64_t> rank_;      ///< per cycle
  std::vector<int64_t> vertex_rank_;  ///< per vertex: rank_ of its cycle
  // Workspace reused by every iteration.
  std::vector<int64_t> child_begin_, children_, next_, walk_, queue_;
  std::vector<size_t> order_;
  std::vector<uint8_t> state_;
};

/// What the policy iteration found: the period, a vertex on a critical cycle, the final policy.
struct HowardAnswer {
  int64_t iterations = 0;
  int64_t critical_vertex = 0;
  Ratio period;
  std::vector<int64_t> policy;
};

/// Solves in 64 bits, or in 128 bits when that overflows.
HowardAnswer solve_howard(const DependencyGraph& graph, const std::vector<int64_t>& warm_policy) {
  const auto run = [&](auto tag) {
    Howard<decltype(tag)> howard(graph, warm_policy);
    HowardAnswer answer;
    answer.iterations = howard.solve();
    std::tie(answer.critical_vertex, answer.period) = howard.critical();
    answer.policy = howard.take_policy();
    return answer;
  };
  try {
    return run(int64_t{});
  } catch (const HowardOverflow&) {
    return run(Wide{});
  }
}

}  // namespace

/// The dependency graph of one network, re-pointed for each capacity vector, and the last
/// policy as a warm start.
struct ThroughputAnalyzer::State {
  DependencyGraph graph;
  std::vector<int64_t> policy;
};

ThroughputAnalyzer::ThroughputAnalyzer(const Network& network, const FiringTimes& times)
    : channels_(network.channels.size()), state_(std::make_unique<State>()) {
  state_->graph = build_graph(network, times);
}

ThroughputAnalyzer::~ThroughputAnalyzer() = default;
ThroughputAnalyzer::ThroughputAnalyzer(ThroughputAnalyzer&&) noexcept = default;
ThroughputAnalyzer& ThroughputAnalyzer::operator=(ThroughputAnalyzer&&) noexcept = default;

ThroughputAnalysis ThroughputAnalyzer::analyze(std::span<const int64_t> capacity_rows, bool remember) {
  if (capacity_rows.size() != channels_) throw std::invalid_argument("analyze_throughput: one capacity per channel expected");
  DependencyGraph& graph = state_->graph;
  set_capacities(graph, capacity_rows);
  ThroughputAnalysis analysis;
  if (graph.vertices() == 0) {
    analysis.live = true;
    return analysis;
  }
  const std::vector<int64_t> order = zero_delay_order(graph);
  if (order.size() < graph.vertices()) {
    analysis.cycle = deadlock_cycle(graph, order);
    return analysis;
  }
  analysis.live = true;
  HowardAnswer answer = solve_howard(graph, state_->policy);
  analysis.iterations = answer.iterations;
  const Ratio& eta = answer.period;
  if (eta.num > std::numeric_limits<Ticks>::max() || eta.den > std::numeric_limits<int64_t>::max()) {
    throw std::overflow_error("analyze_throughput: period beyond 64-bit ticks");
  }
  analysis.period = make_period(static_cast<Ticks>(eta.num), static_cast<int64_t>(eta.den));
  analysis.cycle = cycle_through(graph, answer.policy, answer.critical_vertex);
  if (remember) state_->policy = std::move(answer.policy);
  return analysis;
}

FirstImage ThroughputAnalyzer::first_image(std::span<const int64_t> capacity_rows) {
  if (capacity_rows.size() != channels_) throw std::invalid_argument("first_image: one capacity per channel expected");
  DependencyGraph& graph = state_->graph;
  set_capacities(graph, capacity_rows);
  const std::vector<int64_t> order = zero_delay_order(graph);
  if (order.size() < graph.vertices()) throw std::invalid_argument("first_image: the capacities deadlock");
  // Image 0 only waits on image 0 (earlier images do not exist): zero-delay edges.
  std::vector<Ticks> start(graph.vertices(), 0);
  for (int64_t v : order) {
    const auto vertex = static_cast<size_t>(v);
    for (auto e = static_cast<size_t>(graph.in_begin[vertex]); e < static_cast<size_t>(graph.in_begin[vertex + 1]); ++e) {
      if (graph.delay[e] != 0) continue;
      const auto u = static_cast<size_t>(graph.from[e]);
      start[vertex] = std::max(start[vertex], start[u] + graph.duration[u]);
    }
  }
  FirstImage image;
  image.starts.resize(static_cast<size_t>(graph.base.size()));
  for (size_t v = 0; v < graph.vertices(); ++v) {
    image.starts[static_cast<size_t>(graph.node_of[v])].push_back(start[v]);
    image.latency = std::max(image.latency, start[v] + graph.duration[v]);
  }
  std::vector<int64_t> by_start = order;
  std::stable_sort(by_start.begin(), by_start.end(),
                   [&](int64_t a, int64_t b) { return start[static_cast<size_t>(a)] < start[static_cast<size_t>(b)]; });
  for (int64_t v : by_start) image.order.push_back(graph.node_of[static_cast<size_t>(v)]);
  return image;
}

ThroughputAnalysis analyze_throughput(const Network& network, const FiringTimes& times,
                                      std::span<const int64_t> capacity_rows) {
  return ThroughputAnalyzer(network, times).analyze(capacity_rows);
}

FirstImage first_image(const Network& network, const FiringTimes& times, std::span<const int64_t> capacity_rows) {
  return ThroughputAnalyzer(network, times).first_image(capacity_rows);
}

bool bounded_channel(const dataflow::Channel& channel) {
  return channel.producer != dataflow::kNoNode && !channel.consumers.empty();
}

bool sized_channel(const dataflow::Channel& channel) { return channel.producer != dataflow::kNoNode; }


}  // namespace bufopt::analysis
