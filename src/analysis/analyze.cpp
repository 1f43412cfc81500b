#include "bufopt/analysis/analyze.h"

#include <algorithm>
#include <stdexcept>

#include "bufopt/analysis/lower_bound.h"
#include "bufopt/analysis/optimizer.h"

namespace bufopt::analysis {

namespace {

AnalysisResult analyze_pipelined(const graph::Graph& graph, const AnalysisOptions& options) {
  AnalysisResult result;
  result.options = options;
  result.graph = graph;  // pipelined mode is the FIFO model only (MODEL 4.1)
  const std::optional<PipelinedPlan> plan = optimize_pipelined(graph, options);
  if (!plan) throw std::runtime_error("pipelined: no plan meets the slowdown bound within the search limits");
  result.evaluation = pipelined_evaluation(*plan);
  result.pipelined = pipelined_figures(graph, *plan);
  result.baselines = whole_tensor_baselines(graph, options.stream_io);
  result.lower_bound_bytes = pipelined_lower_bound_bytes(graph, options);
  result.verification = verify_pipelined(graph, *plan, options);
  return result;
}

}  // namespace

Lifetime AnalysisResult::lifetime(size_t channel) const {
  if (!pipelined) return evaluation.usage.lifetimes.at(channel);
  const dataflow::Channel& c = evaluation.network.channels.at(channel);
  if (!c.counted || !sized_channel(c)) return {};
  return {0, std::max<int64_t>(static_cast<int64_t>(evaluation.schedule.firings.size()) - 1, 0)};
}

StorageLink AnalysisResult::storage_link(size_t buffer) const {
  StorageLink out;
  const graph::Buffer& own = graph.buffers.at(buffer);
  if (own.storage_of != graph::kNoBuffer) {
    out.sharing = StorageSharing::kView;
    // The view's storage may itself be written in place: the storage is then that chain's.
    out.storage = evaluation.storage_channel(static_cast<size_t>(own.storage_of));
    for (size_t v = 0; v < graph.views.size(); ++v) {
      if (graph.views[v].output != static_cast<graph::BufferId>(buffer)) continue;
      out.view = static_cast<int64_t>(v);
      out.over = graph.views[v].input;
    }
    return out;
  }
  const dataflow::ChannelId storage = evaluation.storage_channel(buffer);
  if (storage == static_cast<dataflow::ChannelId>(buffer)) return out;
  out.sharing = StorageSharing::kInPlace;
  out.storage = storage;
  out.writer = own.producer;
  // The chain's buffers are written in topological order (each writer reads the previous
  // buffer), so the one the writer overwrites is its input of this storage produced last.
  const graph::Actor& writer = graph.actors.at(static_cast<size_t>(own.producer));
  graph::ActorId latest = graph::kNoActor;
  for (graph::BufferId input : writer.inputs) {
    if (evaluation.storage_channel(static_cast<size_t>(input)) != storage) continue;
    const graph::ActorId producer = graph.buffers[static_cast<size_t>(input)].producer;
    if (out.over == graph::kNoBuffer || producer > latest) {
      out.over = input;
      latest = producer;
    }
  }
  return out;
}

size_t AnalysisResult::storage_buffer(size_t buffer) const {
  const graph::BufferId storage = storage_of(buffer);
  return storage == graph::kNoBuffer ? buffer : static_cast<size_t>(storage);
}

bool AnalysisResult::shares_storage() const {
  if (!graph.views.empty()) return true;
  return std::any_of(evaluation.storage_of.begin(), evaluation.storage_of.end(),
                     [](dataflow::ChannelId storage) { return storage >= 0; });
}

AnalysisResult analyze(const graph::Graph& graph, const AnalysisOptions& options) {
  if (options.mode == Mode::kPipelined) return analyze_pipelined(graph, options);
  AnalysisResult result;
  result.options = options;
  result.graph = storage_graph(graph, options);
  result.evaluation = optimize(result.graph, options);
  result.baselines = whole_tensor_baselines(graph, options.stream_io);
  result.lower_bound_bytes = lower_bound_bytes(result.graph, options);
  result.verification = verify(result.graph, result.evaluation, options);
  return result;
}

}  // namespace bufopt::analysis
