#include "bufopt/dataflow/network.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "bufopt/dataflow/phases.h"

namespace bufopt::dataflow {

namespace {

const graph::Actor& actor_at(const graph::Graph& graph, graph::ActorId actor) {
  if (actor < 0 || static_cast<size_t>(actor) >= graph.actors.size()) {
    throw std::out_of_range("actor id " + std::to_string(actor) + " out of range");
  }
  return graph.actors[static_cast<size_t>(actor)];
}

const graph::Buffer& buffer_at(const graph::Graph& graph, graph::BufferId buffer) {
  return graph.buffers[static_cast<size_t>(buffer)];
}

/// The per-phase-row windows of input `i` of actor `actor` (`rows` phase rows).
std::vector<RowRange> actor_row_windows(const graph::Graph& graph, const graph::Actor& actor, size_t i,
                                        int64_t rows) {
  const int64_t in_rows = buffer_at(graph, actor.inputs[i]).rows();
  // A streaming reduction's phase row i is input row i: it consumes the rows one by one.
  if (actor.streaming_reduction) return row_windows(graph::SlidingWindow{}, in_rows, rows);
  // A barrier needs every input row before its single firing, whatever its row map says.
  const graph::RowMap map = actor.barrier ? graph::RowMap{graph::WholeInput{}} : actor.input_maps[i];
  return row_windows(map, in_rows, rows);
}

/// The output port of output `output` of an actor firing `phases` times, `granularity` phase
/// rows each.
OutputPort output_port_of(const graph::Graph& graph, const graph::Actor& actor, graph::BufferId output,
                          int64_t granularity, int64_t phases) {
  const int64_t rows = buffer_at(graph, output).rows();
  if (actor.streaming_reduction) return reduction_output_port(output, rows, phases);
  return output_port(output, rows, granularity, phases);
}

/// The node of one graph actor: windows per input, rows written per output. `cached` holds the
/// actor's per-row windows per input, or is null to compute them.
Node actor_node(const graph::Graph& graph, graph::ActorId id, int64_t requested_granularity,
                const std::vector<std::vector<RowRange>>* cached) {
  const graph::Actor& actor = actor_at(graph, id);
  const int64_t rows = phase_rows(graph, id);
  Node node;
  node.kind = NodeKind::kActor;
  node.actor = id;
  node.name = actor.name;
  node.granularity = effective_granularity(graph, id, requested_granularity);
  node.phases = phase_count(rows, node.granularity);
  for (size_t i = 0; i < actor.inputs.size(); ++i) {
    const graph::BufferId input = actor.inputs[i];
    const int64_t in_rows = buffer_at(graph, input).rows();
    if (cached) {
      node.inputs.push_back(input_port(input, (*cached)[i], in_rows, node.granularity));
    } else {
      node.inputs.push_back(input_port(input, actor_row_windows(graph, actor, i, rows), in_rows, node.granularity));
    }
  }
  for (graph::BufferId output : actor.outputs) {
    node.outputs.push_back(output_port_of(graph, actor, output, node.granularity, node.phases));
  }
  return node;
}

/// --stream-io: a node delivering graph input `buffer` one row per firing.
Node source_node(const graph::Graph& graph, graph::BufferId buffer) {
  const graph::Buffer& input = buffer_at(graph, buffer);
  Node node;
  node.kind = NodeKind::kSource;
  node.name = "source:" + input.name;
  node.granularity = 1;
  node.phases = input.rows();
  node.outputs.push_back(output_port(buffer, input.rows(), 1, node.phases));
  return node;
}

/// --stream-io: a node draining graph output `buffer` one row per firing (window [f, f+1)).
Node sink_node(const graph::Graph& graph, graph::BufferId buffer) {
  const graph::Buffer& output = buffer_at(graph, buffer);
  const int64_t rows = output.rows();
  Node node;
  node.kind = NodeKind::kSink;
  node.name = "sink:" + output.name;
  node.granularity = 1;
  node.phases = rows;
  const std::vector<RowRange> windows = row_windows(graph::SlidingWindow{}, rows, rows);
  node.inputs.push_back(input_port(buffer, windows, rows, 1));
  return node;
}

const graph::Graph& validated(const graph::Graph& graph) {
  const std::vector<std::string> problems = graph::validate(graph);
  if (!problems.empty()) throw std::invalid_argument("build_network: malformed graph: " + problems.front());
  return graph;
}

void check_graph(const graph::Graph& graph, std::span<const int64_t> granularity) {
  if (granularity.size() != graph.actors.size()) {
    throw std::invalid_argument("build_network: " + std::to_string(granularity.size()) + " granularities for " +
                                std::to_string(graph.actors.size()) + " actors");
  }
  validated(graph);
}

}  // namespace

int64_t output_rows(const graph::Graph& graph, graph::ActorId actor) {
  const graph::Actor& node = actor_at(graph, actor);
  if (node.outputs.empty()) return 1;
  const graph::BufferId first = node.outputs.front();
  if (first < 0 || static_cast<size_t>(first) >= graph.buffers.size()) {
    throw std::out_of_range("actor " + node.name + ": output buffer id out of range");
  }
  return buffer_at(graph, first).rows();
}

int64_t phase_rows(const graph::Graph& graph, graph::ActorId actor) {
  const graph::Actor& node = actor_at(graph, actor);
  if (!node.streaming_reduction || node.inputs.empty()) return output_rows(graph, actor);
  const graph::BufferId input = node.inputs.front();
  if (input < 0 || static_cast<size_t>(input) >= graph.buffers.size()) {
    throw std::out_of_range("actor " + node.name + ": input buffer id out of range");
  }
  return buffer_at(graph, input).rows();
}

int64_t effective_granularity(const graph::Graph& graph, graph::ActorId actor, int64_t requested) {
  const int64_t rows = phase_rows(graph, actor);
  if (actor_at(graph, actor).barrier) return rows;
  return std::clamp<int64_t>(requested, 1, rows);
}

RowWindowTable row_window_table(const graph::Graph& graph) {
  RowWindowTable table;
  table.windows.resize(graph.actors.size());
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const graph::Actor& actor = graph.actors[a];
    const int64_t rows = phase_rows(graph, static_cast<graph::ActorId>(a));
    for (size_t i = 0; i < actor.inputs.size(); ++i) {
      table.windows[a].push_back(actor_row_windows(graph, actor, i, rows));
    }
  }
  return table;
}

