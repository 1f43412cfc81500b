// Pipelined mode: capacity sizing of one granularity vector along critical cycles.
#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "bufopt/analysis/pipelined/lower_bound.h"
#include "bufopt/analysis/pipelined/sizing.h"
#include "bufopt/analysis/pipelined/throughput.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

using dataflow::ChannelId;
using dataflow::Network;

int64_t counted_bytes(const Network& network, const std::vector<int64_t>& capacity_rows) {
  int64_t total = 0;
  for (size_t c = 0; c < network.channels.size(); ++c) {
    if (!network.channels[c].counted || !sized_channel(network.channels[c])) continue;
    const int64_t bytes = graph::saturating_mul(std::max<int64_t>(capacity_rows[c], 0), network.channels[c].row_bytes);
    total = graph::saturating_add(total, bytes);
  }
  return total;
}

/// The initial capacities: lower bounds, and one image for the free (uncounted) channels.
std::vector<int64_t> initial_capacities(const Network& network) {
  std::vector<int64_t> capacity = capacity_lower_bounds(network);
  for (size_t c = 0; c < network.channels.size(); ++c) {
    const dataflow::Channel& channel = network.channels[c];
    if (bounded_channel(channel) && !channel.counted) capacity[c] = std::max(capacity[c], channel.rows);
  }
  return capacity;
}

/// One way to enlarge a channel: `rows` more, costing `bytes` (0 for an uncounted channel).
struct Step {
  ChannelId channel = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
};

const dataflow::InputPort& reader_port(const Network& network, dataflow::NodeId reader, ChannelId channel) {
  for (const dataflow::InputPort& port : network.nodes.at(static_cast<size_t>(reader)).inputs) {
    if (port.channel == channel) return port;
  }
  throw std::logic_error("space dependency from a node that does not read the channel");
}

/// The smallest enlargement that moves space dependency `edge` to an earlier reader release:
/// the reader must then have released no more than its release before `edge.from_phase`.
int64_t smallest_step(const Network& network, const Dependency& edge, int64_t capacity) {
  const dataflow::Channel& channel = network.channels[static_cast<size_t>(edge.channel)];
  const dataflow::Node& producer = network.nodes[static_cast<size_t>(edge.to_node)];
  int64_t after = 0;
  for (const dataflow::OutputPort& port : producer.outputs) {
    if (port.channel == edge.channel) after = port.written[static_cast<size_t>(edge.to_phase)];
  }
  const std::vector<int64_t>& release = reader_port(network, edge.from_node, edge.channel).release;
  // The target release in the reader's image (pipelined_throughput.cpp, space_source).
  const int64_t within_image = after - capacity + edge.delay * channel.rows;
  const int64_t earlier = edge.from_phase > 0 ? release[static_cast<size_t>(edge.from_phase - 1)] : 0;
  return std::max<int64_t>(1, within_image - earlier);
}

/// The distinct channels of the space dependencies on `cycle`, each with its smallest useful
/// step, cheapest first (ties: channel id).
std::vector<Step> cycle_steps(const Network& network, const std::vector<Dependency>& cycle,
                              const std::vector<int64_t>& capacity) {
  std::vector<Step> steps;
  for (const Dependency& edge : cycle) {
    if (edge.kind != DependencyKind::kSpace) continue;
    const int64_t rows = smallest_step(network, edge, capacity[static_cast<size_t>(edge.channel)]);
    auto same = std::find_if(steps.begin(), steps.end(), [&](const Step& s) { return s.channel == edge.channel; });
    if (same == steps.end()) {
      steps.push_back({edge.channel, rows, 0});
    } else {
      same->rows = std::min(same->rows, rows);
    }
  }
  for (Step& step : steps) {
    const dataflow::Channel& channel = network.channels[static_cast<size_t>(step.channel)];
    step.bytes = channel.counted ? graph::saturating_mul(std::max<int64_t>(step.rows, 0), channel.row_bytes) : 0;
  }
  std::sort(steps.begin(), steps.end(),
            [](const Step& a, const Step& b) { return std::pair(a.bytes, a.channel) < std::pair(b.bytes, b.channel); });
  return steps;
}

/// Keeps the points no other point beats on both bytes and slowdown, by bytes ascending.
std::vector<ParetoPoint> pareto_filter(std::vector<ParetoPoint> points) {
  std::sort(points.begin(), points.end(), [](const ParetoPoint& a, const ParetoPoint& b) {
    return std::pair(a.fifo_bytes, a.slowdown) < std::pair(b.fifo_bytes, b.slowdown);
  });
  std::vector<ParetoPoint> front;
  for (const ParetoPoint& point : points) {
    if (front.empty() || point.slowdown < front.back().slowdown) front.push_back(point);
  }
  return front;
}

/// The state of one sizing run.
class Sizer {
 public:
  Sizer(const graph::Graph& graph, std::span<const int64_t> granularity, const AnalysisOptions& options)
      : graph_(graph) {
    network_ = dataflow::build_network(graph, granularity, {.stream_io = options.stream_io});  // clamps to effective
    times_ = firing_times(graph, network_, options);
    baseline_ = baseline_period_ticks(graph, options);
    capacity_ = initial_capacities(network_);
    analyzer_ = std::make_unique<ThroughputAnalyzer>(network_, times_);
    last_rows_.assign(network_.channels.size(), 0);
  }

