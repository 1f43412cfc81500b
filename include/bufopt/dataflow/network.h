#pragma once
/// The CSDF network bufopt analyses: one node per actor (plus sources and sinks for streamed
/// graph I/O), one channel per buffer, and for every firing the rows each port reads, releases
/// and writes. Built from a graph::Graph and the granularity of every actor.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bufopt/dataflow/row_windows.h"
#include "bufopt/graph/graph.h"

namespace bufopt::dataflow {

/// Index of a node in Network::nodes.
using NodeId = int32_t;
/// Index of a channel in Network::channels (equal to the graph BufferId it models).
using ChannelId = int32_t;

inline constexpr NodeId kNoNode = -1;

/// What a node stands for.
enum class NodeKind {
  kActor,   ///< a graph actor
  kSource,  ///< --stream-io: delivers one row of a graph input per firing, at no cost
  kSink,    ///< --stream-io: drains one row of a graph output per firing, at no cost
};

/// One input port: what each firing of its node needs from one channel.
struct InputPort {
  ChannelId channel = 0;
  /// window[f]: rows that must have been written before firing f (and not yet released).
  std::vector<RowRange> window;
  /// release[f]: after firing f this reader no longer needs rows below release[f].
  /// Non-decreasing; release.back() == the channel's rows (every row released, read or not).
  std::vector<int64_t> release;
  friend bool operator==(const InputPort&, const InputPort&) = default;
};

/// One output port: what each firing of its node writes to one channel.
struct OutputPort {
  ChannelId channel = 0;
  /// written[f]: rows [0, written[f]) exist after firing f; firing f writes
  /// [written[f-1], written[f]). written.back() == the channel's rows. A firing may write
  /// nothing (written[f] == written[f-1]): a streaming reduction writes its row at its last.
  std::vector<int64_t> written;
  friend bool operator==(const OutputPort&, const OutputPort&) = default;
};

/// One CSDF actor with `phases` firings per inference.
struct Node {
  NodeKind kind = NodeKind::kActor;
  /// The graph actor (kActor) or graph::kNoActor.
  graph::ActorId actor = graph::kNoActor;
  std::string name;
  /// Phase rows per firing (the last firing may take fewer): output rows, or input rows for a
  /// streaming reduction (phase_rows).
  int64_t granularity = 1;
  int64_t phases = 1;
  std::vector<InputPort> inputs;
  std::vector<OutputPort> outputs;
  friend bool operator==(const Node&, const Node&) = default;
};

/// One buffer: the rows one producer writes and any number of readers read.
struct Channel {
  graph::BufferId buffer = 0;
  int64_t rows = 1;
  int64_t row_bytes = 0;
  /// The writing node; kNoNode when the rows are all present from the start (a graph input
  /// held by the application, without --stream-io).
  NodeId producer = kNoNode;
  /// Reading nodes (a graph output without --stream-io may have none).
  std::vector<NodeId> consumers;
  /// False for graph inputs / outputs held by the application (not counted in any figure,
  /// never limiting execution); true otherwise.
  bool counted = true;
  friend bool operator==(const Channel&, const Channel&) = default;
};

/// The whole network for one choice of granularities.
struct Network {
  std::vector<Node> nodes;
  std::vector<Channel> channels;
  friend bool operator==(const Network&, const Network&) = default;
};

/// How graph I/O is modelled.
struct NetworkOptions {
  /// MODEL 2: count graph inputs/outputs as FIFOs fed by sources / drained by sinks.
  bool stream_io = false;
};

/// Rows of the actor's outputs along the streaming axis (1 without outputs).
int64_t output_rows(const graph::Graph& graph, graph::ActorId actor);

/// The rows an actor's granularity divides into firings (MODEL 3): its output rows, or, for a
/// streaming reduction (graph::Actor::streaming_reduction), the rows of its input along the
/// streaming axis. An actor fires at most phase_rows times per inference; barriers and actors
/// whose phase rows are 1 fire exactly once. Every phase count and granularity range derives
/// from this function.
int64_t phase_rows(const graph::Graph& graph, graph::ActorId actor);

/// Clamps a requested granularity to [1, phase_rows]; barriers get phase_rows (their output
/// rows: one firing).
int64_t effective_granularity(const graph::Graph& graph, graph::ActorId actor, int64_t requested);

/// Per actor, per input port: the window of every phase row (row_windows of the port's map;
/// WholeInput for barriers; for a streaming reduction, phase row i reads input row i). They do
/// not depend on granularities, so a search that builds many networks of one graph computes
/// them once.
struct RowWindowTable {
  std::vector<std::vector<std::vector<RowRange>>> windows;  ///< [actor][input][phase row]
};

RowWindowTable row_window_table(const graph::Graph& graph);

/// The per-phase-row windows of input `input` of `actor` (one entry of row_window_table).
std::vector<RowRange> phase_row_windows(const graph::Graph& graph, graph::ActorId actor, size_t input);

/// What output `output` of `actor` writes per firing at `granularity` (clamped as
/// effective_granularity does): output_port's rows, or for a streaming reduction nothing until
/// its last firing, which writes the output row (reduction_output_port).
OutputPort actor_output_port(const graph::Graph& graph, graph::ActorId actor, size_t output, int64_t granularity);

/// Builds the network. granularity[a] is actor a's output rows per firing (clamped as
/// effective_granularity does). Nodes 0..actors-1 are the actors in graph order; sources and
/// sinks follow. Channel ids equal buffer ids.
Network build_network(const graph::Graph& graph, std::span<const int64_t> granularity,
                      const NetworkOptions& options);

/// Per actor, in graph order: the granularity / phase count of the network's actor nodes (the
/// leading kActor nodes, as build_network numbers them). The one place these per-actor vectors
/// come from: an answer holds its network, not copies of what its nodes say.
std::vector<int64_t> actor_granularities(const Network& network);
std::vector<int64_t> actor_phases(const Network& network);

/// Builds the networks of one graph for a sequence of granularity vectors, as a search does:
/// the per-row windows are computed once, and each build re-derives only the nodes of actors
/// whose effective granularity changed since the previous build (a search move changes one or
/// two), so a build costs O(changed nodes' phases) instead of O(all phases). Every network it
/// returns equals build_network's for the same granularities and options.
class NetworkBuilder {
 public:
  /// Validates `graph` once (std::invalid_argument if malformed). The graph must outlive the
  /// builder and stay unchanged.
  NetworkBuilder(const graph::Graph& graph, const NetworkOptions& options);

  /// The network for `granularity` (one entry per actor, clamped as effective_granularity
  /// does); valid until the next call.
  const Network& build(std::span<const int64_t> granularity);

 private:
  const graph::Graph& graph_;
  RowWindowTable windows_;
  Network network_;
  std::vector<int64_t> built_granularity_;  ///< effective granularity of each actor node
};

}  // namespace bufopt::dataflow
