#include "bufopt/analysis/segment_schedule.h"

#include <algorithm>
#include <queue>
#include <stdexcept>

namespace bufopt::analysis {

using dataflow::Network;
using dataflow::NodeId;
using dataflow::NodeKind;

EagerOrder::EagerOrder(const Network& network) : network_(network) {
  const size_t nodes = network.nodes.size();
  fired_.assign(nodes, 0);
  ready_ports_.assign(nodes, 0);
  written_.assign(network.channels.size(), 0);
  readers_.resize(nodes);
  priority_.resize(nodes);
  for (size_t c = 0; c < network.channels.size(); ++c) {
    const dataflow::Channel& channel = network.channels[c];
    if (channel.producer == dataflow::kNoNode) {
      written_[c] = channel.rows;
      continue;
    }
    std::vector<NodeId>& readers = readers_.at(static_cast<size_t>(channel.producer));
    for (NodeId reader : channel.consumers) {
      if (std::find(readers.begin(), readers.end(), reader) == readers.end()) readers.push_back(reader);
    }
  }
  const auto count = static_cast<int64_t>(nodes);
  for (size_t n = 0; n < nodes; ++n) {
    // Sinks above every actor, actors by graph order (the last first), sources below.
    const auto index = static_cast<int64_t>(n);
    switch (network.nodes[n].kind) {
      case NodeKind::kSink: priority_[n] = 2 * count + index; break;
      case NodeKind::kActor: priority_[n] = count + index; break;
      case NodeKind::kSource: priority_[n] = count - index; break;
    }
  }
}

void EagerOrder::assume_complete(NodeId node) {
  const auto n = static_cast<size_t>(node);
  fired_.at(n) = network_.nodes[n].phases;
  for (const dataflow::OutputPort& port : network_.nodes[n].outputs) {
    written_.at(static_cast<size_t>(port.channel)) = network_.channels[static_cast<size_t>(port.channel)].rows;
  }
}

bool EagerOrder::complete(NodeId n) const {
  return fired_.at(static_cast<size_t>(n)) >= network_.nodes[static_cast<size_t>(n)].phases;
}

bool EagerOrder::enabled(size_t n) {
  const dataflow::Node& node = network_.nodes[n];
  const int64_t f = fired_[n];
  if (f >= node.phases) return false;
  // Rows written only grow, so a port found ready stays ready until the node fires: resume
  // from the first port not yet ready (amortised O(1) per port and firing on wide Concats).
  size_t& port = ready_ports_[n];
  while (port < node.inputs.size()) {
    const dataflow::InputPort& input = node.inputs[port];
    const dataflow::RowRange& window = input.window[static_cast<size_t>(f)];
    if (window.size() > 0 && window.end > written_[static_cast<size_t>(input.channel)]) return false;
    ++port;
  }
  return true;
}

int64_t EagerOrder::priority(size_t n) const { return priority_[n]; }

bool EagerOrder::run(std::span<const char> member, const FiringObserver& on_firing) {
  if (member.size() != network_.nodes.size()) throw std::invalid_argument("EagerOrder: one flag per node expected");
  // (priority, node): the queue holds enabled members only; a queued node stays enabled until
  // it fires, since no firing disables another node.
  std::priority_queue<std::pair<int64_t, size_t>> ready;
  std::vector<char> queued(network_.nodes.size(), 0);
  auto offer = [&](size_t n) {
    if (member[n] && !queued[n] && enabled(n)) {
      queued[n] = 1;
      ready.emplace(priority(n), n);
    }
  };
  for (size_t n = 0; n < network_.nodes.size(); ++n) offer(n);
  while (!ready.empty()) {
    const size_t n = ready.top().second;
    ready.pop();
    queued[n] = 0;
    const dataflow::Node& node = network_.nodes[n];
    const auto f = static_cast<size_t>(fired_[n]);
    for (const dataflow::OutputPort& port : node.outputs) written_[static_cast<size_t>(port.channel)] = port.written[f];
    ++fired_[n];
    ready_ports_[n] = 0;
    if (!on_firing(static_cast<NodeId>(n))) return false;
    offer(n);
    for (NodeId reader : readers_[n]) offer(static_cast<size_t>(reader));
  }
  return true;
}

std::vector<int32_t> node_segments(const Network& network, std::span<const int32_t> segment_of_actor) {
  std::vector<int32_t> segment(network.nodes.size(), 0);
  size_t actors = 0;
  for (const dataflow::Node& node : network.nodes) actors += node.kind == NodeKind::kActor ? 1 : 0;
  if (segment_of_actor.size() != actors) throw std::invalid_argument("segment_schedule: one segment per actor expected");
  for (size_t a = 0; a < actors; ++a) {
    if (a > 0 && segment_of_actor[a] < segment_of_actor[a - 1]) {
      throw std::invalid_argument("segment_schedule: segments must follow the graph order");
    }
    segment[a] = segment_of_actor[a];
  }
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const dataflow::Node& node = network.nodes[n];
    if (node.kind == NodeKind::kSource) {
      int32_t first = segment_of_actor.empty() ? 0 : segment_of_actor.back();
      for (const dataflow::OutputPort& port : node.outputs) {
        for (NodeId reader : network.channels[static_cast<size_t>(port.channel)].consumers) {
          if (network.nodes[static_cast<size_t>(reader)].kind == NodeKind::kActor) {
            first = std::min(first, segment_of_actor[static_cast<size_t>(reader)]);
          }
        }
      }
      segment[n] = first;
    }
  }
  // Sinks after sources: a sink reading a source directly takes the source's segment.
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const dataflow::Node& node = network.nodes[n];
    if (node.kind != NodeKind::kSink || node.inputs.empty()) continue;
    const NodeId producer = network.channels[static_cast<size_t>(node.inputs.front().channel)].producer;
    segment[n] = producer == dataflow::kNoNode ? 0 : segment[static_cast<size_t>(producer)];
  }
  return segment;
}

bool segment_schedule(const Network& network, std::span<const int32_t> segment_of_actor,
                      const FiringObserver& on_firing) {
  const std::vector<int32_t> segment = node_segments(network, segment_of_actor);
  const int32_t last = segment.empty() ? -1 : *std::max_element(segment.begin(), segment.end());
  EagerOrder order(network);
  std::vector<char> member(network.nodes.size(), 0);
  for (int32_t s = 0; s <= last; ++s) {
    bool any = false;
    for (size_t n = 0; n < segment.size(); ++n) {
      member[n] = segment[n] == s ? 1 : 0;
      any = any || member[n];
    }
    if (!any) continue;
    if (!order.run(member, on_firing)) return false;
    for (size_t n = 0; n < segment.size(); ++n) {
      if (member[n] && !order.complete(static_cast<NodeId>(n))) {
        throw std::logic_error("segment_schedule: node " + network.nodes[n].name + " cannot complete its segment");
      }
    }
  }
  return true;
}

Schedule segment_schedule(const Network& network, std::span<const int32_t> segment_of_actor) {
  Schedule schedule;
  segment_schedule(network, segment_of_actor, [&](NodeId n) {
    schedule.firings.push_back(n);
    return true;
  });
  return schedule;
}

}  // namespace bufopt::analysis
