#pragma once
/// Stable topological sort of the model's nodes.
#include <string>
#include <unordered_set>
#include <vector>

#include "bufopt/onnx/op_node.h"

namespace bufopt::onnx {

/// Returns the positions of `nodes` in an order where every node comes after the producers of
/// everything it reads, as close to the model's order as possible: among the nodes whose inputs
/// are all available, the one earliest in the model goes first, so an already sorted model keeps
/// its order exactly (real exports are not always sorted).
/// Steps: map each tensor to its producing node; check that every input (and every name a
/// subgraph reads from the enclosing graph) has a producer or is in `available` (graph inputs,
/// initializers); Kahn's algorithm with a min-heap on the model position. Nodes never ready lie
/// on or behind a cycle: follow unproduced inputs from the first of them until a node repeats.
/// Throws ImportError: "tensor 't' is produced by two nodes ('a' and 'b')",
/// "node 'y' reads 'z' which nothing produces", "graph has a cycle through node 'x'".
std::vector<int> topological_order(const std::vector<OpNode>& nodes, const std::unordered_set<std::string>& available);

}  // namespace bufopt::onnx
