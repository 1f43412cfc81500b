#pragma once
/// What each operator contributes to its actor (MODEL 2 and 3): how its output rows map onto the
/// rows of each activation input, whether it is a barrier or fusable, and its work.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bufopt/graph/row_map.h"
#include "bufopt/onnx/op_node.h"
#include "bufopt/onnx/tensor_info.h"

namespace bufopt::onnx {

/// One input or output port of a node as the rules see it.
struct PortView {
  std::string name;                    ///< "" for an omitted optional port
  const TensorInfo* tensor = nullptr;  ///< nullptr for an omitted optional port
  std::optional<int> axis;             ///< streaming axis (activations only)

  bool present() const { return tensor != nullptr; }
  bool activation() const { return tensor != nullptr && !tensor->constant; }
  /// Rows along the streaming axis (1 without one).
  int64_t rows() const;
};

/// A node with its ports.
struct NodeView {
  const OpNode* node = nullptr;
  std::vector<PortView> inputs;
  std::vector<PortView> outputs;
};

/// The operator's part of an actor.
struct OperatorModel {
  /// Row map per input port (meaningful for activation ports); ports of one tensor agree.
  std::vector<graph::RowMap> port_maps;
  bool barrier = false;
  std::string barrier_reason;
  /// MODEL 3: a reduction over the streaming axis consumed row by row (graph::Actor's
  /// streaming_reduction): global pooling, Reduce* over the axis, whole-height pooling.
  bool streaming_reduction = false;
  /// True when bufopt does not model the operator at all (reported in Graph::unsupported).
  bool unsupported = false;
  bool fusable = false;
  /// MODEL 4.1: may write its output into an input's storage (graph::Actor::in_place).
  bool in_place = false;
  int64_t macs = 0;
  int64_t elementwise_ops = 0;
  /// Geometry along the streaming axis (windowed operators); 0 when not applicable.
  int64_t kernel = 0;
  int64_t stride = 0;
  int64_t dilation = 0;
  int64_t pad_begin = 0;
  int64_t pad_end = 0;
  int64_t groups = 0;
};

/// Models `view`'s operator. Steps: classify the operator; compute the map of each activation
/// input port (windowed ops from ONNX's own geometry, element-wise ops with broadcasting,
/// Concat / Slice / Pad along the axis as offset windows, Resize / Upsample, DepthToSpace, layout
/// ops that keep the rows, MatMul over other axes); make it a barrier (every map WholeInput) when
/// the operator mixes rows along the streaming axis, when a port's axis does not line up with
/// the output's, when an output shape is unknown, or when outputs differ in height; mark
/// unknown operators unsupported. A reduction over the streaming axis of its one activation
/// input that writes one row (GlobalAveragePool / GlobalMaxPool / GlobalLpPool, Reduce* whose
/// axes include it, MaxPool / AveragePool / LpPool whose one output row reads every input row)
/// is a streaming reduction instead of a barrier. Work: MACs for Conv / ConvTranspose / Gemm / MatMul and their
/// integer forms, output elements for every other operator.
OperatorModel model_operator(const NodeView& view);

/// How one axis of an input relates to an axis of output 0.
struct AxisLink {
  int input_axis = 0;
  int output_axis = 0;
  /// True when output row i is input row i (same size); false when the rows are related
  /// through a window (Conv, Concat / Slice / Pad along the axis, Resize, DepthToSpace).
  bool same_rows = true;
};

/// The axes of input `port` of `view` whose rows stay apart in output 0, each with the output
/// axis holding them. An axis the operator mixes (reduces, contracts, transposes into others,
/// merges by Reshape) or broadcasts from size 1 has no link. Needs the port shapes only.
std::vector<AxisLink> axis_links(const NodeView& view, size_t port);

/// True for operators whose data input and output are NCHW-like, streaming along axis 2 (Conv,
/// ConvTranspose, pooling, global pooling, the quantised convolutions).
bool spatial_operator(const OpNode& node);

/// Every default-domain operator model_operator() models (for documentation and tests): the
/// operator table's rows that are neither unsupported nor unknown along the streaming axis.
std::vector<std::string> modelled_operators();

}  // namespace bufopt::onnx
