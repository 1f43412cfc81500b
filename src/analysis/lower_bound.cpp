#include "bufopt/analysis/lower_bound.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <vector>

#include "bufopt/analysis/time_model.h"
#include "bufopt/dataflow/phases.h"
#include "bufopt/dataflow/row_windows.h"
#include "bufopt/graph/checked_math.h"
#include "bufopt/graph/in_place.h"
#include "bufopt/graph/zero_copy_concat.h"

// The bounds and their proofs are in the header (lower_bound.h); the step numbers below are its.

namespace bufopt::analysis {

namespace {

constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();
/// "Unlimited" in the flow network; far above any sum of byte weights that saturate below it.
constexpr int64_t kInfinite = std::numeric_limits<int64_t>::max() / 4;


bool counted(const graph::Buffer& buffer, bool stream_io) { return buffer.io == graph::IoRole::kNone || stream_io; }

/// MODEL 4.1 zero-copy Concat: what a plan gains where a Concat copies nothing (no work, no
/// firing), for the bound to hold for such plans too.
struct ConcatRelief {
  std::vector<bool> free;    ///< per actor: a Concat that may be zero-copy (its firings cost nothing)
  double saved_seconds = 0;  ///< their work and one firing each, which the baseline pays
  bool is_free(size_t actor) const { return actor < free.size() && free[actor]; }
};

/// The largest number of extra firings any plan within R can afford; nullopt when unlimited.
/// With zero-copy Concats the time they save pays for more (`relief`).
std::optional<int64_t> most_extra_firings(const graph::Graph& graph, const AnalysisOptions& options,
                                          const ConcatRelief& relief = {}) {
  const double overhead = options.platform.firing_overhead_s;
  if (overhead <= 0) return std::nullopt;
  const double slack = std::max(0.0, options.max_slowdown - 1.0 + kSlowdownTolerance);
  // Rounded up a little: the bound must hold for every plan the tolerance lets through.
  const double budget =
      (slack * baseline_time_seconds(graph, options.platform) + relief.saved_seconds) / overhead * (1 + 1e-9) + 1e-6;
  if (!(budget < 9e18)) return std::nullopt;
  return static_cast<int64_t>(std::floor(budget));
}

/// What the rows of one actor port tell the bound, for every granularity the actor may take.
struct PortRows {
  graph::BufferId buffer = 0;
  int64_t row_bytes = 0;
  bool counted = false;
  /// rows[i]: the most rows one firing reads (input) or writes (output) at the i-th granularity.
  std::vector<int64_t> rows;
  int64_t fewest = 0;  ///< min of rows: a capacity every plan within R gives the buffer (step 1)
  // Inputs only (windows of the phase rows, monotone):
  bool last_row_reads = false;   ///< the last phase row's window is not empty
  bool last_row_ends = false;    ///< ... and reaches the buffer's last row
  bool every_row_reads = false;  ///< no phase row's window is empty
  bool some_row_reads = false;   ///< at least one phase row's window is not empty
};

/// One actor's ports and its per-firing bound of step 0.
struct ActorRows {
  std::vector<PortRows> inputs;
  std::vector<PortRows> outputs;
  std::vector<int64_t> granularities;  ///< effective, ascending, those within R
  std::vector<int64_t> extra_firings;  ///< parallel: phases - 1 at that granularity
  std::vector<int64_t> firing_need;    ///< parallel: step 0's bytes of the largest firing at g
  int64_t firing_bound = 0;            ///< step 0: min of firing_need
};

/// The smallest granularity of actor `a` within `budget` extra firings (1 when unlimited).
int64_t fewest_rows_within(const graph::Graph& graph, graph::ActorId actor, std::optional<int64_t> budget) {
  const int64_t rows = dataflow::phase_rows(graph, actor);
  int64_t smallest = 1;
  if (budget && *budget < rows - 1) {
    // ceil(H / g) <= budget + 1  <=>  g >= H / (budget + 1).
    const int64_t most_phases = *budget + 1;
    smallest = rows / most_phases + (rows % most_phases != 0 ? 1 : 0);
  }
  return dataflow::effective_granularity(graph, actor, smallest);
}

ActorRows actor_rows(const graph::Graph& graph, graph::ActorId a, const AnalysisOptions& options,
                     std::optional<int64_t> budget, const ConcatRelief& relief) {
  const graph::Actor& actor = graph.actors[static_cast<size_t>(a)];
  const int64_t phase_rows = dataflow::phase_rows(graph, a);
  const bool free = relief.is_free(static_cast<size_t>(a));
  ActorRows result;
  for (int64_t g = free ? 1 : fewest_rows_within(graph, a, budget); g <= phase_rows; ++g) {
    const int64_t effective = dataflow::effective_granularity(graph, a, g);
    result.granularities.push_back(effective);
    result.extra_firings.push_back(free ? 0 : dataflow::phase_count(phase_rows, effective) - 1);
    if (effective != g) break;  // a barrier: one granularity only
  }
  std::vector<std::vector<dataflow::RowRange>> windows;
  for (size_t i = 0; i < actor.inputs.size(); ++i) {
    const graph::Buffer& buffer = graph.buffers[static_cast<size_t>(actor.inputs[i])];
    PortRows port;
    port.buffer = actor.inputs[i];
    port.row_bytes = buffer.row_bytes();
    port.counted = counted(buffer, options.stream_io);
    windows.push_back(dataflow::phase_row_windows(graph, a, i));
    const auto& rows = windows.back();
    port.last_row_reads = !rows.empty() && rows.back().size() > 0;
    port.last_row_ends = port.last_row_reads && rows.back().end >= buffer.rows();
    port.every_row_reads = std::all_of(rows.begin(), rows.end(), [](const auto& w) { return w.size() > 0; });
    port.some_row_reads = std::any_of(rows.begin(), rows.end(), [](const auto& w) { return w.size() > 0; });
    result.inputs.push_back(std::move(port));
  }
  for (size_t o = 0; o < actor.outputs.size(); ++o) {
    const graph::Buffer& buffer = graph.buffers[static_cast<size_t>(actor.outputs[o])];
    PortRows port;
    port.buffer = actor.outputs[o];
    port.row_bytes = buffer.row_bytes();
    port.counted = counted(buffer, options.stream_io);
    result.outputs.push_back(std::move(port));
  }
  int64_t firing_bound = kSaturated;
  for (const int64_t g : result.granularities) {
    const int64_t phases = dataflow::phase_count(phase_rows, g);
    std::vector<int64_t> bytes(static_cast<size_t>(phases), 0);
    for (size_t i = 0; i < result.inputs.size(); ++i) {
      PortRows& port = result.inputs[i];
      const graph::Buffer& buffer = graph.buffers[static_cast<size_t>(port.buffer)];
      const dataflow::InputPort rows = dataflow::input_port(0, windows[i], buffer.rows(), g);
      int64_t widest = 0;
      for (size_t f = 0; f < bytes.size(); ++f) {
        widest = std::max(widest, rows.window[f].size());
        if (port.counted) bytes[f] = graph::saturating_add(bytes[f], graph::saturating_mul(rows.window[f].size(), port.row_bytes));
      }
      port.rows.push_back(widest);
    }
    for (size_t o = 0; o < result.outputs.size(); ++o) {
      PortRows& port = result.outputs[o];
      const dataflow::OutputPort rows = dataflow::actor_output_port(graph, a, o, g);
      int64_t before = 0;
      int64_t most = 0;
      for (size_t f = 0; f < bytes.size(); ++f) {
        most = std::max(most, rows.written[f] - before);
        if (port.counted) bytes[f] = graph::saturating_add(bytes[f], graph::saturating_mul(rows.written[f] - before, port.row_bytes));
        before = rows.written[f];
      }
      port.rows.push_back(most);
    }
    result.firing_need.push_back(*std::max_element(bytes.begin(), bytes.end()));
    firing_bound = std::min(firing_bound, result.firing_need.back());
  }
  for (auto* ports : {&result.inputs, &result.outputs}) {
    for (PortRows& port : *ports) port.fewest = *std::min_element(port.rows.begin(), port.rows.end());
  }
  const bool any_counted =
      std::any_of(result.inputs.begin(), result.inputs.end(), [](const PortRows& p) { return p.counted; }) ||
      std::any_of(result.outputs.begin(), result.outputs.end(), [](const PortRows& p) { return p.counted; });
  result.firing_bound = any_counted ? firing_bound : 0;
  if (!any_counted) std::fill(result.firing_need.begin(), result.firing_need.end(), 0);
  return result;
}

/// Sets of actors as bit rows.
class ActorSet {
 public:
  explicit ActorSet(size_t size) : words_((size + 63) / 64, 0) {}
  void insert(size_t i) { words_[i / 64] |= uint64_t{1} << (i % 64); }
  bool contains(size_t i) const { return (words_[i / 64] >> (i % 64)) & 1; }
  void merge(const ActorSet& other) {
    for (size_t w = 0; w < words_.size(); ++w) words_[w] |= other.words_[w];
  }

