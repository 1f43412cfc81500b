// Pipelined mode: capacities and bytes no plan can go below.
#include <algorithm>
#include <limits>
#include <vector>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/pipelined/lower_bound.h"
#include "bufopt/analysis/pipelined/optimizer.h"
#include "bufopt/analysis/pipelined/throughput.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

using dataflow::ChannelId;
using dataflow::Network;

std::vector<int64_t> capacity_lower_bounds(const dataflow::Network& network) {
  std::vector<int64_t> bounds(network.channels.size(), 0);
  for (const dataflow::Node& node : network.nodes) {
    for (const dataflow::OutputPort& port : node.outputs) {
      int64_t& bound = bounds.at(static_cast<size_t>(port.channel));
      int64_t before = 0;
      for (int64_t written : port.written) {
        bound = std::max(bound, written - before);
        before = written;
      }
    }
    for (const dataflow::InputPort& port : node.inputs) {
      int64_t& bound = bounds.at(static_cast<size_t>(port.channel));
      int64_t released = 0;
      for (size_t f = 0; f < port.window.size(); ++f) {
        if (port.window[f].size() > 0) bound = std::max(bound, port.window[f].end - released);
        released = port.release[f];
      }
    }
  }
  for (size_t c = 0; c < network.channels.size(); ++c) {
    if (!sized_channel(network.channels[c])) bounds[c] = 0;
  }
  return bounds;
}


int64_t pipelined_lower_bound_bytes(const graph::Graph& graph, const AnalysisOptions& options) {
  const dataflow::NetworkOptions network_options{.stream_io = options.stream_io};
  const Network by_row = dataflow::build_network(graph, std::vector<int64_t>(graph.actors.size(), 1), network_options);
  const Network finest = dataflow::build_network(graph, pipelined_granularity(graph, options, options.max_slowdown + kSlowdownTolerance), network_options);
  int64_t total = 0;
  for (size_t c = 0; c < by_row.channels.size(); ++c) {
    const dataflow::Channel& channel = by_row.channels[c];
    if (!channel.counted || !sized_channel(channel)) continue;
    int64_t rows = 1;
    for (const dataflow::Node& node : by_row.nodes) {
      for (const dataflow::InputPort& port : node.inputs) {
        if (port.channel != static_cast<ChannelId>(c)) continue;
        for (const dataflow::RowRange& window : port.window) rows = std::max(rows, window.size());
      }
    }
    const dataflow::Node& producer = finest.nodes[static_cast<size_t>(channel.producer)];
    for (const dataflow::OutputPort& port : producer.outputs) {
      if (port.channel == static_cast<ChannelId>(c)) rows = std::max(rows, port.written.front());
    }
    total = graph::saturating_add(total, graph::saturating_mul(std::max<int64_t>(rows, 0), channel.row_bytes));
  }
  return total;
}

}  // namespace bufopt::analysis
