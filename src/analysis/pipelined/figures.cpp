// Pipelined mode: the views of an answer the reporters read.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "bufopt/analysis/pipelined/figures.h"
#include "bufopt/analysis/pipelined/throughput.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

Evaluation pipelined_evaluation(const PipelinedPlan& plan) {
  Evaluation evaluation;
  evaluation.network = plan.network;
  const FirstImage image = first_image(plan.network, plan.times, plan.capacity_rows);
  evaluation.schedule.firings = image.order;
  const size_t channels = plan.network.channels.size();
  evaluation.usage.capacity_rows.assign(channels, 0);
  evaluation.arena.offsets.assign(channels, 0);
  int64_t offset = 0;
  for (size_t c = 0; c < channels; ++c) {
    const dataflow::Channel& channel = plan.network.channels[c];
    if (!channel.counted || !sized_channel(channel)) continue;
    // Every buffer of a pipeline lives all the time: packed one after another.
    evaluation.usage.capacity_rows[c] = plan.capacity_rows[c];
    evaluation.arena.offsets[c] = offset;
    offset = graph::saturating_add(offset, graph::saturating_mul(std::max<int64_t>(plan.capacity_rows[c], 0), channel.row_bytes));
  }
  evaluation.arena.size = offset;
  evaluation.fifo_bytes = plan.fifo_bytes;
  evaluation.slowdown = plan.slowdown;
  return evaluation;
}

PipelinedFigures pipelined_figures(const graph::Graph& graph, const PipelinedPlan& plan) {
  PipelinedFigures figures;
  figures.period_s = plan.period.seconds();
  figures.baseline_period_s = static_cast<double>(plan.baseline_period) / kTicksPerSecond;
  figures.throughput_per_s = plan.period.throughput_per_s();
  figures.baseline_throughput_per_s = make_period(plan.baseline_period, 1).throughput_per_s();
  for (const std::vector<Ticks>& node : plan.times.ticks) {
    std::vector<double>& seconds = figures.firing_s.emplace_back();
    for (Ticks t : node) seconds.push_back(static_cast<double>(t) / kTicksPerSecond);
  }
  figures.first_image_latency_s =
      static_cast<double>(first_image(plan.network, plan.times, plan.capacity_rows).latency) / kTicksPerSecond;
  auto add_once = [](std::vector<std::string>& names, const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const Dependency& edge : plan.critical_cycle) {
    add_once(figures.critical_nodes, plan.network.nodes[static_cast<size_t>(edge.to_node)].name);
    if (edge.kind == DependencyKind::kSpace) {
      const graph::BufferId buffer = plan.network.channels[static_cast<size_t>(edge.channel)].buffer;
      add_once(figures.critical_buffers, graph.buffers[static_cast<size_t>(buffer)].name);
    }
  }
  return figures;
}

}  // namespace bufopt::analysis
