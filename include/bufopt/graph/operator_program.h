#pragma once
/// What each actor computes, node by node, with its constants as plain arrays: what the
/// importer hands the executor (which knows no protobuf). The analysis never needs it.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bufopt/graph/dtype.h"

namespace bufopt::graph {

/// A constant tensor (weight, bias, scale, folded shape value) as plain values.
struct ConstantTensor {
  DataType dtype = DataType::kUnknown;
  std::vector<int64_t> shape;  ///< [] for a scalar
  /// Elements of a floating tensor (float16/32/64, bfloat16), converted to float; empty otherwise.
  std::vector<float> reals;
  /// Elements of an integer or bool tensor, widened; empty otherwise.
  std::vector<int64_t> integers;

  /// Elements the shape holds (1 for a scalar); saturates at INT64_MAX.
  int64_t elements() const;
  friend bool operator==(const ConstantTensor&, const ConstantTensor&) = default;
};

/// What an ONNX attribute holds; kGraph: a subgraph (If/Loop/Scan bodies), not decoded.
enum class AttributeKind { kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor, kGraph, kOther };

/// One attribute of an ONNX node; the field in use follows `kind`. The one representation of
/// an attribute, over how a tensor attribute is held: decoded with its dtype and shape facts in
/// the importer (onnx::Attribute), as plain values for the executor (AttributeValue).
template <typename Tensor>
struct BasicAttribute {
  using Kind = AttributeKind;
  Kind kind = Kind::kOther;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
  std::shared_ptr<const Tensor> tensor;  ///< kTensor
};

/// An attribute as the executor reads it.
using AttributeValue = BasicAttribute<ConstantTensor>;

/// Static facts about one tensor a node reads or writes.
struct ValueInfo {
  DataType dtype = DataType::kUnknown;
  std::vector<int64_t> shape;
  /// Axis streamed row by row (as graph::Buffer::streaming_axis); nullopt: one token.
  std::optional<int> streaming_axis;
};

/// One ONNX node as the executor runs it.
struct OperatorNode {
  std::string name;
  std::string op_type;
  std::string domain;  ///< "" for the default ONNX domain
  int64_t opset = 0;   ///< version of `domain` the model imports
  std::map<std::string, AttributeValue> attributes;
  /// Tensor names; "" marks an omitted optional input. A name is a graph buffer (an
  /// activation), a key of ModelProgram::constants, or an output of an earlier node of the
  /// same actor (a tensor fusion removed from the graph).
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

/// The nodes of one actor in data order: its own node, then the nodes fused into it (MODEL 2.1).
struct ActorProgram {
  std::vector<OperatorNode> nodes;
};

/// Everything the executor needs beyond the graph.
struct ModelProgram {
  std::vector<ActorProgram> actors;  ///< parallel to Graph::actors
  /// Every constant a node reads, by tensor name, with its full values.
  std::map<std::string, ConstantTensor> constants;
  /// Shape, dtype and streaming axis of every non-constant tensor a node reads or writes
  /// (graph buffers and tensors internal to fused actors), by name.
  std::map<std::string, ValueInfo> values;
  /// Graph outputs the importer folded to constants (Shape, Size, Constant...), in model order;
  /// each is in `constants`. They have no buffer: the executor returns their values as they are.
  std::vector<std::string> constant_outputs;
};

}  // namespace bufopt::graph
