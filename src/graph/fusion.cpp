#include "bufopt/graph/fusion.h"

#include <vector>

namespace bufopt::graph {

namespace {

/// The producer `actor` can fuse into, or kNoActor.
ActorId fusion_target(const Graph& graph, ActorId id) {
  const Actor& actor = graph.actors[static_cast<size_t>(id)];
  if (!actor.fusable || actor.inputs.size() != 1) return kNoActor;
  const Buffer& input = graph.buffers[static_cast<size_t>(actor.inputs[0])];
  if (input.producer == kNoActor || input.io != IoRole::kNone || input.consumers.size() != 1) return kNoActor;
  const Actor& producer = graph.actors[static_cast<size_t>(input.producer)];
  if (producer.outputs.size() != 1) return kNoActor;
  return input.producer;
}

void merge_into(Graph& graph, ActorId target_id, ActorId fused_id) {
  Actor& target = graph.actors[static_cast<size_t>(target_id)];
  Actor& fused = graph.actors[static_cast<size_t>(fused_id)];
  target.fused.push_back(fused.name);
  target.fused.insert(target.fused.end(), fused.fused.begin(), fused.fused.end());
  target.macs += fused.macs;
  target.elementwise_ops += fused.elementwise_ops;
  target.parameter_bytes += fused.parameter_bytes;
  target.outputs = fused.outputs;
  for (BufferId output : target.outputs) graph.buffers[static_cast<size_t>(output)].producer = target_id;
  graph.fused.push_back({fused.name, fused.op_type, target.name});
}

/// Drops dead actors and buffers and renumbers every reference.
Graph compact(const Graph& graph, const std::vector<bool>& actor_alive, const std::vector<bool>& buffer_alive) {
  std::vector<ActorId> actor_index(graph.actors.size(), kNoActor);
  std::vector<BufferId> buffer_index(graph.buffers.size(), -1);
  Graph result;
  result.name = graph.name;
  result.parameter_bytes = graph.parameter_bytes;
  result.unsupported = graph.unsupported;
  result.fused = graph.fused;
  result.views = graph.views;
  result.warnings = graph.warnings;
  result.annotations = graph.annotations;
  for (size_t i = 0; i < graph.actors.size(); ++i) {
    if (!actor_alive[i]) continue;
    actor_index[i] = static_cast<ActorId>(result.actors.size());
    result.actors.push_back(graph.actors[i]);
  }
  for (size_t i = 0; i < graph.buffers.size(); ++i) {
    if (!buffer_alive[i]) continue;
    buffer_index[i] = static_cast<BufferId>(result.buffers.size());
    result.buffers.push_back(graph.buffers[i]);
  }
  for (Actor& actor : result.actors) {
    for (BufferId& id : actor.inputs) id = buffer_index[static_cast<size_t>(id)];
    for (BufferId& id : actor.outputs) id = buffer_index[static_cast<size_t>(id)];
  }
  for (Buffer& buffer : result.buffers) {
    if (buffer.producer != kNoActor) buffer.producer = actor_index[static_cast<size_t>(buffer.producer)];
    for (ActorId& consumer : buffer.consumers) consumer = actor_index[static_cast<size_t>(consumer)];
    if (buffer.storage_of != kNoBuffer) buffer.storage_of = buffer_index[static_cast<size_t>(buffer.storage_of)];
  }
  return result;
}

}  // namespace

Graph fuse_elementwise(const Graph& graph) {
  Graph work = graph;
  std::vector<bool> actor_alive(work.actors.size(), true);
  std::vector<bool> buffer_alive(work.buffers.size(), true);
  // One pass in topological order suffices: after a fusion the fused node's output names the
  // surviving producer, so the next element-wise node of a chain fuses into it too.
  for (size_t i = 0; i < work.actors.size(); ++i) {
    const ActorId id = static_cast<ActorId>(i);
    const ActorId target = fusion_target(work, id);
    if (target == kNoActor) continue;
    const BufferId between = work.actors[i].inputs[0];
    merge_into(work, target, id);
    actor_alive[i] = false;
    buffer_alive[static_cast<size_t>(between)] = false;
  }
  return compact(work, actor_alive, buffer_alive);
}

}  // namespace bufopt::graph
