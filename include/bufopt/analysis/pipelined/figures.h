#pragma once
/// Pipelined mode: what the reporters read of an answer.
#include <string>
#include <vector>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/pipelined/plan.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// The figures a report prints of a pipelined answer.
struct PipelinedFigures {
  double throughput_per_s = 0;
  double baseline_throughput_per_s = 0;
  double period_s = 0;
  double baseline_period_s = 0;
  /// Seconds of every firing, [node][phase] (the execution times an SDF3 export carries).
  std::vector<std::vector<double>> firing_s;
  /// Latency of the first image from empty buffers.
  double first_image_latency_s = 0;
  /// Names of the nodes on the critical cycle, in cycle order without repetition.
  std::vector<std::string> critical_nodes;
  /// Names of the channels whose capacity bounds the critical cycle (empty: the slowest actor
  /// sets the period).
  std::vector<std::string> critical_buffers;
};

/// The Evaluation the reporters read of a pipelined answer: its network, the capacities of
/// counted channels, the first image's order, offsets packed in channel order (every buffer
/// lives for the whole period, so shared_bytes = fifo_bytes), fifo_bytes and slowdown. What a
/// pipeline does not have is left out: no lifetimes (usage.lifetimes is empty;
/// AnalysisResult::lifetime says how reports print them) and no sequential time (time_s and
/// baseline_time_s stay 0; the period is PipelinedFigures::period_s).
Evaluation pipelined_evaluation(const PipelinedPlan& plan);
PipelinedFigures pipelined_figures(const graph::Graph& graph, const PipelinedPlan& plan);

}  // namespace bufopt::analysis
