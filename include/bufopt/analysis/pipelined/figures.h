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

/// The sequential-shaped Evaluation the reporters read (capacities of counted channels, every
/// buffer alive from the first to the last firing of the first image's order, offsets packed in
/// channel order, shared_bytes = fifo_bytes, time_s = period, baseline_time_s = baseline
/// period), and the pipelined figures.
Evaluation pipelined_evaluation(const PipelinedPlan& plan);
PipelinedFigures pipelined_figures(const graph::Graph& graph, const PipelinedPlan& plan);

}  // namespace bufopt::analysis
