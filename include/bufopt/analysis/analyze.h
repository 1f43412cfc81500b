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
  /// options.mode == kPipelined: throughput and firing times of the answer (evaluation then
  /// holds its capacities, time_s = period, shared_bytes = fifo_bytes; see pipelined.h).
  std::optional<PipelinedFigures> pipelined;
};

/// Runs on storage_graph(graph, options) (kept in AnalysisResult::graph); the baselines are
/// those of `graph` itself (MODEL 4.1: they keep the FIFO model). Chooses the granularities (the best policy
/// available), evaluates the plan, computes the baselines and the lower bound, and verifies the answer with the
/// independent verifier. In pipelined mode: optimize_pipelined, pipelined_lower_bound_bytes and verify_pipelined;
/// throws std::runtime_error when no plan meets options.max_slowdown within the search limits.
AnalysisResult analyze(const graph::Graph& graph, const AnalysisOptions& options);

}  // namespace bufopt::analysis