std::vector<RowRange> phase_row_windows(const graph::Graph& graph, graph::ActorId actor, size_t input) {
  const graph::Actor& node = actor_at(graph, actor);
  if (input >= node.inputs.size()) throw std::out_of_range("actor " + node.name + ": input index out of range");
  return actor_row_windows(graph, node, input, phase_rows(graph, actor));
}

OutputPort actor_output_port(const graph::Graph& graph, graph::ActorId actor, size_t output, int64_t granularity) {
  const graph::Actor& node = actor_at(graph, actor);
  if (output >= node.outputs.size()) throw std::out_of_range("actor " + node.name + ": output index out of range");
  const int64_t effective = effective_granularity(graph, actor, granularity);
  return output_port_of(graph, node, node.outputs[output], effective, phase_count(phase_rows(graph, actor), effective));
}

namespace {

Network assemble_network(const graph::Graph& graph, std::span<const int64_t> granularity,
                         const NetworkOptions& options, const RowWindowTable* table) {
  check_graph(graph, granularity);
  if (table && table->windows.size() != graph.actors.size()) {
    throw std::invalid_argument("build_network: window table of another graph");
  }
  Network network;
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    network.nodes.push_back(
        actor_node(graph, static_cast<graph::ActorId>(a), granularity[a], table ? &table->windows[a] : nullptr));
  }
  // Graph inputs feed from their source and graph outputs drain to their sink (--stream-io).
  std::vector<NodeId> source_of(graph.buffers.size(), kNoNode);
  std::vector<NodeId> sink_of(graph.buffers.size(), kNoNode);
  if (options.stream_io) {
    for (size_t b = 0; b < graph.buffers.size(); ++b) {
      if (graph.buffers[b].io != graph::IoRole::kInput) continue;
      source_of[b] = static_cast<NodeId>(network.nodes.size());
      network.nodes.push_back(source_node(graph, static_cast<graph::BufferId>(b)));
    }
    for (size_t b = 0; b < graph.buffers.size(); ++b) {
      if (graph.buffers[b].io != graph::IoRole::kOutput) continue;
      sink_of[b] = static_cast<NodeId>(network.nodes.size());
      network.nodes.push_back(sink_node(graph, static_cast<graph::BufferId>(b)));
    }
  }
  for (size_t b = 0; b < graph.buffers.size(); ++b) {
    const graph::Buffer& buffer = graph.buffers[b];
    Channel channel;
    channel.buffer = static_cast<graph::BufferId>(b);
    channel.rows = buffer.rows();
    channel.row_bytes = buffer.row_bytes();
    // Actor node ids equal actor ids.
    channel.producer = buffer.producer != graph::kNoActor ? static_cast<NodeId>(buffer.producer) : source_of[b];
    channel.consumers.assign(buffer.consumers.begin(), buffer.consumers.end());
    if (sink_of[b] != kNoNode) channel.consumers.push_back(sink_of[b]);
    // A view's output (MODEL 4.1) has no storage of its own: its readers' ports are on its storage.
    channel.counted = (buffer.io == graph::IoRole::kNone || options.stream_io) && buffer.storage_of == graph::kNoBuffer;
    network.channels.push_back(std::move(channel));
  }
  return network;
}

