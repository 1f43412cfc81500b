#include "bufopt/analysis/schedule.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <stdexcept>
#include <tuple>

#include "bufopt/analysis/arena.h"
#include "bufopt/analysis/buffer_usage.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

using dataflow::ChannelId;
using dataflow::Network;
using dataflow::Node;
using dataflow::NodeId;

const dataflow::Channel& channel_of(const Network& network, ChannelId id) {
  if (id < 0 || static_cast<size_t>(id) >= network.channels.size()) {
    throw std::logic_error("pull_schedule: port names a channel that does not exist");
  }
  return network.channels[static_cast<size_t>(id)];
}

/// Nodes ordered so that every producer precedes its readers; among ready nodes the lowest id
/// first. Throws std::logic_error on a cycle.
std::vector<NodeId> topological_order(const Network& network) {
  const size_t nodes = network.nodes.size();
  std::vector<std::vector<NodeId>> readers(nodes);
  std::vector<size_t> waiting(nodes, 0);
  for (size_t n = 0; n < nodes; ++n) {
    for (const dataflow::InputPort& port : network.nodes[n].inputs) {
      const NodeId producer = channel_of(network, port.channel).producer;
      if (producer == dataflow::kNoNode) continue;
      readers.at(static_cast<size_t>(producer)).push_back(static_cast<NodeId>(n));
      ++waiting[n];
    }
  }
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
  for (size_t n = 0; n < nodes; ++n) {
    if (waiting[n] == 0) ready.push(static_cast<NodeId>(n));
  }
  std::vector<NodeId> order;
  while (!ready.empty()) {
    const NodeId n = ready.top();
    ready.pop();
    order.push_back(n);
    for (NodeId reader : readers[static_cast<size_t>(n)]) {
      if (--waiting[static_cast<size_t>(reader)] == 0) ready.push(reader);
    }
  }
  if (order.size() != nodes) throw std::logic_error("pull_schedule: the network has a cycle");
  return order;
}

/// Roots of the demand (step 1 of pull_schedule), in node order.
std::vector<NodeId> demand_roots(const Network& network) {
  std::vector<NodeId> roots;
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const Node& node = network.nodes[n];
    bool root = node.kind == dataflow::NodeKind::kSink || node.outputs.empty();
    for (const dataflow::OutputPort& port : node.outputs) {
      const dataflow::Channel& channel = channel_of(network, port.channel);
      if (!channel.counted || channel.consumers.empty()) root = true;
    }
    if (root) roots.push_back(static_cast<NodeId>(n));
  }
  return roots;
}

/// Bytes one firing of a port touches at most: the widest window, or the most rows written.
double widest_window_bytes(const Network& network, const dataflow::InputPort& port) {
  const dataflow::Channel& channel = channel_of(network, port.channel);
  if (!channel.counted) return 0;
  int64_t widest = 0;
  for (const dataflow::RowRange& window : port.window) widest = std::max(widest, window.size());
  return static_cast<double>(widest) * static_cast<double>(channel.row_bytes);
}

double widest_write_bytes(const Network& network, const dataflow::OutputPort& port) {
  const dataflow::Channel& channel = channel_of(network, port.channel);
  if (!channel.counted) return 0;
  int64_t widest = 0;
  int64_t before = 0;
  for (int64_t written : port.written) {
    widest = std::max(widest, written - before);
    before = written;
  }
  return static_cast<double>(widest) * static_cast<double>(channel.row_bytes);
}

/// Per node, its input ports in the order BranchOrder asks for.
std::vector<std::vector<size_t>> branch_orders(const Network& network, BranchOrder branch,
                                               const std::vector<NodeId>& topological) {
  std::vector<std::vector<size_t>> orders(network.nodes.size());
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    orders[n].resize(network.nodes[n].inputs.size());
    std::iota(orders[n].begin(), orders[n].end(), size_t{0});
    if (branch == BranchOrder::kReversePortOrder) std::reverse(orders[n].begin(), orders[n].end());
  }
  if (branch != BranchOrder::kLargestPeakFirst) return orders;

  // Estimated peak bytes to produce one firing of each node (Sethi-Ullman over the DAG: shared
  // cones are counted once per path, which only makes the estimate pessimistic).
  std::vector<double> peak(network.nodes.size(), 0);
  for (NodeId id : topological) {
    const auto n = static_cast<size_t>(id);
    const Node& node = network.nodes[n];
    std::vector<double> handed(node.inputs.size());  // bytes of one firing's window
    std::vector<double> cone(node.inputs.size());    // estimated peak of the producer's cone
    std::vector<double> key(node.inputs.size());
    double own = 0;
    for (const dataflow::OutputPort& port : node.outputs) own += widest_write_bytes(network, port);
    for (size_t p = 0; p < node.inputs.size(); ++p) {
      handed[p] = widest_window_bytes(network, node.inputs[p]);
      own += handed[p];
      const NodeId producer = channel_of(network, node.inputs[p].channel).producer;
      cone[p] = producer == dataflow::kNoNode ? 0 : peak[static_cast<size_t>(producer)];
      key[p] = cone[p] - handed[p];
    }
    std::vector<size_t>& order = orders[n];
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] > key[b]; });
    double held = 0;
    double worst = own;
    for (size_t p : order) {
      worst = std::max(worst, held + cone[p]);
      held += handed[p];
    }
    peak[n] = worst;
  }
  return orders;
}

