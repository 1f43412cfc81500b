#pragma once
/// The segment-cut dynamic programme (MODEL 6): cut the actors' topological order into
/// contiguous segments, run each to completion before the next, and choose the cuts and each
/// segment's granularity so that the largest peak of live bytes is smallest within a budget of
/// extra firings. The published anchors do this (msf-CNN: a minimax path over fused blocks;
/// Serenity: a DP over operator orders); segment_schedule.h gives the order of one plan.
///
/// Model. Segment [i, j) of the graph order (actors i..j-1, with the sources first read there
/// and the sinks of its actors) is either *whole* (one actor, one firing) or *streamed* at a
/// uniform granularity g (every actor g rows per firing, g in 1, 2, 4, 8, 16: one row per
/// firing, or coarser when the budget binds). Tensors crossing a cut are held whole. Its cost
/// is the exact peak of live bytes of its own eager replay (segment_schedule.h), counting the
/// tensors it reads from earlier segments (whole, until their last reader in the segment is
/// done), the tensors it writes for later segments (whole from their first write), and the
/// whole tensors made before i and still read at j or later (skips spanning the segment). A
/// plan's peak of live bytes is the largest cost of its segments, exactly: lifetimes in one
/// segment end where it ends or later.
///
/// Steps.
///  1. Whole segments alone: the cost of every one-actor whole segment, and U, the peak of the
///     plan cutting at every actor (layer by layer, no extra firing). A plan whose peak reaches
///     U is dominated by it, so segments costing U or more are dropped.
///  2. For each start i (ascending) and each granularity: one eager replay of the actors
///     i..i+L-1 gives every segment [i, j), j <= i+L, at once (the prefix property of
///     segment_schedule.h): every buffer's capacity and lifetime are measured once, and a
///     segment tree over the firings (range add, prefix max) turns the contributions on and
///     off as j grows (a buffer read beyond j is whole until its end; once its last reader is
///     in the segment it takes its measured capacity over its lifetime), so each segment costs
///     O(buffers it adds x log firings). A second tree holds only the buffers internal to
///     [i, j), whose contributions no longer change: its maximum bounds every longer segment
///     from below, and the replay stops as soon as that bound reaches U. L starts at 16 and
///     doubles while the bound has not stopped it.
///  3. Minimax over cut positions: labels (peak, extra firings) per cut position, Pareto
///     optimal, at most kMaxLabels kept (evenly spread, both ends kept), relaxed from each
///     position once its labels are final (every transition into it comes from a smaller
///     position). One run serves every budget: best_within picks from the final labels.
/// Cost: O(starts x granularities x firings of the segments measured), each segment measured
/// once; nothing depends on the slowdown bound, so the answer for one budget never depends on
/// which other budgets are asked.
/// What it does not guarantee: optimality over every plan (granularities are uniform per
/// segment, the order within a segment is the eager one, and the arena placement may exceed the
/// peak of live bytes).
#include <cstdint>
#include <vector>

#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// One plan of the segment-cut programme.
struct SegmentPlan {
  std::vector<int64_t> granularity;  ///< per actor, as build_network takes it
  std::vector<int32_t> segment;      ///< per actor: its segment, non-decreasing along the graph order
  int64_t peak_bytes = 0;            ///< the largest segment cost (the plan's peak of live bytes)
  int64_t extra_firings = 0;         ///< sum over actors of phases - 1
};

/// Runs the programme once for a graph; answers for any budget.
class SegmentCuts {
 public:
  /// Labels kept per cut position.
  static constexpr size_t kMaxLabels = 32;

  SegmentCuts(const graph::Graph& graph, bool stream_io);

  /// Up to `count` plans with extra_firings <= budget, the smallest peak first (the last
  /// Pareto labels within the budget). Never empty: layer by layer has no extra firing.
  std::vector<SegmentPlan> best_within(int64_t budget, size_t count) const;

  /// Segments measured (step 2), for benchmarks.
  int64_t segments_measured() const { return segments_measured_; }

 private:
  struct Label {
    int64_t peak = 0;
    int64_t extra = 0;
    int32_t from_position = -1;
    int32_t from_label = -1;
    int32_t mode = -1;  ///< index into modes_: its granularity
  };

  SegmentPlan plan_of(const Label& label) const;

  size_t actors_ = 0;
  std::vector<int64_t> mode_granularity_;   ///< per mode: rows per firing; mode 0 is whole
  std::vector<int64_t> whole_granularity_;  ///< per actor: its phase rows (one firing)
  std::vector<std::vector<Label>> labels_;  ///< final Pareto labels per cut position 0..actors,
                                            ///< extra firings ascending (peak descending)
  int64_t segments_measured_ = 0;
};

}  // namespace bufopt::analysis
