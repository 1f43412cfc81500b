#include "bufopt/analysis/lower_bound.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "bufopt/analysis/time_model.h"
#include "bufopt/dataflow/phases.h"
#include "bufopt/dataflow/row_windows.h"
#include "bufopt/graph/checked_math.h"

// How the bound is computed, and why it holds:
//  1. Extra firings cost firing_overhead_s each, so within R the whole plan has at most
//     budget = (R - 1) * T_baseline / overhead extra firings, and actor a alone at most that:
//     ceil(H_a / g_a) - 1 <= budget gives the smallest granularity g_min(a) it may take.
//  2. For every granularity g in [g_min(a), H_a] actor a may take, every firing f of a needs at
//     once, in buffers alive at that moment: its window on each counted input (rows written and
//     not released by a) and the rows it writes on each counted output (they occupy their slots
//     while being written, SPEC 4). Buffers alive at one moment never share bytes, so the arena
//     of any order is at least need(a, g) = max_f of that sum.
//  3. The actor takes one of those g, hence bound(a) = min over g of need(a, g), and the bound
//     is the max over actors. A barrier (one firing) reads its counted inputs whole. For a
//     streaming reduction H_a and g count input rows (dataflow::phase_rows): firing f needs
//     input rows [f*g, (f+1)*g) and only the last also writes the output row, so need(a, g) is
//     max(g input rows, the last firing's rows + the output row).
// The bound counts neither buffers held across the firing by other actors nor the rows pulled
// ahead of a window, so it is usually well below what a real order needs.

namespace bufopt::analysis {

namespace {

constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

int64_t saturating_add(int64_t a, int64_t b) {
  return graph::checked_add(a, b).value_or(kSaturated);
}
int64_t saturating_mul(int64_t a, int64_t b) {
  return graph::checked_mul(a, b).value_or(kSaturated);
}

bool counted(const graph::Buffer& buffer, bool stream_io) {
  return buffer.io == graph::IoRole::kNone || stream_io;
}

/// The largest number of extra firings any plan within R can afford; nullopt when unlimited.
std::optional<int64_t> most_extra_firings(const graph::Graph& graph, const AnalysisOptions& options) {
  const double overhead = options.platform.firing_overhead_s;
  if (overhead <= 0) return std::nullopt;
  const double slack = std::max(0.0, options.max_slowdown - 1.0 + kSlowdownTolerance);
  // Rounded up a little: the bound must hold for every plan the tolerance lets through.
  const double budget = slack * baseline_time_seconds(graph, options.platform) / overhead * (1 + 1e-9) + 1e-6;
  if (!(budget < 9e18)) return std::nullopt;
  return static_cast<int64_t>(std::floor(budget));
}

/// One counted input of an actor: its per-phase-row windows and bytes per row.
struct InputRows {
  std::vector<dataflow::RowRange> windows;
  int64_t in_rows = 0;
  int64_t row_bytes = 0;
};

/// One counted output of an actor: its index among the actor's outputs and bytes per row.
struct OutputRows {
  size_t index = 0;
  int64_t row_bytes = 0;
};

/// need(a, g) of step 2: the windows one firing reads plus the rows it writes (a streaming
/// reduction's firings write nothing until the last, which writes the output row).
int64_t firing_need(const graph::Graph& graph, graph::ActorId a, const std::vector<InputRows>& inputs,
                    const std::vector<OutputRows>& outputs, int64_t rows, int64_t granularity) {
  const int64_t phases = dataflow::phase_count(rows, granularity);
  std::vector<int64_t> bytes(static_cast<size_t>(phases), 0);
  for (const InputRows& input : inputs) {
    const dataflow::InputPort port = dataflow::input_port(0, input.windows, input.in_rows, granularity);
    for (size_t f = 0; f < bytes.size(); ++f) {
      bytes[f] = saturating_add(bytes[f], saturating_mul(port.window[f].size(), input.row_bytes));
    }
  }
  for (const OutputRows& output : outputs) {
    const dataflow::OutputPort port = dataflow::actor_output_port(graph, a, output.index, granularity);
    int64_t before = 0;
    for (size_t f = 0; f < bytes.size(); ++f) {
      bytes[f] = saturating_add(bytes[f], saturating_mul(port.written[f] - before, output.row_bytes));
      before = port.written[f];
    }
  }
  return *std::max_element(bytes.begin(), bytes.end());
}

int64_t actor_bound(const graph::Graph& graph, graph::ActorId a, const AnalysisOptions& options) {
  const graph::Actor& actor = graph.actors[static_cast<size_t>(a)];
  // Granularities count phase rows: output rows, or input rows of a streaming reduction.
  const int64_t rows = dataflow::phase_rows(graph, a);
  std::vector<InputRows> inputs;
  for (size_t i = 0; i < actor.inputs.size(); ++i) {
    const graph::Buffer& buffer = graph.buffers[static_cast<size_t>(actor.inputs[i])];
    if (!counted(buffer, options.stream_io)) continue;
    // As build_network does: a barrier reads every input whole, a streaming reduction row by row.
    inputs.push_back({dataflow::phase_row_windows(graph, a, i), buffer.rows(), buffer.row_bytes()});
  }
  std::vector<OutputRows> outputs;
  for (size_t o = 0; o < actor.outputs.size(); ++o) {
    const graph::Buffer& buffer = graph.buffers[static_cast<size_t>(actor.outputs[o])];
    if (counted(buffer, options.stream_io)) outputs.push_back({o, buffer.row_bytes()});
  }
  if (inputs.empty() && outputs.empty()) return 0;
  const int64_t smallest = minimum_granularity(graph, a, options);
  int64_t bound = kSaturated;
  for (int64_t g = smallest; g <= rows; ++g) {
    const int64_t effective = dataflow::effective_granularity(graph, a, g);
    bound = std::min(bound, firing_need(graph, a, inputs, outputs, rows, effective));
    if (effective != g) break;  // a barrier: one granularity only
  }
  return bound;
}

}  // namespace

int64_t minimum_granularity(const graph::Graph& graph, graph::ActorId actor, const AnalysisOptions& options) {
  const int64_t rows = dataflow::phase_rows(graph, actor);
  const std::optional<int64_t> budget = most_extra_firings(graph, options);
  int64_t smallest = 1;
  if (budget && *budget < rows - 1) {
    // ceil(H / g) <= budget + 1  <=>  g >= H / (budget + 1).
    const int64_t most_phases = *budget + 1;
    smallest = rows / most_phases + (rows % most_phases != 0 ? 1 : 0);
  }
  return dataflow::effective_granularity(graph, actor, smallest);
}

int64_t lower_bound_bytes(const graph::Graph& graph, const AnalysisOptions& options) {
  int64_t bound = 0;
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    bound = std::max(bound, actor_bound(graph, static_cast<graph::ActorId>(a), options));
  }
  return bound;
}

}  // namespace bufopt::analysis