/// Per node, whether PullOptions::run_ahead applies to it.
std::vector<bool> run_ahead_nodes(const Network& network) {
  std::vector<bool> ahead(network.nodes.size(), false);
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const Node& node = network.nodes[n];
    if (node.kind != dataflow::NodeKind::kActor || node.phases <= 1) continue;
    double windows = 0;
    for (const dataflow::InputPort& port : node.inputs) windows += widest_window_bytes(network, port);
    double outputs = 0;
    for (const dataflow::OutputPort& port : node.outputs) {
      const dataflow::Channel& channel = channel_of(network, port.channel);
      if (channel.counted) outputs += static_cast<double>(channel.rows) * static_cast<double>(channel.row_bytes);
    }
    ahead[n] = windows > 0 && outputs <= windows;
  }
  return ahead;
}

/// The demand-driven engine: state of the execution and the explicit stack of pending firings.
class Puller {
 public:
  Puller(const Network& network, std::vector<std::vector<size_t>> port_order, std::vector<bool> run_ahead,
         const FiringObserver& on_firing)
      : network_(network), port_order_(std::move(port_order)), run_ahead_(std::move(run_ahead)), on_firing_(on_firing) {
    fired_.assign(network.nodes.size(), 0);
    written_.assign(network.channels.size(), 0);
    for (size_t c = 0; c < network.channels.size(); ++c) {
      if (network.channels[c].producer == dataflow::kNoNode) written_[c] = network.channels[c].rows;
    }
  }

  /// Whether the observer stopped the order.
  bool stopped() const { return stopped_; }

  bool complete(NodeId n) const { return fired_[idx(n)] >= network_.nodes[idx(n)].phases; }

  /// How far node n is after one more firing, as a fraction (numerator, denominator): the
  /// rows of its first output written then over its rows, or its phases done over its phases
  /// for a node without outputs (a sink) or one that writes nothing before its last firing (a
  /// streaming reduction).
  std::pair<int64_t, int64_t> progress_after_next(NodeId n) const {
    const Node& node = network_.nodes[idx(n)];
    const auto f = static_cast<size_t>(fired_[idx(n)]);
    if (!node.outputs.empty() && node.outputs.front().written.front() > 0) {
      const dataflow::OutputPort& port = node.outputs.front();
      return {port.written.at(f), network_.channels.at(static_cast<size_t>(port.channel)).rows};
    }
    return {fired_[idx(n)] + 1, node.phases};
  }

  /// Fires node n's next phase (or all its remaining phases), pulling whatever it needs.
  void run(NodeId n, bool until_complete) {
    stack_.push_back({n, 0, until_complete});
    while (!stack_.empty() && !stopped_) step();
  }

 private:
  /// A pending firing of `node`; `next_port` indexes port_order_[node]: the ports before it
  /// already have their window written for the node's current phase.
  struct Frame {
    NodeId node = 0;
    size_t next_port = 0;
    bool until_complete = false;
  };

  static size_t idx(NodeId n) { return static_cast<size_t>(n); }

  void step() {
    Frame& top = stack_.back();
    const NodeId n = top.node;
    const Node& node = network_.nodes[idx(n)];
    if (complete(n)) {
      stack_.pop_back();
      return;
    }
    const auto f = static_cast<size_t>(fired_[idx(n)]);
    const std::vector<size_t>& order = port_order_[idx(n)];
    while (top.next_port < order.size()) {
      const dataflow::InputPort& port = node.inputs[order[top.next_port]];
      const auto c = static_cast<size_t>(port.channel);
      const dataflow::RowRange& window = port.window.at(f);
      if (window.size() == 0 || window.end <= written_.at(c)) {  // an empty window needs nothing
        ++top.next_port;
        continue;
      }
      const NodeId producer = network_.channels[c].producer;
      if (producer == dataflow::kNoNode || complete(producer)) {
        throw std::logic_error("pull_schedule: node " + node.name + " needs rows its input never gets");
      }
      stack_.push_back({producer, 0, run_ahead_[idx(producer)]});  // invalidates `top`
      return;
    }
    fire(n);
    if (top.until_complete && !complete(n)) {
      top.next_port = 0;
      return;
    }
    stack_.pop_back();
    if (complete(n)) finish_unread_producers(node);
  }

  void fire(NodeId n) {
    const Node& node = network_.nodes[idx(n)];
    const auto f = static_cast<size_t>(fired_[idx(n)]);
    for (const dataflow::OutputPort& port : node.outputs) {
      written_.at(static_cast<size_t>(port.channel)) = port.written.at(f);
    }
    ++fired_[idx(n)];
    if (!on_firing_(n)) stopped_ = true;
  }

