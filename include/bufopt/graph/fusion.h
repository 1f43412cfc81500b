#pragma once
/// Fusion of element-wise operators into their producers (MODEL 2.1).
#include "bufopt/graph/graph.h"

namespace bufopt::graph {

/// Returns `graph` with every fusable actor merged into the actor producing its only activation
/// input, when it is that producer's only reader and the producer has a single output that is
/// not a graph output. The fused actor keeps the producer's name and geometry, adds the fused
/// node's work and parameters, and writes the fused node's output tensor. Repeats until no
/// fusion applies (Conv+BN+Relu becomes one actor). Records each fusion in Graph::fused.
Graph fuse_elementwise(const Graph& graph);

}  // namespace bufopt::graph
