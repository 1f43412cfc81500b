#pragma once
/// In-place element-wise (MODEL 4.1), the part that depends on the graph alone: which inputs of
/// an actor it could write its output into. Whether a plan may, and does, is the analysis's
/// (analysis/shared_storage.h: it depends on the firing order).
#include <vector>

#include "bufopt/graph/graph.h"

namespace bufopt::graph {

/// The inputs X of `actor` it may write its output Y into, row r into X's slot of row r, in port
/// order: the actor is Actor::in_place (element-wise, whatever is fused into it too), neither a
/// barrier nor a streaming reduction, with one output; X has Y's shape, dtype, element bytes
/// and streaming axis, reads output row r from input row r alone (the identity row map), and is
/// written by an actor; neither X nor Y is a graph input or output (held by the application:
/// never aliased) or a view. Empty for every other actor.
std::vector<BufferId> in_place_inputs(const Graph& graph, ActorId actor);

/// True when some input of `actor` qualifies (in_place_inputs is not empty).
bool may_write_in_place(const Graph& graph, ActorId actor);

}  // namespace bufopt::graph
