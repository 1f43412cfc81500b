#pragma once
/// What a firing order needs of every buffer: capacities (maximum occupancy) and lifetimes.
#include <cstdint>
#include <memory>
#include <vector>

#include "bufopt/analysis/schedule.h"
#include "bufopt/dataflow/network.h"

namespace bufopt::analysis {

/// Firing-index interval during which a buffer holds rows: from the firing that first writes
/// it to the firing after which every row is written and released by every reader, both
/// inclusive (a buffer nobody reads ends with its last write). first == -1: never written.
/// measure_usage gives uncounted channels their lifetime too (for the report; they are never
/// placed in the arena): a buffer whose rows are present from the start (uncounted graph
/// input) has first == 0.
struct Lifetime {
  int64_t first = -1;
  int64_t last = -1;
  bool overlaps(const Lifetime& other) const {
    return first >= 0 && other.first >= 0 && first <= other.last && other.first <= last;
  }
  friend bool operator==(const Lifetime&, const Lifetime&) = default;
};

/// Per channel: capacity in rows (0 for uncounted channels) and lifetime.
struct BufferUsage {
  std::vector<int64_t> capacity_rows;
  std::vector<Lifetime> lifetimes;
};

/// Replays `schedule` on `network` and records for every counted channel the maximum occupancy
/// under MODEL 4's rule, and every channel's lifetime. With w rows written and m the lowest
/// release point of the channel's readers (0 for a reader that has not fired; no reader: never
/// limited), a firing writing rows [w, w') occupies w' - min(m, w) rows: rows released before
/// they exist still take their slot while being written. A firing needs each non-empty input
/// window written (an empty window reads only padding) and not released by its own port.
/// Throws std::logic_error if the schedule is not executable (a window not written or already
/// released, a node firing more or fewer times than its phases, an unknown node).
BufferUsage measure_usage(const dataflow::Network& network, const Schedule& schedule);

/// measure_usage one firing at a time, for a caller that builds the order as it goes and may
/// stop early (the optimizer drops a candidate as soon as it is sure to lose).
class UsageReplay {
 public:
  explicit UsageReplay(const dataflow::Network& network);
  ~UsageReplay();
  UsageReplay(UsageReplay&&) noexcept;
  UsageReplay& operator=(UsageReplay&&) noexcept;

  /// The next firing of the order: node `node` fires its next phase. Throws as measure_usage.
  void fire(dataflow::NodeId node);

  /// The largest sum, over the firings so far, of the bytes (capacity so far x row bytes) of
  /// the counted channels with readers that are alive during that firing. Capacities only grow
  /// and lifetimes only extend, so this never exceeds peak_live_bytes of the finished replay's
  /// requests, nor therefore any arena placement of them.
  int64_t live_bytes_so_far() const;

  /// The usage once every firing is replayed. Throws std::logic_error if a node fired fewer
  /// times than its phases.
  BufferUsage finish();

 private:
  class State;
  std::unique_ptr<State> state_;
};

}  // namespace bufopt::analysis
