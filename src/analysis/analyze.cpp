#include "bufopt/analysis/analyze.h"

#include <algorithm>
#include <stdexcept>

#include "bufopt/analysis/lower_bound.h"
#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/shared_storage.h"
#include "bufopt/graph/zero_copy_concat.h"

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

/// Fills `link`'s slice fields when `buffer` (sharing a storage) is an input of a zero-copy
/// Concat of `result`'s plan.
bool slice_link(const AnalysisResult& result, size_t buffer, StorageLink& link) {
  const graph::Graph& graph = result.graph;
  const Evaluation& evaluation = result.evaluation;
  // A slice is read by one actor alone, its zero-copy Concat (graph::zero_copy_slices).
  const graph::Buffer& own = graph.buffers[buffer];
  if (own.consumers.size() != 1) return false;
  const graph::ActorId concat = own.consumers.front();
  const std::vector<ZeroCopyConcat> concats = choice_of(evaluation.network, evaluation.storage_of).concats;
  // Actor node ids equal actor ids.
  const bool zero_copy = std::any_of(concats.begin(), concats.end(), [&](const ZeroCopyConcat& c) {
    return evaluation.network.nodes[static_cast<size_t>(c.concat)].actor == concat &&
           std::find(c.slices.begin(), c.slices.end(), static_cast<dataflow::ChannelId>(buffer)) != c.slices.end();
  });
  if (!zero_copy) return false;
  const std::optional<std::vector<graph::ConcatSlice>> slices = graph::zero_copy_slices(graph, concat);
  if (!slices) throw std::logic_error("storage_link: a zero-copy Concat without slices");
  const auto slice = std::find_if(slices->begin(), slices->end(), [&](const graph::ConcatSlice& s) {
    return s.input == static_cast<graph::BufferId>(buffer);
  });
  if (slice == slices->end()) throw std::logic_error("storage_link: a slice its Concat does not read");
  link.sharing = StorageSharing::kSlice;
  link.concat = concat;
  link.over = graph.actors[static_cast<size_t>(concat)].outputs.front();
  link.byte_begin = slice->begin;
  link.byte_end = slice->end;
  // The concat axis: the one (not the streaming axis) where the slice and the output differ;
  // the bytes per index along it convert the byte range into an index range.
  const graph::Buffer& whole = graph.buffers[static_cast<size_t>(link.over)];
  for (size_t k = 0; k < whole.shape.size(); ++k) {
    if (own.shape[k] != whole.shape[k]) link.axis = static_cast<int64_t>(k);
  }
  if (link.axis < 0) throw std::logic_error("storage_link: a slice of its Concat output's shape");
  const int64_t size = own.shape[static_cast<size_t>(link.axis)];
  const int64_t per_index = size > 0 ? (slice->end - slice->begin) / size : 1;
  link.begin = per_index > 0 ? slice->begin / per_index : 0;
  link.end = link.begin + size;
  return true;
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
  out.storage = storage;
  out.writer = own.producer;
  if (slice_link(*this, buffer, out)) return out;
  out.sharing = StorageSharing::kInPlace;
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

bool AnalysisResult::zero_copy_concat(graph::ActorId actor) const {
  if (evaluation.storage_of.empty()) return false;
  const std::vector<bool> zero_copy = zero_copy_actors(evaluation.network, evaluation.storage_of);
  return static_cast<size_t>(actor) < zero_copy.size() && zero_copy[static_cast<size_t>(actor)];
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