/// `field` of every leading actor node.
std::vector<int64_t> per_actor(const Network& network, int64_t Node::*field) {
  std::vector<int64_t> values;
  for (const Node& node : network.nodes) {
    if (node.kind != NodeKind::kActor) break;
    values.push_back(node.*field);
  }
  return values;
}

}  // namespace

Network build_network(const graph::Graph& graph, std::span<const int64_t> granularity, const NetworkOptions& options) {
  return assemble_network(graph, granularity, options, nullptr);
}

std::vector<int64_t> actor_granularities(const Network& network) {
  return per_actor(network, &Node::granularity);
}

std::vector<int64_t> actor_phases(const Network& network) {
  return per_actor(network, &Node::phases);
}

NetworkBuilder::NetworkBuilder(const graph::Graph& graph, const NetworkOptions& options)
    : graph_(graph), windows_(row_window_table(validated(graph))) {
  // Whole granularity (one firing each) is a cheap start: the first build replaces what differs.
  std::vector<int64_t> whole(graph.actors.size());
  for (size_t a = 0; a < whole.size(); ++a) whole[a] = phase_rows(graph, static_cast<graph::ActorId>(a));
  network_ = assemble_network(graph, whole, options, &windows_);
  for (size_t a = 0; a < whole.size(); ++a) built_granularity_.push_back(network_.nodes[a].granularity);
}

const Network& NetworkBuilder::build(std::span<const int64_t> granularity) {
  if (granularity.size() != graph_.actors.size()) {
    throw std::invalid_argument("NetworkBuilder: " + std::to_string(granularity.size()) + " granularities for " +
                                std::to_string(graph_.actors.size()) + " actors");
  }
  for (size_t a = 0; a < granularity.size(); ++a) {
    const auto id = static_cast<graph::ActorId>(a);
    const int64_t effective = effective_granularity(graph_, id, granularity[a]);
    if (effective == built_granularity_[a]) continue;
    network_.nodes[a] = actor_node(graph_, id, effective, &windows_.windows[a]);
    built_granularity_[a] = effective;
  }
  return network_;
}

}  // namespace bufopt::dataflow
