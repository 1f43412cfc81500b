// Pipelined mode: exact time arithmetic, firing durations and capacity lower bounds.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "bufopt/analysis/pipelined.h"
#include "bufopt/analysis/time_model.h"

namespace bufopt::analysis {

Ticks to_ticks(double seconds) {
  if (!(seconds > 0)) return 0;
  const double ticks = std::round(seconds * kTicksPerSecond);
  // Saturate well below INT64_MAX so sums of a few durations cannot overflow.
  constexpr double kMaxTicks = 1e17;
  return static_cast<Ticks>(std::min(ticks, kMaxTicks));
}

double Period::throughput_per_s() const {
  if (ticks <= 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(images) * kTicksPerSecond / static_cast<double>(ticks);
}

Period make_period(Ticks ticks, int64_t images) {
  if (images < 1 || ticks < 0) throw std::invalid_argument("make_period: images >= 1 and ticks >= 0 expected");
  const int64_t divisor = std::gcd(ticks, images);
  return {ticks / divisor, images / divisor};
}

bool shorter(const Period& a, const Period& b) {
  return static_cast<__int128>(a.ticks) * b.images < static_cast<__int128>(b.ticks) * a.images;
}

double period_ratio(const Period& a, Ticks b) {
  if (b <= 0) return a.ticks <= 0 ? 1.0 : std::numeric_limits<double>::infinity();
  return static_cast<double>(a.ticks) / (static_cast<double>(a.images) * static_cast<double>(b));
}

bool within_slowdown(const Period& period, Ticks baseline, double max_slowdown) {
  const long double bound = (static_cast<long double>(max_slowdown) + kSlowdownTolerance) *
                            static_cast<long double>(baseline) * static_cast<long double>(period.images);
  return static_cast<long double>(period.ticks) <= bound;
}

Ticks slowest_node_ticks(const FiringTimes& times) {
  Ticks slowest = 0;
  for (const std::vector<Ticks>& node : times.ticks) {
    Ticks busy = 0;
    for (Ticks t : node) busy += t;
    slowest = std::max(slowest, busy);
  }
  return slowest;
}

double pipelined_work_seconds(const graph::Actor& actor, const AnalysisOptions& options) {
  if (auto measured = options.actor_seconds.find(actor.name); measured != options.actor_seconds.end()) {
    // A measured run of the whole operator includes one firing overhead.
    return std::max(0.0, measured->second - options.platform.firing_overhead_s);
  }
  return actor_work_seconds(actor, options.platform);
}

namespace {

/// floor(total * part / whole) without overflow.
Ticks share(Ticks total, int64_t part, int64_t whole) {
  return static_cast<Ticks>(static_cast<__int128>(total) * part / whole);
}

}  // namespace

FiringTimes firing_times(const graph::Graph& graph, const dataflow::Network& network, const AnalysisOptions& options) {
  const Ticks overhead = to_ticks(options.platform.firing_overhead_s);
  FiringTimes times;
  times.ticks.resize(network.nodes.size());
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    const dataflow::Node& node = network.nodes[n];
    std::vector<Ticks>& ticks = times.ticks[n];
    ticks.assign(static_cast<size_t>(node.phases), 0);
    if (node.kind != dataflow::NodeKind::kActor) continue;
    const Ticks work = to_ticks(pipelined_work_seconds(graph.actors.at(static_cast<size_t>(node.actor)), options));
    if (node.outputs.empty()) {
      // No output rows to apportion by: the actor fires once.
      for (Ticks& t : ticks) t = work / node.phases + overhead;
      ticks.back() += work % node.phases;
      continue;
    }
    // Each phase's share follows its phase rows (output rows; input rows for a streaming
    // reduction, whose work is spread over the rows it consumes); cumulative shares make the sum
    // exact.
    const int64_t rows = dataflow::phase_rows(graph, node.actor);
    Ticks before = 0;
    for (size_t f = 0; f < ticks.size(); ++f) {
      const int64_t done = std::min(rows, (static_cast<int64_t>(f) + 1) * node.granularity);
      const Ticks upto = f + 1 == ticks.size() ? work : share(work, done, rows);
      ticks[f] = upto - before + overhead;
      before = upto;
    }
  }
  return times;
}

Ticks baseline_period_ticks(const graph::Graph& graph, const AnalysisOptions& options) {
  const Ticks overhead = to_ticks(options.platform.firing_overhead_s);
  Ticks period = 0;
  for (const graph::Actor& actor : graph.actors) {
    period = std::max(period, to_ticks(pipelined_work_seconds(actor, options)) + overhead);
  }
  return period;
}

bool bounded_channel(const dataflow::Channel& channel) {
  return channel.producer != dataflow::kNoNode && !channel.consumers.empty();
}

bool sized_channel(const dataflow::Channel& channel) { return channel.producer != dataflow::kNoNode; }

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

}  // namespace bufopt::analysis
