#pragma once
/// The operator dataflow graph: actors joined by buffers, format-free.
#include <cstdint>
#include <string>
#include <vector>

#include "bufopt/graph/actor.h"
#include "bufopt/graph/buffer.h"

namespace bufopt::graph {

/// An operator bufopt could not model and turned into a barrier actor.
struct UnsupportedOp {
  std::string node;     ///< actor name
  std::string op_type;  ///< e.g. "Loop", "com.microsoft.FusedConv"
  std::string reason;
};

/// A node fused into the actor that produces its input (MODEL 2.1).
struct FusedOp {
  std::string node;
  std::string op_type;
  std::string into;  ///< name of the actor it was fused into
};

/// A Reshape-like actor eliminated as a view (MODEL 4.1, views.h): its output is its input's
/// storage. Kept for the report and the baseline time (which keeps the FIFO model's actors).
struct EliminatedView {
  std::string node;     ///< actor name
  std::string op_type;  ///< Reshape, Flatten, Squeeze or Unsqueeze
  /// Index of the actor in the graph the views were eliminated from (ModelProgram::actors).
  ActorId actor = kNoActor;
  BufferId input = kNoBuffer;   ///< the buffer it read (possibly itself a view)
  BufferId output = kNoBuffer;  ///< its output, now Buffer::storage_of its input's storage
  int64_t elementwise_ops = 0;  ///< the work the FIFO model charges it (baseline time only)
};

/// A whole model as bufopt analyses it.
struct Graph {
  /// Model name (graph name, else the file stem).
  std::string name;
  /// Actors in the model's node order (a stable topological sort of it): every actor comes
  /// after the producers of its inputs. Layer-by-layer baselines run in this order.
  std::vector<Actor> actors;
  std::vector<Buffer> buffers;
  /// Bytes of every weight / constant kept by the model (initializers and Constant nodes that
  /// are read by actors), at their stored types.
  int64_t parameter_bytes = 0;
  std::vector<UnsupportedOp> unsupported;
  std::vector<FusedOp> fused;
  /// Views eliminated by eliminate_views, in graph order (empty without the rule).
  std::vector<EliminatedView> views;
  /// Non-fatal findings of the import (newer opset, checker skipped, ...), one line each.
  std::vector<std::string> warnings;
  /// Model metadata_props written by an earlier bufopt run (key "bufopt.*"), for inspect.
  std::vector<std::pair<std::string, std::string>> annotations;
};

/// Checks the invariants the analysis relies on (ids in range, producer/consumer lists agree,
/// topological order, input_maps parallel to inputs, equal output heights). Returns one line per
/// violation; empty when the graph is well formed.
std::vector<std::string> validate(const Graph& graph);

/// Sets every buffer's element_bytes to `bytes` (--activation-bytes); bytes <= 0 restores the
/// model's own dtype sizes.
void set_activation_bytes(Graph& graph, int64_t bytes);

}  // namespace bufopt::graph
