// Pipelined mode: the optimizer over a ladder of granularity levels, and its Pareto front.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "bufopt/analysis/pipelined/firing_times.h"
#include "bufopt/analysis/pipelined/optimizer.h"
#include "bufopt/dataflow/phases.h"

namespace bufopt::analysis {

namespace {

/// True when `a` is a better answer than `b`: fewer bytes.
bool better(const PipelinedPlan& a, const PipelinedPlan& b) { return a.fifo_bytes < b.fifo_bytes; }

}  // namespace

std::vector<int64_t> pipelined_granularity(const graph::Graph& graph, const AnalysisOptions& options, double level) {
  const Ticks overhead = to_ticks(options.platform.firing_overhead_s);
  const long double budget = static_cast<long double>(level) * static_cast<long double>(baseline_period_ticks(graph, options));
  std::vector<int64_t> granularity(graph.actors.size());
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const int64_t rows = dataflow::phase_rows(graph, static_cast<graph::ActorId>(a));
    int64_t phases = rows;
    if (overhead > 0) {
      const Ticks work = to_ticks(pipelined_work_seconds(graph.actors[a], options));
      const long double fit = std::floor((budget - static_cast<long double>(work)) / static_cast<long double>(overhead));
      phases = std::clamp<int64_t>(fit >= static_cast<long double>(rows) ? rows : static_cast<int64_t>(std::max(fit, 1.0L)), 1, rows);
    }
    // ceil(rows / phases) rows per firing take at most `phases` firings.
    granularity[a] = dataflow::effective_granularity(graph, static_cast<graph::ActorId>(a), (rows + phases - 1) / phases);
  }
  return granularity;
}

std::vector<double> pipelined_levels(double max_slowdown) {
  std::vector<double> levels{1.0};
  for (double decade = 1e-3; decade < 1e7; decade *= 10) {
    for (double mantissa : {1.0, 2.0, 5.0}) {
      const double level = 1.0 + mantissa * decade;
      if (level <= max_slowdown * (1 + 1e-12)) levels.push_back(level);
    }
  }
  return levels;
}

std::optional<PipelinedPlan> optimize_pipelined(const graph::Graph& graph, const AnalysisOptions& options,
                                                const PipelinedLimits& limits) {
  std::optional<PipelinedPlan> best;
  std::set<std::vector<int64_t>> tried;
  // Finest first: it is usually the best, and its bytes then cut the other candidates short.
  const std::vector<double> levels = pipelined_levels(options.max_slowdown);
  for (auto level = levels.rbegin(); level != levels.rend(); ++level) {
    std::vector<int64_t> granularity = pipelined_granularity(graph, options, *level);
    if (!tried.insert(granularity).second) continue;
    // Only a strictly smaller answer can replace the best: stop at its bytes minus one.
    const int64_t cutoff = best ? best->fifo_bytes - 1 : std::numeric_limits<int64_t>::max();
    SizingResult sized = size_pipelined(graph, granularity, options, options.max_slowdown, limits, cutoff);
    if (sized.plan && (!best || better(*sized.plan, *best))) best = std::move(sized.plan);
  }
  return best;
}

std::vector<ParetoPoint> pipelined_pareto_front(const graph::Graph& graph, const AnalysisOptions& options,
                                                const std::vector<double>& slowdowns) {
  std::vector<ParetoPoint> points;
  for (double max_slowdown : slowdowns) {
    AnalysisOptions at = options;
    at.max_slowdown = max_slowdown;
    std::optional<ParetoPoint> point;
    if (const std::optional<PipelinedPlan> plan = optimize_pipelined(graph, at)) {
      point = ParetoPoint{max_slowdown, plan->slowdown, plan->fifo_bytes, plan->fifo_bytes};
    }
    append_carried(points, point, max_slowdown);
  }
  return points;
}

}  // namespace bufopt::analysis
