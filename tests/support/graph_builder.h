#pragma once
/// Builds small graph::Graph values directly (no ONNX) for dataflow and analysis tests.
#include <cstdint>
#include <string>
#include <vector>

#include "bufopt/graph/graph.h"

namespace bufopt::testing {

/// Appends actors and buffers in topological order. NCHW float32 tensors, streaming axis 2.
class GraphBuilder {
 public:
  /// A graph input [1, channels, rows, width].
  graph::BufferId input(const std::string& name, int64_t channels, int64_t rows, int64_t width = 1);
  /// A convolution-like sliding window along H (square kernel along W too, W keeps `width`
  /// when stride 1). Output channels `channels`; MACs computed as for a dense Conv.
  graph::BufferId conv(const std::string& name, graph::BufferId in, int64_t channels, int64_t kernel,
                       int64_t stride = 1, int64_t pad = 0, int64_t dilation = 1);
  /// Element-wise op of several same-height inputs (Add, Concat on channels when concat_channels).
  graph::BufferId elementwise(const std::string& name, const std::vector<graph::BufferId>& ins,
                              bool concat_channels = false);
  /// A barrier reading its input whole and writing `out_rows` rows.
  graph::BufferId barrier(const std::string& name, graph::BufferId in, int64_t out_rows);
  /// A streaming reduction over H (GlobalAveragePool): reads `in` row by row, writes
  /// [1, channels, 1, 1].
  graph::BufferId global_pool(const std::string& name, graph::BufferId in);
  /// A fusable unary op (Relu) reading `in`.
  graph::BufferId relu(const std::string& name, graph::BufferId in);
  /// A general actor: output of [1, channels, rows, width] and one row map per input.
  graph::BufferId actor(const std::string& name, const std::string& op_type, const std::vector<graph::BufferId>& ins,
                        const std::vector<graph::RowMap>& maps, int64_t channels, int64_t rows, int64_t width);
  /// Marks `buffer` as a graph output.
  void output(graph::BufferId buffer);
  /// The graph built so far (validated: throws std::logic_error if malformed).
  graph::Graph build() const;

  const graph::Buffer& buffer(graph::BufferId id) const { return graph_.buffers[static_cast<size_t>(id)]; }

 private:
  graph::BufferId add_buffer(const std::string& name, std::vector<int64_t> shape, graph::ActorId producer);
  graph::Graph graph_;
};

}  // namespace bufopt::testing
