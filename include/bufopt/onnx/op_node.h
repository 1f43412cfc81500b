#pragma once
/// One operator node in a format-free form, as the importer's rules read it.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bufopt/graph/operator_program.h"
#include "bufopt/onnx/tensor_info.h"

namespace bufopt::onnx {

/// One attribute value of a node as the importer's rules read it (a tensor attribute decoded,
/// e.g. Constant's value, ConstantOfShape's value).
using Attribute = graph::BasicAttribute<TensorInfo>;

/// One node of the main graph.
struct OpNode {
  /// Actor name: the node name, or "<op_type>_<index>" when unnamed; unique in the graph.
  std::string name;
  std::string op_type;
  /// Operator domain; "" for the default ONNX domain ("ai.onnx" is stored as "").
  std::string domain;
  /// Version of `domain` the model imports (0 when it imports none).
  int64_t opset = 0;
  /// Position in the model's node list.
  int index = 0;
  /// Input tensor names; "" marks an omitted optional input.
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attributes;
  /// Names read by subgraphs (If/Loop/Scan bodies) from the enclosing graph.
  std::vector<std::string> outer_scope_inputs;

  bool has(const std::string& attribute) const { return attributes.count(attribute) != 0; }
  /// The typed accessors return `fallback` when the attribute is absent and throw ImportError
  /// naming the node when it has another type (an int is accepted where a float is expected;
  /// a kOther attribute reads as its empty fields).
  int64_t int_attr(const std::string& attribute, int64_t fallback) const;
  double float_attr(const std::string& attribute, double fallback) const;
  std::string string_attr(const std::string& attribute, const std::string& fallback) const;
  std::vector<int64_t> ints_attr(const std::string& attribute, std::vector<int64_t> fallback = {}) const;
  std::vector<double> floats_attr(const std::string& attribute, std::vector<double> fallback = {}) const;
  /// The `i`-th input name, or "" when absent.
  const std::string& input(size_t i) const;
  /// "'name' (OpType)" for messages.
  std::string describe() const;

 private:
  /// The attribute named `attribute` when it has `kind`; nullptr when absent; throws
  /// ImportError when it has another kind.
  const Attribute* find_attribute(const std::string& attribute, Attribute::Kind kind) const;
};

}  // namespace bufopt::onnx
