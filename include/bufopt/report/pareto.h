#pragma once
/// The memory / slowdown trade-off of one model, sampled for plots and the `pareto` command.
///
/// Steps.
///  1. The largest useful slowdown is that of every actor firing once per output row (barriers
///     once): beyond it no extra firing is left to buy, so the arena cannot shrink further.
///  2. Sample R = 1 and kParetoSamples - 1 values whose excess R - 1 is log-spaced over three
///     decades up to that largest slowdown (the budget of extra firings grows geometrically,
///     which is where the memory changes), plus any slowdown the caller asks to include.
///  3. Run analysis::pareto_front on them (ascending; each search seeded with the previous
///     answer, so the arena never grows with R) and add the lower bound at every R.
/// Guarantees: samples ascending and distinct, the first is 1; deterministic.
#include <cstdint>
#include <string>
#include <vector>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/optimizer.h"
#include "bufopt/graph/graph.h"

namespace bufopt::report {

/// Default number of sampled slowdowns (each one optimize() run).
inline constexpr int kParetoSamples = 12;

/// One sampled point of the trade-off.
struct ParetoSample {
  analysis::ParetoPoint point;
  /// analysis::lower_bound_bytes at point.max_slowdown.
  int64_t lower_bound_bytes = 0;
};

/// The sampled trade-off of one model.
struct ParetoFront {
  std::vector<ParetoSample> samples;  ///< ascending max_slowdown
  /// Slowdown with every actor firing once per row: no R above it changes the answer.
  double full_streaming_slowdown = 1;
};

/// Step 1: sequential slowdown of every non-barrier actor firing once per output row.
double full_streaming_slowdown(const graph::Graph& graph, const analysis::AnalysisOptions& options);

/// Step 2: the slowdowns to sample (ascending, distinct, starting at 1). `include` values
/// (e.g. the user's --max-slowdown) are added when >= 1.
std::vector<double> pareto_slowdowns(const graph::Graph& graph, const analysis::AnalysisOptions& options,
                                     int samples = kParetoSamples, const std::vector<double>& include = {});

/// Steps 1-3.
ParetoFront compute_pareto_front(const graph::Graph& graph, const analysis::AnalysisOptions& options,
                                 int samples = kParetoSamples, const std::vector<double>& include = {});

/// A table of the samples for the terminal (one line per R: arena, FIFO sum, lower bound,
/// achieved slowdown, reduction vs the shared whole-tensor baseline).
std::string pareto_text(const ParetoFront& front, int64_t baseline_shared_bytes);

}  // namespace bufopt::report
