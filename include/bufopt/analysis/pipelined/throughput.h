#pragma once
/// Pipelined mode: the exact steady-state throughput of a network under capacities (max-plus
/// recurrence, Howard policy iteration; pipelined.h has the model).
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "bufopt/analysis/pipelined/firing_times.h"
#include "bufopt/analysis/pipelined/period.h"
#include "bufopt/dataflow/network.h"

namespace bufopt::analysis {

/// Capacity of a channel that never limits its producer.
inline constexpr int64_t kUnboundedRows = std::numeric_limits<int64_t>::max();

/// True when `channel` can limit execution: it has a producer and at least one reader. Its
/// capacity is then a plan's choice (bytes when counted, free when held by the application).
bool bounded_channel(const dataflow::Channel& channel);

/// True when a plan gives `channel` a capacity: it has a producer. A channel nobody reads (an
/// output the model drops) still holds the rows one firing writes (MODEL 4); it never limits.
bool sized_channel(const dataflow::Channel& channel);

/// Why one firing waits for another.
enum class DependencyKind {
  kSequence,  ///< the node's previous firing (no auto-concurrency)
  kData,      ///< the firing that writes the last row of an input window
  kSpace,     ///< the reader firing whose release makes room in an output channel
};

/// One edge of the dependency graph: firing (to_node, to_phase) of image k waits for the end
/// of firing (from_node, from_phase) of image k - delay.
struct Dependency {
  dataflow::NodeId from_node = 0;
  int64_t from_phase = 0;
  dataflow::NodeId to_node = 0;
  int64_t to_phase = 0;
  int64_t delay = 0;
  DependencyKind kind = DependencyKind::kSequence;
  /// kData / kSpace: the channel; -1 for kSequence.
  dataflow::ChannelId channel = -1;
};

/// The steady state of one network under one capacity vector.
struct ThroughputAnalysis {
  /// False when some firings of one image wait for each other (a deadlock).
  bool live = false;
  /// live: time per image in the periodic regime.
  Period period;
  /// live: a critical cycle (its ratio is the period); not live: a cycle of zero delay. In
  /// dependency order (each edge's to_* is the next edge's from_*).
  std::vector<Dependency> cycle;
  /// Iterations of the policy iteration (effort).
  int64_t iterations = 0;
};

/// Analyses the self-timed execution of `network` with `capacity_rows` (per channel; read only
/// for bounded channels; kUnboundedRows: never limits). Throws std::invalid_argument when a
/// bounded channel's capacity is below the rows one producer firing writes, or on malformed
/// vectors. Cost: O(firings x ports) per policy iteration.
ThroughputAnalysis analyze_throughput(const dataflow::Network& network, const FiringTimes& times,
                                      std::span<const int64_t> capacity_rows);

/// Start tick of every firing of the first image (self-timed, from empty buffers), ordered as
/// starts[node][phase], and the sequential list of those firings by start time (ties in
/// dependency order): the order the report shows. Requires a live capacity vector.
struct FirstImage {
  std::vector<std::vector<Ticks>> starts;
  std::vector<dataflow::NodeId> order;
  Ticks latency = 0;  ///< end of the last firing of the first image
};

/// Analyses one network under many capacity vectors: the dependency graph is built once and
/// only its space dependencies follow each new vector, and Howard's iteration starts from the
/// previous answer's policy (a vector differing in a few channels converges in a few
/// iterations). Holds references to the network's ports: the network must outlive it.
class ThroughputAnalyzer {
 public:
  ThroughputAnalyzer(const dataflow::Network& network, const FiringTimes& times);
  ~ThroughputAnalyzer();
  ThroughputAnalyzer(ThroughputAnalyzer&&) noexcept;
  ThroughputAnalyzer& operator=(ThroughputAnalyzer&&) noexcept;

  /// As analyze_throughput. `remember`: keep this answer's policy as the next warm start (false
  /// for a trial the caller will undo, so the next analysis starts from the kept one).
  ThroughputAnalysis analyze(std::span<const int64_t> capacity_rows, bool remember = true);
  /// As first_image.
  FirstImage first_image(std::span<const int64_t> capacity_rows);

 private:
  struct State;
  size_t channels_ = 0;
  std::unique_ptr<State> state_;
};

/// The first image's self-timed start times under `capacity_rows` (live).
FirstImage first_image(const dataflow::Network& network, const FiringTimes& times,
                       std::span<const int64_t> capacity_rows);

}  // namespace bufopt::analysis
