#pragma once
/// The firing order of a segment plan (MODEL 6): the actors' topological order cut into
/// contiguous segments, each run to completion before the next, each in the eager order.
///
/// Eager order of a set of nodes ("members"): repeatedly fire the enabled member of highest
/// priority, until no member is enabled. A node is enabled when it has phases left and the
/// window of its next firing on every input is written (an empty window needs nothing).
/// Priorities are fixed: sinks first, then actors from the last in graph order to the first,
/// sources last; so every row is consumed downstream as soon as it can be, and an upstream node
/// fires only when nothing below it can (one row ahead, as a demand-driven order would).
///
/// Why the prefix property holds: capacities are measured, not imposed, so a firing never
/// disables another node; it only enables its readers. Adding members that no old member reads
/// (the next actors in graph order, their sources and sinks) therefore leaves the order of the
/// old members' firings unchanged, whatever the priorities: the order of segment [i, j) is the
/// order of [i, k) with the firings of actors j..k-1 (and of their sources and sinks) removed,
/// for every k >= j. The segment-cut dynamic programme (segment_cuts.h) relies on it to measure
/// every segment starting at i with one replay.
///
/// Segment of a node: an actor's is given; a source's is the first segment reading its
/// channel; a sink's is its producer's.
#include <cstdint>
#include <span>
#include <vector>

#include "bufopt/analysis/schedule.h"
#include "bufopt/dataflow/network.h"

namespace bufopt::analysis {

/// The eager order of chosen nodes of one network, with the state of every channel carried
/// from one run to the next (the segments of a plan run one after another on one engine).
class EagerOrder {
 public:
  explicit EagerOrder(const dataflow::Network& network);

  /// Treats every firing of `node` as made: its output channels are written whole and its
  /// reads released (a segment plan started in the middle of the graph).
  void assume_complete(dataflow::NodeId node);

  /// Fires the nodes with member[n] != 0 in the eager order until none is enabled, handing
  /// each firing to `on_firing`. Returns false when `on_firing` stopped it. Members left with
  /// phases to go need rows of a node that is neither complete nor a member.
  bool run(std::span<const char> member, const FiringObserver& on_firing);

  /// Whether node n has made all its firings.
  bool complete(dataflow::NodeId n) const;

 private:
  bool enabled(size_t n);
  int64_t priority(size_t n) const;

  const dataflow::Network& network_;
  std::vector<int64_t> fired_;
  std::vector<size_t> ready_ports_;  ///< per node: its input ports before this one are ready
  std::vector<int64_t> written_;
  std::vector<std::vector<dataflow::NodeId>> readers_;  ///< per node: nodes reading its outputs
  std::vector<int64_t> priority_;
};

/// Segment of every node of `network` for a segment per actor (node id = actor id), as the
/// header says: sources take their first reader's, sinks their producer's. Throws
/// std::invalid_argument when segment_of_actor has the wrong size or decreases along the
/// graph order (segments must be contiguous in the topological order).
std::vector<int32_t> node_segments(const dataflow::Network& network, std::span<const int32_t> segment_of_actor);

/// The segment plan's order: segment 0 to the last, each in the eager order to completion.
/// Throws std::logic_error if a segment cannot complete (a malformed network).
Schedule segment_schedule(const dataflow::Network& network, std::span<const int32_t> segment_of_actor);

/// The same, one firing at a time; returns false when `on_firing` stopped it.
bool segment_schedule(const dataflow::Network& network, std::span<const int32_t> segment_of_actor,
                      const FiringObserver& on_firing);

}  // namespace bufopt::analysis