  /// Step 3: a producer left with phases nobody will pull finishes now, so its buffers die early.
  void finish_unread_producers(const Node& node) {
    for (const dataflow::InputPort& port : node.inputs) {
      const NodeId producer = network_.channels[static_cast<size_t>(port.channel)].producer;
      if (producer == dataflow::kNoNode || complete(producer) || !readers_done(producer)) continue;
      stack_.push_back({producer, 0, true});
    }
  }

  bool readers_done(NodeId producer) const {
    for (const dataflow::OutputPort& port : network_.nodes[idx(producer)].outputs) {
      for (NodeId reader : network_.channels[static_cast<size_t>(port.channel)].consumers) {
        if (!complete(reader)) return false;
      }
    }
    return true;
  }

  const Network& network_;
  std::vector<std::vector<size_t>> port_order_;
  std::vector<bool> run_ahead_;
  std::vector<int64_t> fired_;
  std::vector<int64_t> written_;
  std::vector<Frame> stack_;
  const FiringObserver& on_firing_;
  bool stopped_ = false;
};

bool has_several_inputs(const Network& network) {
  return std::any_of(network.nodes.begin(), network.nodes.end(),
                     [](const Node& node) { return node.inputs.size() > 1; });
}

}  // namespace

Schedule pull_schedule(const Network& network, const PullOptions& options) {
  Schedule schedule;
  size_t total = 0;
  for (const Node& node : network.nodes) total += static_cast<size_t>(std::max<int64_t>(node.phases, 0));
  schedule.firings.reserve(total);
  pull_schedule(network, options, [&](NodeId n) {
    schedule.firings.push_back(n);
    return true;
  });
  return schedule;
}

bool pull_schedule(const Network& network, const PullOptions& options, const FiringObserver& on_firing) {
  const std::vector<NodeId> topological = topological_order(network);
  std::vector<bool> run_ahead =
      options.run_ahead ? run_ahead_nodes(network) : std::vector<bool>(network.nodes.size(), false);
  Puller puller(network, branch_orders(network, options.branch, topological), std::move(run_ahead), on_firing);
  const std::vector<NodeId> roots = demand_roots(network);
  if (options.roots == RootOrder::kOneAfterAnother) {
    for (NodeId root : roots) {
      if (!puller.stopped()) puller.run(root, true);
    }
  } else {
    while (!puller.stopped()) {
      // The root least far along fires next; ties go to the lower node id.
      NodeId next = dataflow::kNoNode;
      for (NodeId root : roots) {
        if (puller.complete(root)) continue;
        if (next == dataflow::kNoNode) {
          next = root;
          continue;
        }
        const auto [done_a, phases_a] = puller.progress_after_next(root);
        const auto [done_b, phases_b] = puller.progress_after_next(next);
        // Cross-multiplied fractions; 128 bits cannot overflow.
        if (static_cast<__int128>(done_a) * phases_b < static_cast<__int128>(done_b) * phases_a) next = root;
      }
      if (next == dataflow::kNoNode) break;
      puller.run(next, false);
    }
  }
  for (NodeId n : topological) {
    if (!puller.complete(n) && !puller.stopped()) puller.run(n, true);
  }
  return !puller.stopped();
}

std::vector<PullOptions> pull_variants(const Network& network) {
  std::vector<PullOptions> variants;
  const bool branches_matter = has_several_inputs(network);
  const bool roots_matter = demand_roots(network).size() > 1;
  const std::vector<bool> ahead = run_ahead_nodes(network);
  const bool ahead_matters = std::find(ahead.begin(), ahead.end(), true) != ahead.end();
  for (bool run_ahead : {false, true}) {
    if (run_ahead && !ahead_matters) continue;
    for (BranchOrder branch :
         {BranchOrder::kLargestPeakFirst, BranchOrder::kPortOrder, BranchOrder::kReversePortOrder}) {
      if (branch != BranchOrder::kLargestPeakFirst && !branches_matter) continue;
      for (RootOrder roots : {RootOrder::kOneAfterAnother, RootOrder::kInterleaved}) {
        if (roots != RootOrder::kOneAfterAnother && !roots_matter) continue;
        variants.push_back({branch, roots, run_ahead});
      }
    }
  }
  return variants;
}

Schedule node_by_node_schedule(const Network& network) {
  Schedule schedule;
  auto append_all = [&](dataflow::NodeKind kind) {
    for (size_t n = 0; n < network.nodes.size(); ++n) {
      const Node& node = network.nodes[n];
      if (node.kind != kind) continue;
      for (int64_t f = 0; f < node.phases; ++f) schedule.firings.push_back(static_cast<NodeId>(n));
    }
  };
  append_all(dataflow::NodeKind::kSource);
  append_all(dataflow::NodeKind::kActor);
  append_all(dataflow::NodeKind::kSink);
  return schedule;
}

}  // namespace bufopt::analysis
