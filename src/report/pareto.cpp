// Sampling the memory / slowdown trade-off (steps in pareto.h).
#include "bufopt/report/pareto.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "bufopt/analysis/lower_bound.h"
#include "bufopt/analysis/time_model.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/report/units.h"

namespace bufopt::report {

namespace {

/// Decades of R - 1 the samples span below the full-streaming excess.
constexpr double kSampledDecades = 3;

/// Sorts and drops values equal within rounding (R given in decimal on a command line).
std::vector<double> ascending_distinct(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::vector<double> out;
  for (double value : values) {
    if (out.empty() || value > out.back() * (1 + 1e-9)) out.push_back(value);
  }
  return out;
}

}  // namespace

double full_streaming_slowdown(const graph::Graph& graph, const analysis::AnalysisOptions& options) {
  std::vector<int64_t> phases;
  phases.reserve(graph.actors.size());
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const bool once = graph.actors[a].barrier;
    phases.push_back(once ? 1 : std::max<int64_t>(1, dataflow::phase_rows(graph, static_cast<graph::ActorId>(a))));
  }
  const double baseline = analysis::baseline_time_seconds(graph, options.platform);
  if (baseline <= 0) return 1;
  return std::max(1.0, analysis::sequential_time_seconds(graph, phases, options.platform) / baseline);
}

std::vector<double> pareto_slowdowns(const graph::Graph& graph, const analysis::AnalysisOptions& options, int samples,
                                     const std::vector<double>& include) {
  std::vector<double> values = {1.0};
  const double excess = full_streaming_slowdown(graph, options) - 1;
  if (excess > 0 && samples > 1) {
    const int steps = samples - 1;
    for (int i = 0; i < steps; ++i) {
      const double decades = steps == 1 ? 0 : kSampledDecades * (1 - static_cast<double>(i) / (steps - 1));
      values.push_back(1 + excess * std::pow(10.0, -decades));
    }
  }
  for (double value : include) {
    if (value >= 1) values.push_back(value);
  }
  return ascending_distinct(values);
}

ParetoFront compute_pareto_front(const graph::Graph& graph, const analysis::AnalysisOptions& options, int samples,
                                 const std::vector<double>& include) {
  ParetoFront front;
  front.full_streaming_slowdown = full_streaming_slowdown(graph, options);
  const std::vector<double> slowdowns = pareto_slowdowns(graph, options, samples, include);
  for (const analysis::ParetoPoint& point : analysis::pareto_front(graph, options, slowdowns)) {
    analysis::AnalysisOptions at = options;
    at.max_slowdown = point.max_slowdown;
    front.samples.push_back({point, analysis::lower_bound_bytes(graph, at)});
  }
  return front;
}

std::string pareto_text(const ParetoFront& front, int64_t baseline_shared_bytes) {
  std::string out = fmt::format("  {:>10} {:>10} {:>12} {:>12} {:>12} {:>10}\n", "max R", "slowdown", "arena",
                                "FIFO sum", "lower bound", "reduction");
  for (const ParetoSample& sample : front.samples) {
    const analysis::ParetoPoint& p = sample.point;
    const std::string reduction =
        p.shared_bytes > 0 ? fmt::format("{:.1f}x", static_cast<double>(baseline_shared_bytes) / p.shared_bytes) : "-";
    out += fmt::format("  {:>10.5g} {:>10.5f} {:>12} {:>12} {:>12} {:>10}\n", p.max_slowdown, p.slowdown,
                       format_bytes(p.shared_bytes), format_bytes(p.fifo_bytes), format_bytes(sample.lower_bound_bytes),
                       reduction);
  }
  out += fmt::format("  (every actor once per row at slowdown {:.5g}: no larger R helps)\n", front.full_streaming_slowdown);
  return out;
}

}  // namespace bufopt::report
