#pragma once
/// What the user asks the analysis for: the platform, the slowdown bound, streamed I/O and the
/// mode (MODEL 5).
#include <map>
#include <string>

#include "bufopt/analysis/platform.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// How the actors share the machine (MODEL 5).
enum class Mode {
  kSequential,  ///< one processor, firings one after another (the reference method's setting)
  kPipelined,   ///< one processor per actor, self-timed, no auto-concurrency (pipelined.h)
};

/// "sequential" or "pipelined", as the CLI and the JSON spell it.
const char* mode_name(Mode mode);

/// What the user asks for.
struct AnalysisOptions {
  Platform platform;
  double max_slowdown = 1.2;
  bool stream_io = false;
  Mode mode = Mode::kSequential;
  /// Measured seconds per inference of named actors (an ONNX Runtime profile, measured_times.h),
  /// replacing the work model for them. Used by pipelined mode; empty: the work model.
  std::map<std::string, double> actor_seconds;
  /// MODEL 4.1 shared storage (views; --no-inplace turns it off). Applied to the graph before
  /// the analysis by storage_graph: every analysis function sees the rule through the graph.
  bool inplace = true;
};

/// True when MODEL 4.1's rules apply: options.inplace, sequential mode (pipelined mode is the
/// FIFO model only).
bool shared_storage(const AnalysisOptions& options);

/// The graph the analysis of `graph` under `options` runs on: graph::eliminate_views(graph)
/// when shared_storage(options), else `graph` itself.
graph::Graph storage_graph(const graph::Graph& graph, const AnalysisOptions& options);

}  // namespace bufopt::analysis
