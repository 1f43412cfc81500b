#include "bufopt/graph/graph.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

namespace bufopt::graph {

namespace {

bool valid_buffer(const Graph& graph, BufferId id) {
  return id >= 0 && static_cast<size_t>(id) < graph.buffers.size();
}

bool valid_actor(const Graph& graph, ActorId id) {
  return id >= 0 && static_cast<size_t>(id) < graph.actors.size();
}

/// The shape Actor::streaming_reduction promises: one input, outputs of one row, no barrier.
void check_streaming_reduction(const Graph& graph, const Actor& actor, std::vector<std::string>& problems) {
  if (actor.barrier) problems.push_back(fmt::format("actor {}: a streaming reduction is not a barrier", actor.name));
  if (actor.inputs.size() != 1) {
    problems.push_back(fmt::format("actor {}: a streaming reduction reads one activation, not {}", actor.name,
                                   actor.inputs.size()));
  }
  for (BufferId output : actor.outputs) {
    if (valid_buffer(graph, output) && graph.buffers[static_cast<size_t>(output)].rows() != 1) {
      problems.push_back(fmt::format("actor {}: a streaming reduction writes one row", actor.name));
    }
  }
}

void check_actor(const Graph& graph, ActorId id, std::vector<std::string>& problems) {
  const Actor& actor = graph.actors[static_cast<size_t>(id)];
  if (actor.inputs.size() != actor.input_maps.size()) {
    problems.push_back(fmt::format("actor {}: {} inputs but {} row maps", actor.name, actor.inputs.size(),
                                   actor.input_maps.size()));
  }
  for (BufferId input : actor.inputs) {
    if (!valid_buffer(graph, input)) {
      problems.push_back(fmt::format("actor {}: input buffer id {} out of range", actor.name, input));
      continue;
    }
    const Buffer& buffer = graph.buffers[static_cast<size_t>(input)];
    if (buffer.producer >= id) {
      problems.push_back(fmt::format("actor {}: reads {} before it is produced", actor.name, buffer.name));
    }
    if (std::find(buffer.consumers.begin(), buffer.consumers.end(), id) == buffer.consumers.end()) {
      problems.push_back(fmt::format("actor {}: not listed as a consumer of {}", actor.name, buffer.name));
    }
  }
  int64_t rows = -1;
  for (BufferId output : actor.outputs) {
    if (!valid_buffer(graph, output)) {
      problems.push_back(fmt::format("actor {}: output buffer id {} out of range", actor.name, output));
      continue;
    }
    const Buffer& buffer = graph.buffers[static_cast<size_t>(output)];
    if (buffer.producer != id) {
      problems.push_back(fmt::format("actor {}: output {} names another producer", actor.name, buffer.name));
    }
    if (rows >= 0 && buffer.rows() != rows && !actor.barrier) {
      problems.push_back(fmt::format("actor {}: outputs of different heights", actor.name));
    }
    rows = buffer.rows();
  }
  if (actor.streaming_reduction) check_streaming_reduction(graph, actor, problems);
}

}  // namespace

std::vector<std::string> validate(const Graph& graph) {
  std::vector<std::string> problems;
  for (size_t i = 0; i < graph.actors.size(); ++i) check_actor(graph, static_cast<ActorId>(i), problems);
  for (const Buffer& buffer : graph.buffers) {
    if (buffer.producer != kNoActor && !valid_actor(graph, buffer.producer)) {
      problems.push_back(fmt::format("buffer {}: producer id out of range", buffer.name));
    }
    for (ActorId consumer : buffer.consumers) {
      if (!valid_actor(graph, consumer)) {
        problems.push_back(fmt::format("buffer {}: consumer id out of range", buffer.name));
      }
    }
  }
  return problems;
}

void set_activation_bytes(Graph& graph, int64_t bytes) {
  for (Buffer& buffer : graph.buffers) buffer.element_bytes = bytes > 0 ? bytes : dtype_bytes(buffer.dtype);
}

}  // namespace bufopt::graph
