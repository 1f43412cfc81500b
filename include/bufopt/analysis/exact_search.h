#pragma once
/// Exact optimisation over every firing order of small networks (MODEL 7): the reference the
/// scheduler and the optimiser are held to in the tests. Exponential; guarded by limits.
///
/// Method (both searches). A partial order is summarised by its *state*, the number of firings
/// done per node: which firings are enabled, what each channel holds, and which buffers are alive
/// depend on the state only. A *label* is a state reached by some prefix plus what the objective
/// remembers of that prefix: M, the running maximum occupancy of every counted channel (MODEL 4:
/// `written_after - min(m, written_before)` during each producer firing, capacities of the order
/// being the final M), and for the arena objective the set of alive-buffer sets seen so far.
/// Labels are expanded best first on a key that
///   (1) never decreases along a path (maxima and sets only grow),
///   (2) never exceeds the cost of any completion of the label (it evaluates the objective with M
///       raised to per-channel lower bounds that every complete order reaches: the rows one
///       producer firing writes, the rows one reader window spans; for the arena it also counts
///       the alive sets every order passes through: the buffers one firing writes or reads), and
///   (3) equals the cost on a complete order;
/// a label is dropped when another label of the same state dominates it (M' <= M componentwise
/// and every alive set of the other is contained in one of its own), because firing the same
/// suffix after the dominating label costs no more. With (2) and (3), the first complete order
/// taken from the queue is optimal: a cheaper order would keep an undominated prefix label in the
/// queue whose key is below the popped one (the A* argument with dominance).
/// Firing rules are the verifier's: a firing needs each non-empty input window written and not
/// released by its reader (an empty window, all padding, needs nothing), and writes raise the
/// occupancy by MODEL 4's rule; capacities are not imposed, they are what the order needs.
/// Cost: the number of reachable states times the undominated labels per state; five actors of
/// twelve rows take milliseconds per network.
#include <cstdint>
#include <optional>
#include <vector>

#include "bufopt/analysis/arena.h"
#include "bufopt/analysis/buffer_usage.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/schedule.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// Work bounds of an exact search; beyond them the searches give up (nullopt).
struct ExactSearchLimits {
  /// Labels (state + remembered maxima) created by one search over one network.
  int64_t max_labels = 2'000'000;
  /// Granularity vectors minimum_arena_plan may enumerate (before the slowdown filter).
  int64_t max_plans = 250'000;  // 12^5: five actors of up to 12 rows
  /// Counted channels an arena placement is optimised over exhaustively (n! orders).
  int max_exhaustive_placement = 8;
};

/// The firing order with the smallest sum of FIFO bytes for one network.
struct MinimumFifoSchedule {
  Schedule schedule;
  /// Per channel: the maximum occupancy of `schedule` (MODEL 4); 0 for uncounted channels.
  std::vector<int64_t> capacity_rows;
  /// Sum over counted channels of capacity_rows * row_bytes: the minimum over every order.
  int64_t fifo_bytes = 0;
  /// Labels created (search effort).
  int64_t labels = 0;
};

/// Minimises sum_t c_t * row_bytes_t over every complete firing order of `network`, c_t being
/// the order's maximum occupancy of counted channel t. nullopt when the search exceeds
/// limits.max_labels, or when no complete order exists (a malformed network).
std::optional<MinimumFifoSchedule> minimum_fifo_schedule(const dataflow::Network& network,
                                                         const ExactSearchLimits& limits = {});

/// The firing order with the smallest peak of simultaneously live buffer bytes for one network.
struct MinimumPeakSchedule {
  Schedule schedule;
  /// Per channel: maximum occupancy of `schedule`; 0 for uncounted channels.
  std::vector<int64_t> capacity_rows;
  /// Per channel: first write .. last release (buffer_usage.h's definition: from the firing
  /// that first writes the buffer to the firing after which every row is written and released
  /// by every reader, inclusive); first == -1 for uncounted channels.
  std::vector<Lifetime> lifetimes;
  /// max over firings of the capacity bytes of the counted buffers alive during it: the minimum
  /// over every order of `network`.
  int64_t peak_live_bytes = 0;
  int64_t labels = 0;
};

/// Minimises, over every complete firing order of `network`, the largest sum of
/// capacity_rows * row_bytes over the counted buffers alive during one firing (capacities being
/// that order's maximum occupancies). nullopt beyond limits.max_labels or with no complete order.
std::optional<MinimumPeakSchedule> minimum_peak_schedule(const dataflow::Network& network,
                                                         const ExactSearchLimits& limits = {});

/// The plan with the smallest peak of simultaneously live buffer bytes, and its arena.
struct MinimumArenaPlan {
  /// Per actor, effective granularity of the plan found.
  std::vector<int64_t> granularity;
  Schedule schedule;
  /// Per channel: maximum occupancy of `schedule`; 0 for uncounted channels.
  std::vector<int64_t> capacity_rows;
  /// Per channel: first write .. last release (buffer_usage.h's definition); first == -1 for
  /// uncounted channels.
  std::vector<Lifetime> lifetimes;
  /// min over every granularity vector meeting max_slowdown and every order of
  /// max over firings of the bytes (capacity * row_bytes) of the counted buffers alive during
  /// it. Buffers alive at one firing must occupy disjoint bytes in any placement, so this is a
  /// lower bound on the arena (shared_bytes) of every plan the slowdown bound allows.
  int64_t peak_live_bytes = 0;
  /// The best placement of this plan's buffers (every first-fit order when the plan has at most
  /// limits.max_exhaustive_placement buffers: that includes the optimal placement, since
  /// first-fit in the order of an optimal placement's offsets never places a buffer higher than
  /// that placement does; otherwise first-fit largest first).
  ArenaPlan arena;
  /// arena.size == peak_live_bytes: the arena is then the minimum shared_bytes over every plan
  /// the slowdown bound allows. Otherwise the true minimum lies in [peak_live_bytes, arena.size].
  bool arena_is_optimal = false;
  /// Granularity vectors that met the slowdown bound and were searched.
  int64_t plans_searched = 0;
};

/// Enumerates every granularity vector (each actor g in 1..output rows; barriers whole) whose
/// sequential slowdown (MODEL 5) is <= options.max_slowdown + 1e-9 and, for each, searches every
/// firing order for the minimum peak of live bytes (MODEL 6 lifetimes: a buffer lives from its
/// first write to its last release, and occupies capacity * row_bytes). Ties keep the first
/// plan found (granularity vectors in odometer order, actor 0 fastest), unless a later tied plan
/// places into a smaller arena while the best arena is still above the peak. Later plans are
/// searched with the best peak as a cutoff, which prunes most of them at their first label. nullopt when the number of
/// granularity vectors exceeds limits.max_plans or one search exceeds limits.max_labels.
std::optional<MinimumArenaPlan> minimum_arena_plan(const graph::Graph& graph, const AnalysisOptions& options,
                                                   const ExactSearchLimits& limits = {});

/// Smallest arena over placements of `requests`: first-fit in every order of the placed
/// requests (exact) when there are at most `max_exhaustive` of them, else first-fit largest
/// first. Requests with size 0 or no lifetime are not placed (offset 0).
ArenaPlan best_first_fit_placement(const std::vector<ArenaRequest>& requests, int max_exhaustive);

}  // namespace bufopt::analysis