  SizingResult run(double target, int64_t bytes_cutoff, const PipelinedLimits& limits) {
    SizingResult result;
    if (!within_slowdown(make_period(slowest_node_ticks(times_), 1), baseline_, target)) return result;
    if (counted_bytes(network_, capacity_) > bytes_cutoff) return result;
    ThroughputAnalysis analysis = analyze();
    for (int64_t enlargements = 0;; ++enlargements) {
      // Bytes only grow along the path: past the cutoff nothing better can come.
      if (counted_bytes(network_, capacity_) > bytes_cutoff) break;
      if (analysis.live) {
        record(analysis, result);
        if (within_slowdown(analysis.period, baseline_, target)) {
          result.plan = plan(analysis);
          break;
        }
      }
      if (enlargements >= limits.max_enlargements) break;
      if (!enlarge(analysis, limits)) break;
    }
    result.front = pareto_filter(std::move(result.front));
    result.analyses = analyses_;
    result.iterations = iterations_;
    return result;
  }

 private:
  ThroughputAnalysis analyze(bool remember = true) {
    ++analyses_;
    ThroughputAnalysis analysis = analyzer_->analyze(capacity_, remember);
    iterations_ += analysis.iterations;
    return analysis;
  }

  void record(const ThroughputAnalysis& analysis, SizingResult& result) const {
    const int64_t bytes = counted_bytes(network_, capacity_);
    const double slowdown = period_ratio(analysis.period, baseline_);
    result.front.push_back({slowdown, slowdown, bytes, bytes});
  }

  /// One enlargement (steps 2-3 of size_pipelined); updates `analysis`. False when the cycle
  /// has no channel to enlarge (then the period is the slowest actor's and cannot improve).
  bool enlarge(ThroughputAnalysis& analysis, const PipelinedLimits& limits) {
    std::vector<Step> steps = cycle_steps(network_, analysis.cycle, capacity_);
    if (steps.empty()) return false;
    if (!analysis.live || steps.front().bytes == 0) {
      take(steps.front(), analysis);
      return true;
    }
    steps.resize(std::min(steps.size(), static_cast<size_t>(std::max(1, limits.trial_channels))));
    add_momentum(steps);
    std::optional<size_t> best;
    double best_gain = 0;
    ThroughputAnalysis best_analysis;
    const double period = analysis.period.seconds();
    for (size_t i = 0; i < steps.size(); ++i) {
      apply(steps[i]);
      ThroughputAnalysis trial = analyze();
      undo(steps[i]);
      if (!trial.live || !shorter(trial.period, analysis.period)) continue;
      const double gain = (period - trial.period.seconds()) / static_cast<double>(steps[i].bytes);
      if (!best || gain > best_gain) {
        best = i;
        best_gain = gain;
        best_analysis = std::move(trial);
      }
    }
    if (best) {
      apply(steps[*best]);
      last_rows_[static_cast<size_t>(steps[*best].channel)] = steps[*best].rows;
      analysis = std::move(best_analysis);
    } else {
      // Another cycle is as critical: the cheapest step removes this one.
      take(steps.front(), analysis);
    }
    return true;
  }

  /// Applies `step` unconditionally and analyses the result.
  void take(const Step& step, ThroughputAnalysis& analysis) {
    apply(step);
    last_rows_[static_cast<size_t>(step.channel)] = step.rows;
    analysis = analyze();
  }

  /// For a channel enlarged before, also tries twice its last step: a skip buffer hundreds of
  /// rows short then takes a logarithmic number of steps, and the gain per byte still decides,
  /// so a step that overshoots loses to a smaller one.
  void add_momentum(std::vector<Step>& steps) const {
    const size_t tried = steps.size();
    for (size_t i = 0; i < tried; ++i) {
      const Step step = steps[i];
      const int64_t last = last_rows_[static_cast<size_t>(step.channel)];
      const dataflow::Channel& channel = network_.channels[static_cast<size_t>(step.channel)];
      const int64_t rows = std::max(step.rows, std::min(last * 2, channel.rows));
      if (rows == step.rows) continue;
      steps.push_back({step.channel, rows, channel.counted ? graph::saturating_mul(std::max<int64_t>(rows, 0), channel.row_bytes) : 0});
    }
  }

  void apply(const Step& step) { capacity_[static_cast<size_t>(step.channel)] += step.rows; }
  void undo(const Step& step) { capacity_[static_cast<size_t>(step.channel)] -= step.rows; }

  PipelinedPlan plan(const ThroughputAnalysis& analysis) const {
    return make_pipelined_plan(network_, capacity_, times_, analysis, baseline_, counted_bytes(network_, capacity_));
  }

  const graph::Graph& graph_;
  Network network_;
  FiringTimes times_;
  Ticks baseline_ = 0;
  std::vector<int64_t> capacity_;
  std::unique_ptr<ThroughputAnalyzer> analyzer_;  // refers to network_: declared after it
  std::vector<int64_t> last_rows_;  ///< per channel: its last step (0: never enlarged)
  int64_t analyses_ = 0;
  int64_t iterations_ = 0;
};

}  // namespace

SizingResult size_pipelined(const graph::Graph& graph, std::span<const int64_t> granularity,
                            const AnalysisOptions& options, double target_ratio, const PipelinedLimits& limits,
                            int64_t bytes_cutoff) {
  if (granularity.size() != graph.actors.size()) {
    throw std::invalid_argument("size_pipelined: one granularity per actor expected");
  }
  Sizer sizer(graph, granularity, options);
  return sizer.run(target_ratio, bytes_cutoff, limits);
}

}  // namespace bufopt::analysis
