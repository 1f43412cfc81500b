// Pipelined mode: the exhaustive optimum on small graphs, the reference the optimizer is held
// to in the tests. Every granularity vector (odometer, actor 0 fastest) whose slowest actor
// meets R, then every capacity vector in the box (odometer over the counted bounded channels),
// skipping vectors of more bytes than the best so far; each survivor is analysed exactly.
#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>

#include "bufopt/analysis/pipelined.h"
#include "bufopt/analysis/pipelined/exact.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

using dataflow::Network;

/// Advances `digits` within [low, high] like an odometer; false after the last vector.
bool next_vector(std::vector<int64_t>& digits, const std::vector<int64_t>& low, const std::vector<int64_t>& high) {
  for (size_t i = 0; i < digits.size(); ++i) {
    if (digits[i] < high[i]) {
      ++digits[i];
      return true;
    }
    digits[i] = low[i];
  }
  return false;
}

/// The search over capacities of one granularity vector.
class CapacityBox {
 public:
  CapacityBox(const graph::Graph& graph, const std::vector<int64_t>& granularity, const AnalysisOptions& options,
              const PipelinedExactLimits& limits) {
    network_ = dataflow::build_network(graph, granularity, {.stream_io = options.stream_io});
    times_ = firing_times(graph, network_, options);
    analyzer_ = std::make_unique<ThroughputAnalyzer>(network_, times_);
    lower_ = capacity_lower_bounds(network_);
    capacity_ = lower_;
    for (size_t c = 0; c < network_.channels.size(); ++c) {
      const dataflow::Channel& channel = network_.channels[c];
      if (!sized_channel(channel)) continue;
      if (!bounded_channel(channel)) {
        // Nobody reads it: it holds one firing's rows and never limits.
        if (channel.counted) fixed_bytes_ += graph::checked_mul(lower_[c], channel.row_bytes).value_or(0);
        continue;
      }
      const int64_t top = lower_[c] + limits.extra_images * channel.rows;
      if (!channel.counted) {
        capacity_[c] = top;  // free: the most room the box allows
        continue;
      }
      searched_.push_back(c);
      low_.push_back(lower_[c]);
      high_.push_back(top);
    }
  }

  const FiringTimes& times() const { return times_; }

  /// Examines the box; updates `best` and counts candidates. False when the limit was hit.
  bool search(Ticks baseline, double ratio, const PipelinedExactLimits& limits, int64_t& candidates,
              std::optional<PipelinedPlan>& best) {
    std::vector<int64_t> digits = low_;
    do {
      if (++candidates > limits.max_candidates) return false;
      for (size_t i = 0; i < searched_.size(); ++i) capacity_[searched_[i]] = digits[i];
      const int64_t bytes = counted_bytes();
      if (best && bytes > best->fifo_bytes) continue;
      const ThroughputAnalysis analysis = analyzer_->analyze(capacity_);
      if (!analysis.live || !within_slowdown(analysis.period, baseline, ratio)) continue;
      if (best && bytes == best->fifo_bytes && !shorter(analysis.period, best->period)) continue;
      best = plan(analysis, baseline, bytes);
    } while (next_vector(digits, low_, high_));
    return true;
  }

 private:
  int64_t counted_bytes() const {
    int64_t total = fixed_bytes_;
    for (size_t c : searched_) {
      const int64_t bytes = graph::checked_mul(capacity_[c], network_.channels[c].row_bytes).value_or(std::numeric_limits<int64_t>::max());
      total = graph::saturating_add(total, bytes);
    }
    return total;
  }

  PipelinedPlan plan(const ThroughputAnalysis& analysis, Ticks baseline, int64_t bytes) const {
    return make_pipelined_plan(network_, capacity_, times_, analysis, baseline, bytes);
  }

  Network network_;
  FiringTimes times_;
  std::unique_ptr<ThroughputAnalyzer> analyzer_;  // refers to network_
  std::vector<int64_t> lower_;
  std::vector<int64_t> capacity_;
  std::vector<size_t> searched_;
  int64_t fixed_bytes_ = 0;
  std::vector<int64_t> low_;
  std::vector<int64_t> high_;
};

}  // namespace

std::optional<PipelinedPlan> exact_pipelined_plan(const graph::Graph& graph, const AnalysisOptions& options,
                                                  const PipelinedExactLimits& limits) {
  const size_t actors = graph.actors.size();
  std::vector<int64_t> low(actors, 1);
  std::vector<int64_t> high(actors, 1);
  for (size_t a = 0; a < actors; ++a) {
    const auto id = static_cast<graph::ActorId>(a);
    // Barriers take only their one granularity; others 1..H.
    high[a] = dataflow::effective_granularity(graph, id, dataflow::phase_rows(graph, id));
    low[a] = dataflow::effective_granularity(graph, id, 1);
  }
  const Ticks baseline = baseline_period_ticks(graph, options);
  std::optional<PipelinedPlan> best;
  int64_t candidates = 0;
  std::vector<int64_t> granularity = low;
  do {
    CapacityBox box(graph, granularity, options, limits);
    // The slowest actor bounds the period whatever the capacities.
    if (!within_slowdown(make_period(slowest_node_ticks(box.times()), 1), baseline, options.max_slowdown)) continue;
    if (!box.search(baseline, options.max_slowdown, limits, candidates, best)) return std::nullopt;
  } while (next_vector(granularity, low, high));
  return best;
}

}  // namespace bufopt::analysis
