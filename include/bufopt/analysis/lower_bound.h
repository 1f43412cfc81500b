#pragma once
/// A proven lower bound on the shared arena over every order and every granularity the
/// slowdown bound allows (SPEC 6).
#include <cstdint>

#include "bufopt/analysis/evaluate.h"

namespace bufopt::analysis {

/// The smallest granularity actor `a` may take within options.max_slowdown: the budget of extra
/// firings is (R - 1) * T_baseline / overhead, and no actor can use more than all of it.
int64_t minimum_granularity(const graph::Graph& graph, graph::ActorId actor, const AnalysisOptions& options);

/// max over actors a of the bytes that must be present at once while a fires: for each
/// granularity g in [minimum_granularity(a), phase rows] (barriers: whole only; phase rows are
/// output rows, or input rows for a streaming reduction), need(a, g) =
/// max over a's firings of (its windows on the counted inputs + the rows it writes on the
/// counted outputs, in bytes); the actor's bound is the min of need(a, g) over those g. Every
/// plan within R gives a one of those g, and during that firing those rows sit in buffers
/// alive together, which never share bytes: the bound never exceeds shared_bytes (nor the peak
/// of live bytes). Cost: O(H log H) per actor input or output of H rows.
int64_t lower_bound_bytes(const graph::Graph& graph, const AnalysisOptions& options);

}  // namespace bufopt::analysis