 private:
  std::vector<uint64_t> words_;
};

/// Maximum flow (Dinic's algorithm) on a small network with saturating int64 capacities.
class MaxFlow {
 public:
  explicit MaxFlow(size_t nodes) : first_(nodes, -1), level_(nodes), next_edge_(nodes) {}

  void add_edge(size_t from, size_t to, int64_t capacity) {
    if (capacity <= 0) return;
    edges_.push_back({to, capacity, first_[from]});
    first_[from] = static_cast<int64_t>(edges_.size()) - 1;
    edges_.push_back({from, 0, first_[to]});
    first_[to] = static_cast<int64_t>(edges_.size()) - 1;
  }

  int64_t run(size_t source, size_t sink) {
    int64_t total = 0;
    while (levels(source, sink)) {
      for (size_t v = 0; v < first_.size(); ++v) next_edge_[v] = first_[v];
      for (int64_t pushed = push(source, sink, kInfinite); pushed > 0; pushed = push(source, sink, kInfinite)) {
        total = std::min(kInfinite, total + pushed);
      }
    }
    return total;
  }

 private:
  struct Edge {
    size_t to;
    int64_t capacity;
    int64_t next;
  };

  bool levels(size_t source, size_t sink) {
    std::fill(level_.begin(), level_.end(), -1);
    std::deque<size_t> queue = {source};
    level_[source] = 0;
    while (!queue.empty()) {
      const size_t v = queue.front();
      queue.pop_front();
      for (int64_t e = first_[v]; e >= 0; e = edges_[static_cast<size_t>(e)].next) {
        const Edge& edge = edges_[static_cast<size_t>(e)];
        if (edge.capacity > 0 && level_[edge.to] < 0) {
          level_[edge.to] = level_[v] + 1;
          queue.push_back(edge.to);
        }
      }
    }
    return level_[sink] >= 0;
  }

