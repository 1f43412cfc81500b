#pragma once
/// The whole analysis of one model: plan, evaluation, baselines, bound and verification.
#include <cstdint>
#include <optional>

#include "bufopt/analysis/baselines.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/pipelined.h"
#include "bufopt/analysis/verify.h"

namespace bufopt::analysis {

/// Everything the reporter prints about one model.
struct AnalysisResult {
  AnalysisOptions options;
  /// The graph the evaluation, bound and verification index: the analysed graph after
  /// storage_graph (MODEL 4.1 views eliminated; the input graph itself when no view applies).
  /// Reports of this result read their actors and buffers from it.
  graph::Graph graph;
  Evaluation evaluation;
  Baselines baselines;
  int64_t lower_bound_bytes = 0;
  VerifyReport verification;
  /// options.mode == kPipelined: period, throughput and firing times of the answer. The
  /// evaluation then holds its network, capacities, the first image's order, the arena (every
  /// buffer packed: all live at once), fifo_bytes and slowdown, but no time_s / baseline_time_s
  /// (0) and no lifetimes (empty): see pipelined_evaluation.
  std::optional<PipelinedFigures> pipelined;

  /// Seconds per image, what reports print as time_s: one inference's time (sequential) or the
  /// period (pipelined); the baseline's likewise (layer by layer / every actor unsplit).
  double time_s() const { return pipelined ? pipelined->period_s : evaluation.time_s; }
  double baseline_time_s() const { return pipelined ? pipelined->baseline_period_s : evaluation.baseline_time_s; }

  /// The firings during which `channel` holds rows, as reports print them: measured
  /// (sequential); in pipelined mode every buffer with a capacity (counted, with a producer)
  /// lives for the whole period, i.e. over every firing of the order, and the others never.
  Lifetime lifetime(size_t channel) const;
};

/// Runs on storage_graph(graph, options) (kept in AnalysisResult::graph); the baselines are
/// those of `graph` itself (MODEL 4.1: they keep the FIFO model). Chooses the granularities (the best policy
/// available), evaluates the plan, computes the baselines and the lower bound, and verifies the answer with the
/// independent verifier. In pipelined mode: optimize_pipelined, pipelined_lower_bound_bytes and verify_pipelined;
/// throws std::runtime_error when no plan meets options.max_slowdown within the search limits.
AnalysisResult analyze(const graph::Graph& graph, const AnalysisOptions& options);

}  // namespace bufopt::analysis
