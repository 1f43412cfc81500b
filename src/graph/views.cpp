#include "bufopt/graph/views.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "bufopt/graph/checked_math.h"

namespace bufopt::graph {

namespace {

constexpr std::array<std::string_view, 4> kViewOps{"Reshape", "Flatten", "Squeeze", "Unsqueeze"};

/// The storage buffer of `buffer`: itself, or the buffer it is a view of.
BufferId storage_root(const Graph& graph, BufferId buffer) {
  const BufferId of = graph.buffers[static_cast<size_t>(buffer)].storage_of;
  return of == kNoBuffer ? buffer : of;
}

/// True when some reader of `output` also reads storage `root` (itself or through a view).
bool read_twice(const Graph& graph, BufferId output, BufferId root) {
  for (ActorId reader : graph.buffers[static_cast<size_t>(output)].consumers) {
    for (BufferId input : graph.actors[static_cast<size_t>(reader)].inputs) {
      if (input != output && storage_root(graph, input) == root) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<RowSplit> row_split(std::span<const int64_t> shape, std::optional<int> streaming_axis) {
  if (std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d < 0; })) return std::nullopt;
  if (!streaming_axis) {
    const auto all = checked_product(shape);
    if (!all) return std::nullopt;
    return RowSplit{1, 1, *all};
  }
  const auto axis = static_cast<size_t>(*streaming_axis);
  if (*streaming_axis < 0 || axis >= shape.size()) return std::nullopt;
  const auto outer = checked_product(shape.first(axis));
  const auto inner = checked_product(shape.subspan(axis + 1));
  if (!outer || !inner) return std::nullopt;
  return RowSplit{*outer, shape[axis], *inner};
}

bool same_storage_bytes(std::span<const int64_t> in_shape, std::optional<int> in_axis,
                        std::span<const int64_t> out_shape, std::optional<int> out_axis) {
  const auto in = row_split(in_shape, in_axis);
  const auto out = row_split(out_shape, out_axis);
  if (!in || !out || in->rows != out->rows) return false;
  const auto in_elements = checked_product(in_shape);
  if (!in_elements || in_elements != checked_product(out_shape)) return false;
  return in->rows == 1 || (in->outer == out->outer && in->inner == out->inner);
}

bool is_view(const Graph& graph, ActorId id) {
  const Actor& actor = graph.actors[static_cast<size_t>(id)];
  if (std::find(kViewOps.begin(), kViewOps.end(), actor.op_type) == kViewOps.end()) return false;
  if (!actor.fused.empty() || actor.streaming_reduction || actor.inputs.size() != 1 || actor.outputs.size() != 1) {
    return false;
  }
  const Buffer& in = graph.buffers[static_cast<size_t>(actor.inputs[0])];
  const Buffer& out = graph.buffers[static_cast<size_t>(actor.outputs[0])];
  if (!in.shape_known() || !out.shape_known() || in.io != IoRole::kNone || out.io != IoRole::kNone) return false;
  if (in.dtype != out.dtype || in.element_bytes != out.element_bytes) return false;
  return same_storage_bytes(in.shape, in.streaming_axis, out.shape, out.streaming_axis);
}

Graph eliminate_views(const Graph& graph) {
  Graph work = graph;
  std::vector<ActorId> new_id(work.actors.size(), kNoActor);
  std::vector<bool> alive(work.actors.size(), true);
  for (size_t a = 0; a < work.actors.size(); ++a) {
    const auto id = static_cast<ActorId>(a);
    if (!is_view(work, id)) continue;
    const Actor& view = work.actors[a];
    const BufferId input = view.inputs[0];
    const BufferId output = view.outputs[0];
    const BufferId root = storage_root(work, input);
    if (read_twice(work, output, root)) continue;
    Buffer& out = work.buffers[static_cast<size_t>(output)];
    Buffer& storage = work.buffers[static_cast<size_t>(root)];
    // The view's readers read the storage instead: same rows, so their row maps are unchanged.
    for (ActorId reader : out.consumers) {
      for (BufferId& read : work.actors[static_cast<size_t>(reader)].inputs) {
        if (read == output) read = root;
      }
    }
    // The view reads its input buffer; the storage's readers are the readers of every view of it.
    Buffer& read_buffer = work.buffers[static_cast<size_t>(input)];
    std::erase(read_buffer.consumers, id);
    storage.consumers.insert(storage.consumers.end(), out.consumers.begin(), out.consumers.end());
    std::sort(storage.consumers.begin(), storage.consumers.end());
    out.consumers.clear();
    out.producer = kNoActor;
    out.storage_of = root;
    work.views.push_back({view.name, view.op_type, id, graph.actors[a].inputs[0], output, view.elementwise_ops});
    alive[a] = false;
  }
  if (work.views.empty()) return work;
  Graph result = work;
  result.actors.clear();
  for (size_t a = 0; a < work.actors.size(); ++a) {
    if (!alive[a]) continue;
    new_id[a] = static_cast<ActorId>(result.actors.size());
    result.actors.push_back(work.actors[a]);
  }
  for (Buffer& buffer : result.buffers) {
    if (buffer.producer != kNoActor) buffer.producer = new_id[static_cast<size_t>(buffer.producer)];
    for (ActorId& reader : buffer.consumers) reader = new_id[static_cast<size_t>(reader)];
  }
  return result;
}

ModelProgram without_view_actors(const ModelProgram& program, const Graph& viewed) {
  ModelProgram result = program;
  std::vector<bool> dropped(program.actors.size(), false);
  for (const EliminatedView& view : viewed.views) dropped.at(static_cast<size_t>(view.actor)) = true;
  result.actors.clear();
  for (size_t a = 0; a < program.actors.size(); ++a) {
    if (!dropped[a]) result.actors.push_back(program.actors[a]);
  }
  return result;
}

}  // namespace bufopt::graph
