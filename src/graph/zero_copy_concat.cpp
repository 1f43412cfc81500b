#include "bufopt/graph/zero_copy_concat.h"

#include "bufopt/graph/checked_math.h"

namespace bufopt::graph {

namespace {

/// The one axis along which `in` differs from `out` (same rank): -1 if none, -2 if several.
int concat_axis(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  int axis = -1;
  for (size_t k = 0; k < in.size(); ++k) {
    if (in[k] == out[k]) continue;
    if (axis >= 0) return -2;
    axis = static_cast<int>(k);
  }
  return axis;
}

}  // namespace

std::optional<std::vector<ConcatSlice>> zero_copy_slices(const Graph& graph, ActorId id) {
  const Actor& actor = graph.actors.at(static_cast<size_t>(id));
  if (actor.op_type != "Concat" || !actor.fused.empty() || actor.barrier || actor.streaming_reduction ||
      actor.outputs.size() != 1 || actor.inputs.size() < 2 || actor.input_maps.size() != actor.inputs.size()) {
    return std::nullopt;
  }
  const Buffer& out = graph.buffers[static_cast<size_t>(actor.outputs[0])];
  if (!out.may_share_storage() || !out.streaming_axis) return std::nullopt;
  // The concat axis: where some input differs from the output (equal everywhere: no concat).
  int axis = -1;
  for (BufferId input : actor.inputs) {
    const Buffer& in = graph.buffers[static_cast<size_t>(input)];
    if (in.shape.size() != out.shape.size()) return std::nullopt;
    const int differs = concat_axis(in.shape, out.shape);
    if (differs == -2 || (differs >= 0 && axis >= 0 && differs != axis)) return std::nullopt;
    if (differs >= 0) axis = differs;
  }
  if (axis < 0 || axis == *out.streaming_axis) return std::nullopt;
  // One run of bytes per row: every axis before the concat axis but the streaming one is 1.
  int64_t inner = out.element_bytes;
  for (size_t k = 0; k < out.shape.size(); ++k) {
    if (static_cast<int>(k) == *out.streaming_axis) continue;
    if (static_cast<int>(k) < axis && out.shape[k] != 1) return std::nullopt;
    if (static_cast<int>(k) > axis) inner = saturating_mul(inner, out.shape[k]);
  }
  std::vector<ConcatSlice> slices;
  int64_t along = 0;
  for (size_t i = 0; i < actor.inputs.size(); ++i) {
    const Buffer& in = graph.buffers[static_cast<size_t>(actor.inputs[i])];
    const bool only_reader = in.consumers.size() == 1 && in.consumers[0] == id;
    if (!in.may_share_storage() || in.producer == kNoActor || !only_reader || !is_identity(actor.input_maps[i]) ||
        in.dtype != out.dtype || in.element_bytes != out.element_bytes || in.streaming_axis != out.streaming_axis) {
      return std::nullopt;
    }
    const int64_t size = in.shape[static_cast<size_t>(axis)];
    slices.push_back({actor.inputs[i], saturating_mul(along, inner), saturating_mul(along + size, inner)});
    along += size;
  }
  // Every input read once (a Concat reading one tensor twice lists it once): the sizes add up.
  if (along != out.shape[static_cast<size_t>(axis)] || slices.back().end != out.row_bytes()) return std::nullopt;
  return slices;
}

}  // namespace bufopt::graph
