#pragma once
/// Sequential firing orders and the demand-driven (pull) scheduler.
#include <functional>
#include <vector>

#include "bufopt/dataflow/network.h"

namespace bufopt::analysis {

/// A sequential firing order: node ids, each node appearing exactly Node::phases times.
struct Schedule {
  std::vector<dataflow::NodeId> firings;
};

/// Which short input a node pulls first when several are behind its window.
enum class BranchOrder {
  /// Sethi-Ullman-like: first the input whose producer cone has the largest estimated peak
  /// minus the bytes it hands over per firing (on a tree of whole tensors this is the classic
  /// register-allocation order that minimises the peak).
  kLargestPeakFirst,
  kPortOrder,         ///< inputs in port order
  kReversePortOrder,  ///< inputs in reverse port order
};

/// How the demand roots (sinks, producers of graph outputs, nodes nobody reads) take turns.
enum class RootOrder {
  kOneAfterAnother,  ///< each root runs all its phases, in node order
  /// One firing at a time of the root least far along: the fraction of its output rows written
  /// after its next firing (phases for sinks and roots writing only at their end), so heads of
  /// different heights advance in proportion to their rows and no head finishes while another
  /// head's branch holds a shared tensor whole. The default.
  kInterleaved,
};

/// One demand-driven variant.
struct PullOptions {
  BranchOrder branch = BranchOrder::kLargestPeakFirst;
  RootOrder roots = RootOrder::kInterleaved;
  /// A node whose counted outputs, whole, take no more bytes than its widest counted input
  /// windows runs all its phases when first pulled: its input buffers die early while its
  /// outputs hold no more than those windows did (a cheap "segment cut" at a shrinking layer).
  bool run_ahead = false;
};

/// Demand-driven order with the given variant. Steps:
///  1. Roots are the nodes whose output is held by the application or read by nobody (without
///     --stream-io the producers of graph outputs), the sinks, and nodes without outputs.
///  2. Firing a node's next phase: for each input port (in the branch order) whose non-empty
///     window ends past the rows written, fire the producer's next phase (all its phases for a
///     run-ahead producer) recursively until it is written; then fire the node. An explicit
///     stack keeps this O(firings * ports) however deep.
///  3. When a node's last firing leaves a producer with phases to go whose every reader is done
///     (rows nobody reads, e.g. skipped by a stride), that producer finishes at once.
///  4. Anything still unfired at the end fires in topological order.
/// Guarantees: every node fires exactly `phases` times and every firing finds its windows
/// written (no deadlock, capacities are measured afterwards, never imposed). Throws
/// std::logic_error on a malformed network (a window beyond a channel's rows, a cycle).
Schedule pull_schedule(const dataflow::Network& network, const PullOptions& options);

/// Called with each firing as the order is built; returning false stops the order there.
using FiringObserver = std::function<bool(dataflow::NodeId)>;

/// The same order, handed to `on_firing` one firing at a time instead of collected (a caller
/// replaying it as it goes can stop as soon as it knows enough). Returns false when
/// `on_firing` stopped it, true when every firing was made.
bool pull_schedule(const dataflow::Network& network, const PullOptions& options, const FiringObserver& on_firing);

/// The PullOptions that can give different orders on this network (a branch order only where
/// a node has several inputs, a root order only with several outputs, run-ahead only where some
/// node has it), the default first. Which of them to use is the evaluator's choice
/// (evaluate.h: smallest_arena_pull_schedule).
std::vector<PullOptions> pull_variants(const dataflow::Network& network);

/// Every node runs all its phases before the next starts: sources, then actors in graph order,
/// then sinks (the layer-by-layer order of the baselines, whatever the granularities).
Schedule node_by_node_schedule(const dataflow::Network& network);

}  // namespace bufopt::analysis
