#include "bufopt/onnx/streaming_axis.h"

#include <deque>
#include <map>

#include "bufopt/onnx/operator_rules.h"

namespace bufopt::onnx {

namespace {

/// Default streaming axis of a tensor of rank >= 3: NCHW's H, [N,C,L]'s L.
constexpr int kDefaultAxis = 2;

using Slot = std::pair<std::string, int>;  // (tensor, axis)

/// The tensors that can stream: activations of known shape and rank >= 3.
bool streamable(const TensorTable& tensors, const std::string& name) {
  const auto found = tensors.find(name);
  return found != tensors.end() && !found->second.constant && found->second.shape_known &&
         found->second.shape.size() >= 3;
}

NodeView view_of(const OpNode& node, const TensorTable& tensors) {
  NodeView view;
  view.node = &node;
  auto port = [&](const std::string& name) {
    PortView p;
    p.name = name;
    const auto found = name.empty() ? tensors.end() : tensors.find(name);
    p.tensor = found == tensors.end() ? nullptr : &found->second;
    return p;
  };
  for (const auto& input : node.inputs) view.inputs.push_back(port(input));
  for (const auto& output : node.outputs) view.outputs.push_back(port(output));
  return view;
}

/// Undirected links between (tensor, axis) slots.
class LinkGraph {
 public:
  void link(const Slot& a, const Slot& b) {
    edges_[a].push_back(b);
    edges_[b].push_back(a);
  }
  const std::vector<Slot>& neighbours(const Slot& slot) const {
    static const std::vector<Slot> kNone;
    const auto found = edges_.find(slot);
    return found == edges_.end() ? kNone : found->second;
  }

 private:
  std::map<Slot, std::vector<Slot>> edges_;
};

void add_links(const NodeView& view, const TensorTable& tensors, LinkGraph& graph) {
  for (size_t port = 0; port < view.inputs.size(); ++port) {
    const PortView& in = view.inputs[port];
    if (!streamable(tensors, in.name)) continue;
    for (const AxisLink& link : axis_links(view, port)) {
      const int64_t size = in.tensor->shape[static_cast<size_t>(link.input_axis)];
      if (size <= 1) continue;  // a one-row axis carries no information about the others
      for (const PortView& out : view.outputs) {
        if (!streamable(tensors, out.name) || out.tensor->shape.size() != view.outputs[0].tensor->shape.size())
          continue;
        if (out.tensor->shape[static_cast<size_t>(link.output_axis)] <= 1) continue;
        graph.link({in.name, link.input_axis}, {out.name, link.output_axis});
      }
    }
  }
}

/// Breadth-first from `starts` (already assigned) over the links: every slot reached whose
/// tensor has no axis yet takes the linked axis.
void walk(std::deque<Slot> queue, const LinkGraph& graph, std::unordered_map<std::string, int>& axes) {
  while (!queue.empty()) {
    const Slot slot = queue.front();
    queue.pop_front();
    for (const Slot& next : graph.neighbours(slot)) {
      if (axes.count(next.first)) continue;
      axes[next.first] = next.second;
      queue.push_back(next);
    }
  }
}

}  // namespace

std::optional<int> regrouped_axis(const std::vector<int64_t>& from, int axis, const std::vector<int64_t>& to) {
  if (axis < 0 || static_cast<size_t>(axis) >= from.size()) return std::nullopt;
  int64_t outer = 1;
  for (int k = 0; k < axis; ++k) outer *= from[static_cast<size_t>(k)];
  const int64_t size = from[static_cast<size_t>(axis)];
  int64_t to_outer = 1;
  for (size_t k = 0; k < to.size(); ++k) {
    if (to_outer == outer && to[k] == size) return static_cast<int>(k);
    if (to_outer > outer && outer > 0) break;
    to_outer *= to[k];
  }
  return std::nullopt;
}

std::unordered_map<std::string, int> assign_streaming_axes(const std::vector<const OpNode*>& actors,
                                                           const TensorTable& tensors,
                                                           const std::vector<std::string>& graph_inputs) {
  LinkGraph links;
  std::vector<Slot> anchors;
  for (const OpNode* node : actors) {
    const NodeView view = view_of(*node, tensors);
    add_links(view, tensors, links);
    if (!spatial_operator(*node)) continue;
    if (!view.inputs.empty() && streamable(tensors, view.inputs[0].name))
      anchors.push_back({view.inputs[0].name, kDefaultAxis});
    if (!view.outputs.empty() && streamable(tensors, view.outputs[0].name))
      anchors.push_back({view.outputs[0].name, kDefaultAxis});
  }
  // Anchors are fixed first, all of them, so a walk from one spatial operator cannot move the
  // axis of another's input (a Transpose between two convolutions becomes the barrier).
  std::unordered_map<std::string, int> axes;
  std::deque<Slot> queue;
  for (const Slot& anchor : anchors) {
    if (axes.emplace(anchor.first, anchor.second).second) queue.push_back(anchor);
  }
  walk(std::move(queue), links, axes);
  auto default_walk = [&](const std::string& name) {
    if (!streamable(tensors, name) || !axes.emplace(name, kDefaultAxis).second) return;
    walk({{name, kDefaultAxis}}, links, axes);
  };
  for (const auto& input : graph_inputs) default_walk(input);
  for (const OpNode* node : actors) {
    for (const auto& output : node->outputs) default_walk(output);
  }
  return axes;
}

}  // namespace bufopt::onnx