  int64_t push(size_t v, size_t sink, int64_t limit) {
    if (v == sink) return limit;
    for (int64_t& e = next_edge_[v]; e >= 0; e = edges_[static_cast<size_t>(e)].next) {
      Edge& edge = edges_[static_cast<size_t>(e)];
      if (edge.capacity <= 0 || level_[edge.to] != level_[v] + 1) continue;
      const int64_t pushed = push(edge.to, sink, std::min(limit, edge.capacity));
      if (pushed > 0) {
        edge.capacity -= pushed;
        edges_[static_cast<size_t>(e) ^ 1].capacity += pushed;
        return pushed;
      }
    }
    return 0;
  }

  std::vector<Edge> edges_;
  std::vector<int64_t> first_;
  std::vector<int64_t> level_;
  std::vector<int64_t> next_edge_;
};

/// Step 1 for every buffer: the largest of the fewest rows its producer and readers impose.
std::vector<int64_t> fewest_capacities(const graph::Graph& graph, const std::vector<ActorRows>& rows) {
  std::vector<int64_t> fewest(graph.buffers.size(), 0);
  for (const ActorRows& actor : rows) {
    for (const auto* ports : {&actor.inputs, &actor.outputs}) {
      for (const PortRows& port : *ports) {
        fewest[static_cast<size_t>(port.buffer)] = std::max(fewest[static_cast<size_t>(port.buffer)], port.fewest);
      }
    }
  }
  return fewest;
}

/// Rows x columns above which a chain step (step 7) is skipped (its buffer starts a new chain).
constexpr int64_t kChainStepCells = int64_t{1} << 22;

/// Step 7: at each actor's first firing, the buffers of one upstream chain (each actor's
/// largest input) and how many rows each holds, minimised over every progress of the chain's
/// actors that the windows allow. Returns the largest such bound over actors.
int64_t chain_bound(const graph::Graph& graph, const AnalysisOptions& options, const std::vector<int64_t>& fewest) {
  // reach[t][w]: the least bytes the chain buffers above t hold when t has w rows written.
  std::vector<std::vector<int64_t>> reach(graph.buffers.size());
  const auto reach_of = [&](graph::BufferId t) -> const std::vector<int64_t>& {
    auto& entry = reach[static_cast<size_t>(t)];
    if (entry.empty()) entry.assign(static_cast<size_t>(graph.buffers[static_cast<size_t>(t)].rows()) + 1, 0);
    return entry;
  };
  int64_t bound = 0;
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const graph::Actor& actor = graph.actors[a];
    if (actor.streaming_reduction || actor.inputs.empty() || actor.outputs.empty()) continue;
    // The chain continues through the largest input.
    size_t chosen = 0;
    for (size_t i = 1; i < actor.inputs.size(); ++i) {
      if (graph.buffers[static_cast<size_t>(actor.inputs[i])].tensor_bytes() >
          graph.buffers[static_cast<size_t>(actor.inputs[chosen])].tensor_bytes()) {
        chosen = i;
      }
    }
    const graph::BufferId s = actor.inputs[chosen];
    const graph::Buffer& input = graph.buffers[static_cast<size_t>(s)];
    const int64_t in_rows = input.rows();
    const int64_t row_bytes = counted(input, options.stream_io) ? input.row_bytes() : 0;
    const std::vector<dataflow::RowRange> windows = dataflow::phase_row_windows(graph, static_cast<graph::ActorId>(a), chosen);
    const int64_t out_rows = static_cast<int64_t>(windows.size());
    const std::vector<int64_t>& above = reach_of(s);
    // Bytes s holds with w_s rows written when a has written w_t rows (its release then is the
    // window begin of row w_t; everything after its last row).
    const auto held = [&](int64_t w_s, int64_t w_t) -> int64_t {
      const int64_t released = w_t < out_rows ? windows[static_cast<size_t>(w_t)].begin : in_rows;
      const bool alive = w_s > 0 && (w_s < in_rows || released < in_rows);
      return alive ? graph::saturating_mul(std::max(w_s - std::min(released, w_s), fewest[static_cast<size_t>(s)]), row_bytes)
                   : 0;
    };
    // The first firing of a: no row written, row 0's window present (nothing when it is empty).
    const int64_t first_end = windows.front().end;
    int64_t at_first = kSaturated;
    for (int64_t w_s = first_end; w_s <= in_rows; ++w_s) {
      at_first = std::min(at_first, graph::saturating_add(above[static_cast<size_t>(w_s)], held(w_s, 0)));
    }
    if (at_first < kSaturated) {
      for (graph::BufferId out : actor.outputs) {
        const graph::Buffer& buffer = graph.buffers[static_cast<size_t>(out)];
        if (counted(buffer, options.stream_io)) {
          at_first = graph::saturating_add(at_first, graph::saturating_mul(fewest[static_cast<size_t>(out)], buffer.row_bytes()));
        }
      }
      bound = std::max(bound, at_first);
    }
    // Extend the chain to a's outputs.
    if (in_rows * out_rows > kChainStepCells) continue;
    std::vector<int64_t> next(static_cast<size_t>(out_rows) + 1, kSaturated);
    for (int64_t w_t = 0; w_t <= out_rows; ++w_t) {
      const int64_t needed = w_t == 0 ? 0 : windows[static_cast<size_t>(w_t - 1)].end;
      for (int64_t w_s = needed; w_s <= in_rows; ++w_s) {
        next[static_cast<size_t>(w_t)] =
            std::min(next[static_cast<size_t>(w_t)], graph::saturating_add(above[static_cast<size_t>(w_s)], held(w_s, w_t)));
      }
    }
    for (graph::BufferId out : actor.outputs) {
      if (graph.buffers[static_cast<size_t>(out)].rows() == out_rows) reach[static_cast<size_t>(out)] = next;
    }
  }
  return bound;
}

/// What the bound at one actor's last firing found.
struct MomentFigures {
  int64_t bound = 0;                    ///< steps 2-5
  std::vector<int64_t> by_granularity;  ///< parallel to ActorRows::granularities (step 6)
};

/// Step 6: the largest tau such that keeping every actor's bytes below tau needs more extra
/// firings than the budget allows. profile[a][i] is a lower bound on the arena of any plan in
/// which actor a takes its i-th granularity (extra_firings[i] extra firings).
int64_t pigeonhole_bound(const std::vector<ActorRows>& rows, const std::vector<std::vector<int64_t>>& profile,
                         int64_t budget) {
  // cost(tau): the fewest extra firings with every actor's bytes below tau (nullopt: impossible).
  const auto cost = [&](int64_t tau) -> std::optional<int64_t> {
    int64_t total = 0;
    for (size_t a = 0; a < rows.size(); ++a) {
      std::optional<int64_t> fewest;
      for (size_t i = 0; i < profile[a].size(); ++i) {
        if (profile[a][i] < tau && (!fewest || rows[a].extra_firings[i] < *fewest)) fewest = rows[a].extra_firings[i];
      }
      if (!fewest) return std::nullopt;
      total = graph::saturating_add(total, *fewest);
    }
    return total;
  };
  std::vector<int64_t> thresholds;
  for (const auto& bytes : profile) thresholds.insert(thresholds.end(), bytes.begin(), bytes.end());
  std::sort(thresholds.begin(), thresholds.end());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  // Infeasible (cost > budget or impossible) is monotone: it holds for every tau up to some
  // point. Binary search for the last threshold tau where it holds; the arena is then >= tau.
  size_t low = 0;
  size_t high = thresholds.size();  // thresholds[high - 1] .. : search [low, high)
  int64_t best = 0;
  while (low < high) {
    const size_t mid = (low + high) / 2;
    const auto needed = cost(thresholds[mid]);
    if (!needed || *needed > budget) {
      best = std::max(best, thresholds[mid]);
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return best;
}

/// Bytes of held buffers charged to one actor, per granularity of it (step 5).
struct Charge {
  graph::ActorId actor = 0;
  std::vector<int64_t> bytes;  ///< parallel to ActorRows::granularities
};

/// Everything the moment bounds (steps 2-5) share across actors.
class MomentBound {
 public:
  MomentBound(const graph::Graph& graph, const AnalysisOptions& options, const std::vector<ActorRows>& rows,
              std::optional<int64_t> budget)
      : graph_(graph),
        options_(options),
        rows_(rows),
        budget_(budget),
        later_(graph.actors.size(), ActorSet(graph.actors.size())) {
    fewest_ = fewest_capacities(graph, rows);
    last_after_closure();
  }

  /// Steps 2-5 at actor a's last firing: the bound, and per granularity of a (the others at
  /// their fewest rows) the bytes of step 6's profile.
  MomentFigures at_last_firing_of(graph::ActorId a) const {
    const size_t n = graph_.actors.size();
    const ActorRows& own = rows_[static_cast<size_t>(a)];

    // Actors whose first firing comes before a's last (step 3).
    ActorSet before(n);
    std::vector<graph::ActorId> work;
    ActorSet last_before(n);
    for (size_t z = 0; z < n; ++z) {
      if (static_cast<graph::ActorId>(z) == a || later_[z].contains(static_cast<size_t>(a))) {
        last_before.insert(z);
        before.insert(z);
        work.push_back(static_cast<graph::ActorId>(z));
      }
    }
    while (!work.empty()) {
      const graph::ActorId w = work.back();
      work.pop_back();
      const ActorRows& reader = rows_[static_cast<size_t>(w)];
      for (const PortRows& port : reader.inputs) {
        const graph::ActorId z = graph_.buffers[static_cast<size_t>(port.buffer)].producer;
        if (!port.every_row_reads || z == graph::kNoActor || before.contains(static_cast<size_t>(z))) continue;
        before.insert(static_cast<size_t>(z));
        work.push_back(z);
      }
    }

    // The buffers held at j, each charged to one actor as bytes per granularity of that actor
    // (step 5): a's own (step 2) to a, a bystander (a one-buffer path of step 4) to the actor
    // imposing its largest fewest rows.
    std::vector<bool> held(graph_.buffers.size(), false);
    std::vector<Charge> charges = {{a, std::vector<int64_t>(own.granularities.size(), 0)}};
    for (const auto* ports : {&own.inputs, &own.outputs}) {
      for (const PortRows& port : *ports) {
        const bool is_input = ports == &own.inputs;
        if (!port.counted || (is_input && !port.last_row_reads)) continue;
        held[static_cast<size_t>(port.buffer)] = true;
        const int64_t others = capacity_from_others(port.buffer, a);
        for (size_t g = 0; g < own.granularities.size(); ++g) {
          charges[0].bytes[g] =
              graph::saturating_add(charges[0].bytes[g], graph::saturating_mul(std::max(port.rows[g], others), port.row_bytes));
        }
      }
    }
    for (size_t t = 0; t < graph_.buffers.size(); ++t) {
      const auto id = static_cast<graph::BufferId>(t);
      if (held[t] || !counted(graph_.buffers[t], options_.stream_io)) continue;
      if (!started(id, a, before, last_before) || !read_after(id, a)) continue;
      held[t] = true;
      const auto [x, port] = strongest_port(id);
      Charge* charge = nullptr;
      for (Charge& c : charges) charge = c.actor == x ? &c : charge;
      if (charge == nullptr) {
        charges.push_back({x, std::vector<int64_t>(rows_[static_cast<size_t>(x)].granularities.size(), 0)});
        charge = &charges.back();
      }
      for (size_t g = 0; g < charge->bytes.size(); ++g) {
        charge->bytes[g] = graph::saturating_add(charge->bytes[g], graph::saturating_mul(port->rows[g], port->row_bytes));
      }
    }
    const int64_t held_bytes = budget_share(charges);

    // The flow network of step 4: buffer t is nodes 2t (in) and 2t+1 (out).
    const size_t source = 2 * graph_.buffers.size();
    const size_t sink = source + 1;
    MaxFlow flow(sink + 1);
    for (size_t t = 0; t < graph_.buffers.size(); ++t) {
      const graph::Buffer& buffer = graph_.buffers[t];
      const bool free = held[t] || !counted(buffer, options_.stream_io);
      flow.add_edge(2 * t, 2 * t + 1, free ? 0 : graph::saturating_mul(fewest_[t], buffer.row_bytes()));
      if (started(static_cast<graph::BufferId>(t), a, before, last_before)) flow.add_edge(source, 2 * t, kInfinite);
      if (read_after(static_cast<graph::BufferId>(t), a)) flow.add_edge(2 * t + 1, sink, kInfinite);
    }
    for (size_t y = 0; y < n; ++y) {
      const graph::Actor& actor = graph_.actors[y];
      const ActorRows& ports = rows_[y];
      for (size_t i = 0; i < actor.inputs.size(); ++i) {
        if (!ports.inputs[i].last_row_reads) continue;
        for (graph::BufferId out : actor.outputs) {
          flow.add_edge(2 * static_cast<size_t>(actor.inputs[i]) + 1, 2 * static_cast<size_t>(out), kInfinite);
        }
      }
    }
    const int64_t cut = flow.run(source, sink);
    MomentFigures figures;
    figures.bound = graph::saturating_add(held_bytes, cut);
    int64_t others = cut;
    for (size_t c = 1; c < charges.size(); ++c) {
      others = graph::saturating_add(others, *std::min_element(charges[c].bytes.begin(), charges[c].bytes.end()));
    }
    for (const int64_t own_bytes : charges[0].bytes) figures.by_granularity.push_back(graph::saturating_add(own_bytes, others));
    return figures;
  }

 private:
  /// The capacity buffer t gets in every plan within R from its actors other than `a`.
  int64_t capacity_from_others(graph::BufferId t, graph::ActorId a) const {
    int64_t most = 0;
    const graph::Buffer& buffer = graph_.buffers[static_cast<size_t>(t)];
    std::vector<graph::ActorId> actors = buffer.consumers;
    if (buffer.producer != graph::kNoActor) actors.push_back(buffer.producer);
    for (const graph::ActorId x : actors) {
      if (x == a) continue;
      for (const auto* ports : {&rows_[static_cast<size_t>(x)].inputs, &rows_[static_cast<size_t>(x)].outputs}) {
        for (const PortRows& port : *ports) {
          if (port.buffer == t) most = std::max(most, port.fewest);
        }
      }
    }
    return most;
  }

  /// The port of t (its producer's or a reader's) imposing the largest fewest rows.
  std::pair<graph::ActorId, const PortRows*> strongest_port(graph::BufferId t) const {
    const graph::Buffer& buffer = graph_.buffers[static_cast<size_t>(t)];
    std::vector<graph::ActorId> actors = buffer.consumers;
    if (buffer.producer != graph::kNoActor) actors.push_back(buffer.producer);
    std::pair<graph::ActorId, const PortRows*> best = {graph::kNoActor, nullptr};
    for (const graph::ActorId x : actors) {
      for (const auto* ports : {&rows_[static_cast<size_t>(x)].inputs, &rows_[static_cast<size_t>(x)].outputs}) {
        for (const PortRows& port : *ports) {
          if (port.buffer == t && (best.second == nullptr || port.fewest > best.second->fewest)) best = {x, &port};
        }
      }
    }
    return best;
  }

  /// Step 5: min over granularities within the joint budget B of the charged bytes, bounded
  /// below by Lagrangian duality: for every lambda >= 0 and every plan within R,
  /// sum_x bytes_x(g_x) >= sum_x min_g (bytes_x(g) + lambda * extra_x(g)) - lambda * B, since
  /// sum_x extra_x(g_x) <= B. lambda = 0 is the per-actor minimum; the others are a grid.
  int64_t budget_share(const std::vector<Charge>& charges) const {
    const auto dual = [&](double lambda) {
      double total = 0;
      for (const Charge& charge : charges) {
        const ActorRows& x = rows_[static_cast<size_t>(charge.actor)];
        double best = std::numeric_limits<double>::infinity();
        for (size_t g = 0; g < charge.bytes.size(); ++g) {
          best = std::min(best, static_cast<double>(charge.bytes[g]) + lambda * static_cast<double>(x.extra_firings[g]));
        }
        total += best;
      }
      return total - lambda * static_cast<double>(budget_.value_or(0));
    };
    int64_t exact = 0;  // lambda = 0, in integers
    for (const Charge& charge : charges) {
      exact = graph::saturating_add(exact, *std::min_element(charge.bytes.begin(), charge.bytes.end()));
    }
    if (!budget_ || exact >= kSaturated) return exact;
    double best = 0;
    for (double lambda = 1.0 / 1024; lambda < 1e12; lambda *= 4) best = std::max(best, dual(lambda));
    // Rounded down with a margin for the floating-point sums.
    const double safe = std::floor(best * (1 - 1e-9)) - 1;
    return safe > static_cast<double>(exact) && safe < 9e18 ? static_cast<int64_t>(safe) : exact;
  }

  /// later_[x]: the actors whose last firing surely comes after x's last (step 3, relation L+).
  void last_after_closure() {
    for (size_t x = graph_.actors.size(); x-- > 0;) {
      for (graph::BufferId out : graph_.actors[x].outputs) {
        for (graph::ActorId y : graph_.buffers[static_cast<size_t>(out)].consumers) {
          if (!input_of(y, out).last_row_ends) continue;
          later_[x].insert(static_cast<size_t>(y));
          later_[x].merge(later_[static_cast<size_t>(y)]);
        }
      }
    }
  }

  const PortRows& input_of(graph::ActorId y, graph::BufferId t) const {
    const ActorRows& ports = rows_[static_cast<size_t>(y)];
    for (const PortRows& port : ports.inputs) {
      if (port.buffer == t) return port;
    }
    return ports.inputs.front();  // unreachable: t is an input of y
  }

  /// Step 3: t's first row is written before or at a's last firing.
  bool started(graph::BufferId t, graph::ActorId a, const ActorSet& before, const ActorSet& last_before) const {
    const graph::Buffer& buffer = graph_.buffers[static_cast<size_t>(t)];
    const graph::ActorId z = buffer.producer;
    if (z != graph::kNoActor) {
      // A streaming reduction writes only at its last firing.
      const bool writes_first = !graph_.actors[static_cast<size_t>(z)].streaming_reduction;
      if (z == a || (writes_first ? before : last_before).contains(static_cast<size_t>(z))) return true;
    }
    for (const graph::ActorId y : buffer.consumers) {
      const PortRows& port = input_of(y, t);
      if (port.every_row_reads && before.contains(static_cast<size_t>(y))) return true;
      if (y == a && port.some_row_reads) return true;
    }
    return false;
  }

  /// Step 3: a reader of t other than a fires its last firing after a's, and that firing reads t.
  bool read_after(graph::BufferId t, graph::ActorId a) const {
    for (const graph::ActorId c : graph_.buffers[static_cast<size_t>(t)].consumers) {
      if (c != a && later_[static_cast<size_t>(a)].contains(static_cast<size_t>(c)) && input_of(c, t).last_row_reads) {
        return true;
      }
    }
    return false;
  }

  const graph::Graph& graph_;
  const AnalysisOptions& options_;
  const std::vector<ActorRows>& rows_;
  std::optional<int64_t> budget_;
  std::vector<int64_t> fewest_;
  std::vector<ActorSet> later_;
};

}  // namespace

int64_t minimum_granularity(const graph::Graph& graph, graph::ActorId actor, const AnalysisOptions& options) {
  return fewest_rows_within(graph, actor, most_extra_firings(graph, options));
}

namespace {

/// MODEL 4.1 in place: the graph with no bytes for every buffer an in-place write may put into
/// its input's storage (graph::in_place_inputs). Every step above charges a buffer alive at a
/// firing its capacity, which its storage holds: a storage holds every row of its buffers that
/// a window, a write or a release still needs, and lives while any of them does. Two buffers
/// of one storage would count its rows twice; with every buffer written in place weightless, a
/// storage is charged at most through its first buffer. Weights only fall, so every step's
/// figure only falls: the bound stays below the FIFO model's and any plan's with the rules.
/// Zero-copy Concat likewise: its inputs are slices of its output's storage, weightless, and
/// the Concat's firings cost nothing while the time it saves pays for others' (ConcatRelief).
graph::Graph weightless_shared_buffers(const graph::Graph& graph) {
  graph::Graph weighed = graph;
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const auto id = static_cast<graph::ActorId>(a);
    if (graph::may_write_in_place(graph, id)) {
      for (graph::BufferId out : graph.actors[a].outputs) weighed.buffers[static_cast<size_t>(out)].element_bytes = 0;
    }
    if (const auto slices = graph::zero_copy_slices(graph, id)) {
      for (const graph::ConcatSlice& slice : *slices) weighed.buffers[static_cast<size_t>(slice.input)].element_bytes = 0;
    }
  }
  return weighed;
}

ConcatRelief zero_copy_relief(const graph::Graph& graph, const Platform& platform) {
  ConcatRelief relief;
  relief.free.assign(graph.actors.size(), false);
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    if (!graph::zero_copy_slices(graph, static_cast<graph::ActorId>(a))) continue;
    relief.free[a] = true;
    relief.saved_seconds += actor_seconds(graph.actors[a], 1, platform);
  }
  return relief;
}

int64_t fifo_lower_bound_bytes(const graph::Graph& graph, const AnalysisOptions& options,
                               const ConcatRelief& relief) {
  const std::optional<int64_t> budget = most_extra_firings(graph, options, relief);
  std::vector<ActorRows> rows;
  int64_t bound = 0;
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    rows.push_back(actor_rows(graph, static_cast<graph::ActorId>(a), options, budget, relief));
    bound = std::max(bound, rows.back().firing_bound);
  }
  std::vector<std::vector<int64_t>> profile;
  for (const ActorRows& actor : rows) profile.push_back(actor.firing_need);
  if (graph.actors.size() <= kMomentBoundMaxActors) {
    const MomentBound moments(graph, options, rows, budget);
    for (size_t a = 0; a < graph.actors.size(); ++a) {
      const MomentFigures figures = moments.at_last_firing_of(static_cast<graph::ActorId>(a));
      bound = std::max(bound, figures.bound);
      for (size_t i = 0; i < profile[a].size(); ++i) profile[a][i] = std::max(profile[a][i], figures.by_granularity[i]);
    }
  }
  if (budget) bound = std::max(bound, pigeonhole_bound(rows, profile, *budget));
  bound = std::max(bound, chain_bound(graph, options, fewest_capacities(graph, rows)));
  return bound;
}

}  // namespace

int64_t lower_bound_bytes(const graph::Graph& graph, const AnalysisOptions& options) {
  if (!shared_storage(options)) return fifo_lower_bound_bytes(graph, options, {});
  return fifo_lower_bound_bytes(weightless_shared_buffers(graph), options, zero_copy_relief(graph, options.platform));
}

}  // namespace bufopt::analysis
