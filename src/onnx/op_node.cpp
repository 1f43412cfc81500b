#include "bufopt/onnx/op_node.h"

#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "bufopt/onnx/import.h"
#include "bufopt/onnx/proto_nodes.h"
#include "bufopt/onnx/tensor_data.h"

namespace bufopt::onnx {

namespace {

const char* kind_name(Attribute::Kind kind) {
  switch (kind) {
    case Attribute::Kind::kInt:
      return "an int";
    case Attribute::Kind::kFloat:
      return "a float";
    case Attribute::Kind::kString:
      return "a string";
    case Attribute::Kind::kInts:
      return "ints";
    case Attribute::Kind::kFloats:
      return "floats";
    case Attribute::Kind::kStrings:
      return "strings";
    case Attribute::Kind::kTensor:
      return "a tensor";
    case Attribute::Kind::kGraph:
      return "a graph";
    case Attribute::Kind::kOther:
      break;
  }
  return "of another type";
}

}  // namespace

const Attribute* OpNode::find_attribute(const std::string& attribute, Attribute::Kind kind) const {
  const auto found = attributes.find(attribute);
  if (found == attributes.end()) return nullptr;
  const Attribute::Kind actual = found->second.kind;
  // An int where a float is expected is lossless, and an attribute of a type bufopt does not
  // read (kOther) has empty fields; every other mismatch is a malformed node.
  if (actual == kind || actual == Attribute::Kind::kOther ||
      (kind == Attribute::Kind::kFloat && actual == Attribute::Kind::kInt)) {
    return &found->second;
  }
  throw ImportError(fmt::format("node {}: attribute '{}' is {}, expected {}", describe(), attribute, kind_name(actual),
                                kind_name(kind)));
}

int64_t OpNode::int_attr(const std::string& attribute, int64_t fallback) const {
  const Attribute* found = find_attribute(attribute, Attribute::Kind::kInt);
  return found == nullptr ? fallback : found->i;
}

double OpNode::float_attr(const std::string& attribute, double fallback) const {
  const Attribute* found = find_attribute(attribute, Attribute::Kind::kFloat);
  if (found == nullptr) return fallback;
  return found->kind == Attribute::Kind::kInt ? static_cast<double>(found->i) : found->f;
}

std::string OpNode::string_attr(const std::string& attribute, const std::string& fallback) const {
  const Attribute* found = find_attribute(attribute, Attribute::Kind::kString);
  return found == nullptr ? fallback : found->s;
}

std::vector<int64_t> OpNode::ints_attr(const std::string& attribute, std::vector<int64_t> fallback) const {
  const Attribute* found = find_attribute(attribute, Attribute::Kind::kInts);
  return found == nullptr ? fallback : found->ints;
}

std::vector<double> OpNode::floats_attr(const std::string& attribute, std::vector<double> fallback) const {
  const Attribute* found = find_attribute(attribute, Attribute::Kind::kFloats);
  return found == nullptr ? fallback : found->floats;
}

const std::string& OpNode::input(size_t i) const {
  static const std::string kAbsent;
  return i < inputs.size() ? inputs[i] : kAbsent;
}

std::string OpNode::describe() const {
  return fmt::format("'{}' ({})", name, op_type);
}

namespace {

/// Adds to `reads` the names a subgraph reads that it does not define itself.
void collect_outer_reads(const ::onnx::GraphProto& graph, std::set<std::string>& reads) {
  std::unordered_set<std::string> defined;
  for (const auto& input : graph.input()) defined.insert(input.name());
  for (const auto& init : graph.initializer()) defined.insert(init.name());
  for (const auto& node : graph.node()) {
    for (const auto& output : node.output()) defined.insert(output);
  }
  std::set<std::string> inner;
  for (const auto& node : graph.node()) {
    for (const auto& input : node.input()) {
      if (!input.empty()) inner.insert(input);
    }
    for (const auto& attribute : node.attribute()) {
      if (attribute.has_g()) collect_outer_reads(attribute.g(), inner);
      for (const auto& sub : attribute.graphs()) collect_outer_reads(sub, inner);
    }
  }
  for (const auto& name : inner) {
    if (!defined.count(name)) reads.insert(name);
  }
}

/// The declared type of `proto`, or for an attribute without one (IR version 1 had no type
/// field) the type of the one value field it sets; UNDEFINED when that is not clear.
::onnx::AttributeProto::AttributeType attribute_type(const ::onnx::AttributeProto& proto) {
  using A = ::onnx::AttributeProto;
  if (proto.type() != A::UNDEFINED) return proto.type();
  if (proto.has_i()) return A::INT;
  if (proto.has_f()) return A::FLOAT;
  if (proto.has_s()) return A::STRING;
  if (proto.has_t()) return A::TENSOR;
  if (proto.has_g()) return A::GRAPH;
  if (proto.ints_size() > 0) return A::INTS;
  if (proto.floats_size() > 0) return A::FLOATS;
  if (proto.strings_size() > 0) return A::STRINGS;
  if (proto.graphs_size() > 0) return A::GRAPHS;
  return A::UNDEFINED;
}

Attribute convert_attribute(const ::onnx::AttributeProto& proto, ExternalData& external, const ImportLimits& limits,
                            ValueDecoding decoding) {
  Attribute attribute;
  using A = ::onnx::AttributeProto;
  switch (attribute_type(proto)) {
    case A::INT:
      attribute.kind = Attribute::Kind::kInt;
      attribute.i = proto.i();
      break;
    case A::FLOAT:
      attribute.kind = Attribute::Kind::kFloat;
      attribute.f = proto.f();
      break;
    case A::STRING:
      attribute.kind = Attribute::Kind::kString;
      attribute.s = proto.s();
      break;
    case A::INTS:
      attribute.kind = Attribute::Kind::kInts;
      attribute.ints.assign(proto.ints().begin(), proto.ints().end());
      break;
    case A::FLOATS:
      attribute.kind = Attribute::Kind::kFloats;
      attribute.floats.assign(proto.floats().begin(), proto.floats().end());
      break;
    case A::STRINGS:
      attribute.kind = Attribute::Kind::kStrings;
      attribute.strings.assign(proto.strings().begin(), proto.strings().end());
      break;
    case A::TENSOR:
      attribute.kind = Attribute::Kind::kTensor;
      attribute.tensor = std::make_shared<const TensorInfo>(decode_tensor(proto.t(), external, limits, decoding));
      break;
    case A::GRAPH:
    case A::GRAPHS:
      attribute.kind = Attribute::Kind::kGraph;
      break;
    default:
      break;
  }
  return attribute;
}


}  // namespace

OpsetMap opset_versions(const ::onnx::ModelProto& model) {
  OpsetMap opsets;
  for (const auto& entry : model.opset_import()) {
    const std::string domain = entry.domain() == "ai.onnx" ? "" : entry.domain();
    opsets[domain] = entry.version();
  }
  // IR versions before 3 had no opset_import: their operators are opset 1.
  if (model.opset_import_size() == 0) opsets[""] = 1;
  return opsets;
}

OpNode make_op_node(const ::onnx::NodeProto& node, int index, const OpsetMap& opsets, ExternalData& external,
                    const ImportLimits& limits, ValueDecoding decoding) {
  OpNode result;
  result.name = node.name();
  result.op_type = node.op_type();
  result.domain = node.domain() == "ai.onnx" ? "" : node.domain();
  const auto opset = opsets.find(result.domain);
  result.opset = opset == opsets.end() ? 0 : opset->second;
  result.index = index;
  result.inputs.assign(node.input().begin(), node.input().end());
  result.outputs.assign(node.output().begin(), node.output().end());
  std::set<std::string> outer;
  for (const auto& attribute : node.attribute()) {
    result.attributes[attribute.name()] = convert_attribute(attribute, external, limits, decoding);
    if (attribute.has_g()) collect_outer_reads(attribute.g(), outer);
    for (const auto& sub : attribute.graphs()) collect_outer_reads(sub, outer);
  }
  result.outer_scope_inputs.assign(outer.begin(), outer.end());
  return result;
}

void assign_unique_names(std::vector<OpNode>& nodes) {
  std::unordered_set<std::string> taken;
  // The next suffix to try per base name: a hostile model repeating one name n times then costs
  // O(n), not O(n^2) suffix probes.
  std::unordered_map<std::string, int> next_suffix;
  for (OpNode& node : nodes) {
    std::string base = node.name.empty() ? fmt::format("{}_{}", node.op_type, node.index) : node.name;
    std::string name = base;
    if (taken.count(name)) {
      int& suffix = next_suffix.try_emplace(base, 2).first->second;
      do {
        name = fmt::format("{}_{}", base, suffix++);
      } while (taken.count(name));
    }
    taken.insert(name);
    node.name = std::move(name);
  }
}

}  // namespace bufopt::onnx
