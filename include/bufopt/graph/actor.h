#pragma once
/// An operator of the dataflow graph (one CSDF actor), after fusion.
#include <cstdint>
#include <string>
#include <vector>

#include "bufopt/graph/ids.h"
#include "bufopt/graph/row_map.h"

namespace bufopt::graph {

/// What an actor computes and how its output rows depend on its input rows.
struct Actor {
  /// The ONNX node name, or "<op_type>_<index>" when the node is unnamed.
  std::string name;
  std::string op_type;
  /// Names of the nodes fused into this actor (MODEL 2.1), in data order.
  std::vector<std::string> fused;
  /// Activation inputs (constants and weights are not buffers), in port order. A buffer read
  /// twice by one node (Add(x, x)) appears once.
  std::vector<BufferId> inputs;
  /// input_maps[i] maps output rows onto the rows of inputs[i].
  std::vector<RowMap> input_maps;
  /// Activation outputs, all with the same number of rows.
  std::vector<BufferId> outputs;
  /// True when the actor fires once per inference (needs every input row before it runs).
  bool barrier = false;
  /// Why it is a barrier ("unsupported operator Foo", "Flatten merges rows", ...); empty if not.
  std::string barrier_reason;
  /// True for a reduction over the streaming axis that consumes its input row by row (MODEL 3:
  /// GlobalAveragePool, ReduceMean over H, ...): one activation input, one output row. Its
  /// firings count INPUT rows along the streaming axis: with granularity g, firing f reads input
  /// rows [f*g, min((f+1)*g, H_in)) and releases them, and only the last firing writes the
  /// output row. Not a barrier (barrier is false); input_maps still say what output row 0 reads
  /// (every input row).
  bool streaming_reduction = false;
  /// True for a node MODEL 2.1 allows to fuse into its producer (unary element-wise,
  /// BatchNormalization, binary element-wise with a constant operand).
  bool fusable = false;
  /// True for an element-wise operator that may write its output into the storage of an input
  /// of the output's shape (MODEL 4.1 in-place element-wise; graph::in_place_inputs says which).
  /// Whatever MODEL 2.1 fuses into it is element-wise too.
  bool in_place = false;
  /// Multiply-accumulates per inference (Conv, ConvTranspose, Gemm, MatMul and their quantised
  /// forms); 0 for other operators.
  int64_t macs = 0;
  /// Non-MAC work per inference: output elements of every non-MAC operator in the actor
  /// (fused operators included).
  int64_t elementwise_ops = 0;
  /// Bytes of the constant inputs (weights, biases, scales) this actor reads.
  int64_t parameter_bytes = 0;

  /// Geometry kept for the report (kernel/stride/dilation/pads along the streaming axis and
  /// groups); 0 when not applicable.
  int64_t kernel = 0;
  int64_t stride = 0;
  int64_t dilation = 0;
  int64_t pad_begin = 0;
  int64_t pad_end = 0;
  int64_t groups = 0;
};

}  // namespace bufopt::graph
