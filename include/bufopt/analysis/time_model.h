#pragma once
/// Time per inference of a sequential execution (MODEL 5):
/// T = sum over actors of (macs / macs_per_s + elementwise_ops / elems_per_s + phases * overhead).
#include <span>
#include <vector>

#include "bufopt/analysis/platform.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// Compute time of one actor's whole inference, without firing overheads.
double actor_work_seconds(const graph::Actor& actor, const Platform& platform);

/// One actor's share of the sequential time: its work plus `phases` firing overheads.
double actor_seconds(const graph::Actor& actor, int64_t phases, const Platform& platform);

/// Sequential time per inference when actor a fires phases[a] times.
double sequential_time_seconds(const graph::Graph& graph, std::span<const int64_t> phases,
                               const Platform& platform);

/// The same without the actors marked in `eliminated` (MODEL 4.1: a zero-copy Concat does no
/// work and no firings); `eliminated` may be shorter than the actors (the rest count).
double sequential_time_seconds(const graph::Graph& graph, std::span<const int64_t> phases,
                               const Platform& platform, const std::vector<bool>& eliminated);

/// Sequential time per inference layer by layer (every actor fires once).
double baseline_time_seconds(const graph::Graph& graph, const Platform& platform);

}  // namespace bufopt::analysis
