#include "bufopt/graph/in_place.h"

namespace bufopt::graph {

std::vector<BufferId> in_place_inputs(const Graph& graph, ActorId id) {
  const Actor& actor = graph.actors.at(static_cast<size_t>(id));
  if (!actor.in_place || actor.barrier || actor.streaming_reduction || actor.outputs.size() != 1) return {};
  const Buffer& out = graph.buffers[static_cast<size_t>(actor.outputs[0])];
  if (!out.may_share_storage()) return {};
  std::vector<BufferId> qualifying;
  for (size_t i = 0; i < actor.inputs.size() && i < actor.input_maps.size(); ++i) {
    const Buffer& in = graph.buffers[static_cast<size_t>(actor.inputs[i])];
    if (!in.may_share_storage() || in.producer == kNoActor || !is_identity(actor.input_maps[i])) continue;
    if (in.shape != out.shape || in.dtype != out.dtype || in.element_bytes != out.element_bytes ||
        in.streaming_axis != out.streaming_axis) {
      continue;
    }
    qualifying.push_back(actor.inputs[i]);
  }
  return qualifying;
}

bool may_write_in_place(const Graph& graph, ActorId actor) { return !in_place_inputs(graph, actor).empty(); }

}  // namespace bufopt::graph
