#include "bufopt/analysis/buffer_usage.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

using dataflow::ChannelId;
using dataflow::Network;
using dataflow::NodeId;

constexpr int64_t kNeverLimited = std::numeric_limits<int64_t>::max();
constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

/// One reading port: the node and the index of its input port.
struct Reader {
  NodeId node = 0;
  size_t port = 0;
};

}  // namespace

/// The replay: rows written per channel, each reader's release point, firings done per node,
/// and the live bytes of UsageReplay::live_bytes_so_far.
class UsageReplay::State {
 public:
  explicit State(const Network& network) : network_(network) {
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
    live_.assign(channels, false);
    for (size_t c = 0; c < channels; ++c) {
      if (first_write_[c] >= 0) set_live(c, true);
    }
    peak_live_bytes_ = live_bytes_;
  }

  /// The next firing of the order.
  void fire(NodeId id) {
    const int64_t index = firings_++;
    if (id < 0 || static_cast<size_t>(id) >= network_.nodes.size()) {
      throw std::logic_error("schedule names node " + std::to_string(id) + ", which does not exist");
    }
    const auto n = static_cast<size_t>(id);
    const dataflow::Node& node = network_.nodes[n];
    const int64_t f = fired_[n];
    if (f >= node.phases) throw std::logic_error("node " + node.name + " fires more than its phases");
    check_windows(node, n, f);
    for (const dataflow::OutputPort& port : node.outputs) write(port, f, index);
    // Every channel counted in live_bytes_ now is alive during this firing (those its releases
    // end included: a lifetime ends with the firing that releases the last row).
    peak_live_bytes_ = std::max(peak_live_bytes_, live_bytes_);
    for (size_t p = 0; p < node.inputs.size(); ++p) release(node.inputs[p], n, p, f, index);
    ++fired_[n];
  }

  int64_t peak_live_bytes() const { return peak_live_bytes_; }

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
    if (after > before) {
      if (first_write_[c] < 0) {
        first_write_[c] = index;
        set_live(c, true);
      }
      last_write_[c] = index;
    }
    if (network_.channels[c].counted) {
      // MODEL 4: rows every reader already released still take their slot while being written.
      const int64_t occupancy = after - std::min(min_release_[c], before);
      if (occupancy > usage_.capacity_rows[c]) {
        set_live(c, false);
        usage_.capacity_rows[c] = occupancy;
        set_live(c, true);
      }
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
    if (all_released_at_[c] < 0 && lowest >= network_.channels[c].rows) {
      all_released_at_[c] = index;
      set_live(c, false);
    }
  }

  /// Adds channel c's bytes to live_bytes_ (alive) or takes them out. Only counted channels
  /// with readers written at least once and not yet released by all count: the others'
  /// lifetimes are not known to cover the current firing.
  void set_live(size_t c, bool alive) {
    const dataflow::Channel& channel = network_.channels[c];
    if (!channel.counted || readers_[c].empty() || first_write_[c] < 0 || all_released_at_[c] >= 0) {
      alive = false;
    }
    if (alive == live_[c]) return;
    live_[c] = alive;
    const int64_t bytes = graph::checked_mul(usage_.capacity_rows[c], channel.row_bytes).value_or(kSaturated);
    if (alive) {
      live_bytes_ = graph::checked_add(live_bytes_, bytes).value_or(kSaturated);
    } else if (live_bytes_ != kSaturated) {
      live_bytes_ -= bytes;
    }
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
  std::vector<bool> live_;  ///< whether the channel's bytes are in live_bytes_
  int64_t live_bytes_ = 0;
  int64_t peak_live_bytes_ = 0;
  int64_t firings_ = 0;  ///< firings replayed so far (the index of the next)
  BufferUsage usage_;
};

UsageReplay::UsageReplay(const Network& network) : state_(std::make_unique<State>(network)) {}
UsageReplay::~UsageReplay() = default;
UsageReplay::UsageReplay(UsageReplay&&) noexcept = default;
UsageReplay& UsageReplay::operator=(UsageReplay&&) noexcept = default;

void UsageReplay::fire(NodeId node) {
  state_->fire(node);
}

int64_t UsageReplay::live_bytes_so_far() const { return state_->peak_live_bytes(); }

BufferUsage UsageReplay::finish() { return state_->finish(); }

BufferUsage measure_usage(const Network& network, const Schedule& schedule) {
  UsageReplay replay(network);
  for (NodeId node : schedule.firings) replay.fire(node);
  return replay.finish();
}

}  // namespace bufopt::analysis
