#pragma once
/// Measured operator times that replace the work model (MODEL 5): an ONNX Runtime profile, or
/// per-actor times from a JSON object (e.g. a cycle count per layer from an FPGA folding report).
///
/// ONNX Runtime profile: the Chrome-trace JSON array that SessionOptions.enable_profiling
/// writes. Every kernel run is an event {"cat": "Node", "name": "<node>_kernel_time",
/// "dur": <microseconds>, "args": {"op_name": ...}}; a node's time is the mean of its events
/// (total / count: every run of the session counts, the first one included, as ORT wrote them).
/// Profile with graph optimisations at "basic" or below so that node names survive: a node that
/// ORT fused away has no event of its own (its time is inside the node it was fused into).
///
/// Per-actor JSON: an object with either "actor_seconds": {"<actor>": seconds, ...}, or
/// "clock_hz": <Hz> and "actor_cycles": {"<actor>": cycles per inference, ...} (FINN's
/// estimate_layer_cycles.json, for instance), or both (seconds win for an actor in both).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// Mean seconds per run of every node of an ONNX Runtime profile.
struct NodeTimes {
  std::map<std::string, double> seconds;
  /// Kernel events read.
  int64_t events = 0;
};

/// Parses an ONNX Runtime profile. Throws std::invalid_argument with a one-line reason when the
/// text is not a JSON array of trace events or holds no kernel event.
NodeTimes parse_ort_profile(std::string_view text);

/// Parses a per-actor times object. Throws std::invalid_argument on malformed JSON, an unknown
/// field, a negative or non-numeric time, or actor_cycles without a positive clock_hz.
std::map<std::string, double> parse_actor_times_json(std::string_view text);

/// Seconds per inference of the actors a measurement names.
struct ActorTimes {
  /// Per actor name: the sum of its own node's time and its fused nodes' times.
  std::map<std::string, double> seconds;
  /// Measured names that are neither an actor nor a node fused into one (ORT's own fused or
  /// inserted nodes, a different model), sorted.
  std::vector<std::string> unmatched;
  /// Actors no measurement names (they keep the work model), in graph order.
  std::vector<std::string> unmeasured;
};

/// Maps measured times (node or actor names, as parse_ort_profile / parse_actor_times_json give
/// them) onto `graph`'s actors: an actor is measured when its own name or one of its fused
/// nodes is, and takes the sum of those it finds. A name that is no node but holds a '/' is a
/// node ONNX Runtime made by fusing (it names them "<first node>/MatMulAddFusion" and the like)
/// and counts for the node before the '/'.
ActorTimes actor_times(const graph::Graph& graph, const std::map<std::string, double>& measured);

/// Reads either format from its text: a JSON array is an ONNX Runtime profile, an object a
/// per-actor times file. Throws std::invalid_argument as the parsers do.
std::map<std::string, double> parse_measured_times(std::string_view text);

}  // namespace bufopt::analysis
