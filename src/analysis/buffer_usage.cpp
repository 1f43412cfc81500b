#include "bufopt/analysis/buffer_usage.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace bufopt::analysis {

namespace {

using dataflow::ChannelId;
using dataflow::Network;
using dataflow::NodeId;

constexpr int64_t kNeverLimited = std::numeric_limits<int64_t>::max();

/// One reading port: the node and the index of its input port.
struct Reader {
  NodeId node = 0;
  size_t port = 0;
};

/// The replay: rows written per channel, each reader's release point, firings done per node.
class Replay {
 public:
  explicit Replay(const Network& network) : network_(network) {
    const size_t channels = network.channels.size();
    readers_.resize(channels);
    for (size_t n = 0; n < network.nodes.size(); ++n) {
      const auto& inputs = network.nodes[n].inputs;
      released_.emplace_back(inputs.size(), 0);
      for (size_t p = 0; p < inputs.size(); ++p) {
        readers_.at(channel_index(inputs[p].channel)).push_back({static_cast<NodeId>(n), p});
      }
    }
    fired_.assign(network.nodes.size(), 0);
    written_.assign(channels, 0);
    min_release_.assign(channels, 0);
    first_write_.assign(channels, -1);
    last_write_.assign(channels, -1);
    all_released_at_.assign(channels, -1);
    usage_.capacity_rows.assign(channels, 0);
    usage_.lifetimes.assign(channels, Lifetime{});
    for (size_t c = 0; c < channels; ++c) {
      const dataflow::Channel& channel = network.channels[c];
      if (readers_[c].empty()) min_release_[c] = kNeverLimited;
      if (channel.producer == dataflow::kNoNode) {
        // Present from the start: the application (or the test) preloaded every row.
        written_[c] = channel.rows;
        first_write_[c] = 0;
        last_write_[c] = 0;
        if (channel.counted) usage_.capacity_rows[c] = channel.rows;
      }
    }
  }

  void fire(NodeId id, int64_t index) {
    if (id < 0 || static_cast<size_t>(id) >= network_.nodes.size()) {
      throw std::logic_error("schedule names node " + std::to_string(id) + ", which does not exist");
    }
    const auto n = static_cast<size_t>(id);
    const dataflow::Node& node = network_.nodes[n];
    const int64_t f = fired_[n];
    if (f >= node.phases) throw std::logic_error("node " + node.name + " fires more than its phases");
    check_windows(node, n, f);
    for (const dataflow::OutputPort& port : node.outputs) write(port, f, index);
    for (size_t p = 0; p < node.inputs.size(); ++p) release(node.inputs[p], n, p, f, index);
    ++fired_[n];
  }

  BufferUsage finish() {
    for (size_t n = 0; n < network_.nodes.size(); ++n) {
      if (fired_[n] != network_.nodes[n].phases) {
        throw std::logic_error("node " + network_.nodes[n].name + " fires " + std::to_string(fired_[n]) + " of " +
                               std::to_string(network_.nodes[n].phases) + " phases");
      }
    }
    for (size_t c = 0; c < network_.channels.size(); ++c) {
      Lifetime& lifetime = usage_.lifetimes[c];
      lifetime.first = first_write_[c];
      // Rows never read may be written after every reader has released everything.
      lifetime.last = std::max(last_write_[c], all_released_at_[c]);
    }
    return std::move(usage_);
  }

 private:
  size_t channel_index(ChannelId channel) const {
    if (channel < 0 || static_cast<size_t>(channel) >= network_.channels.size()) {
      throw std::logic_error("port names channel " + std::to_string(channel) + ", which does not exist");
    }
    return static_cast<size_t>(channel);
  }

  void check_windows(const dataflow::Node& node, size_t n, int64_t f) const {
    for (size_t p = 0; p < node.inputs.size(); ++p) {
      const dataflow::InputPort& port = node.inputs[p];
      const dataflow::RowRange& window = port.window.at(static_cast<size_t>(f));
      const auto c = channel_index(port.channel);
      if (window.size() == 0) continue;  // reads only padding: needs nothing
      if (window.end > written_[c]) {
        throw std::logic_error("node " + node.name + " fires before rows " + std::to_string(window.begin) + ".." +
                               std::to_string(window.end) + " of its input are written");
      }
      if (window.begin < released_[n][p]) {
        throw std::logic_error("node " + node.name + " reads rows it has released");
      }
    }
  }

  void write(const dataflow::OutputPort& port, int64_t f, int64_t index) {
    const auto c = channel_index(port.channel);
    const int64_t before = written_[c];
    const int64_t after = port.written.at(static_cast<size_t>(f));
    if (after < before) throw std::logic_error("a firing un-writes rows");
    if (network_.channels[c].counted) {
      // SPEC 4: rows every reader already released still take their slot while being written.
      const int64_t occupancy = after - std::min(min_release_[c], before);
      usage_.capacity_rows[c] = std::max(usage_.capacity_rows[c], occupancy);
    }
    if (after > before) {
      if (first_write_[c] < 0) first_write_[c] = index;
      last_write_[c] = index;
    }
    written_[c] = after;
  }

  void release(const dataflow::InputPort& port, size_t n, size_t p, int64_t f, int64_t index) {
    const auto c = channel_index(port.channel);
    released_[n][p] = port.release.at(static_cast<size_t>(f));
    int64_t lowest = kNeverLimited;
    for (const Reader& reader : readers_[c]) {
      lowest = std::min(lowest, released_[static_cast<size_t>(reader.node)][reader.port]);
    }
    min_release_[c] = lowest;
    if (all_released_at_[c] < 0 && lowest >= network_.channels[c].rows) all_released_at_[c] = index;
  }

  const Network& network_;
  std::vector<std::vector<Reader>> readers_;
  std::vector<std::vector<int64_t>> released_;  ///< [node][port]: rows released so far
  std::vector<int64_t> fired_;
  std::vector<int64_t> written_;
  std::vector<int64_t> min_release_;  ///< kNeverLimited for a channel nobody reads
  std::vector<int64_t> first_write_;
  std::vector<int64_t> last_write_;
  std::vector<int64_t> all_released_at_;
  BufferUsage usage_;
};

}  // namespace

BufferUsage measure_usage(const Network& network, const Schedule& schedule) {
  Replay replay(network);
  for (size_t i = 0; i < schedule.firings.size(); ++i) replay.fire(schedule.firings[i], static_cast<int64_t>(i));
  return replay.finish();
}

}  // namespace bufopt::analysis
