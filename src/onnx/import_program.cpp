#include "bufopt/onnx/import_program.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "bufopt/onnx/import_capture.h"
#include "bufopt/onnx/program_nodes.h"

namespace bufopt::onnx {

namespace {

/// Input ports of each default-domain operator that hold parameters (weights, statistics,
/// bounds, shapes), never activations worth streaming.
const std::map<std::string, std::set<size_t>>& parameter_ports() {
  static const std::map<std::string, std::set<size_t>> kPorts = {
      {"Conv", {1, 2}},
      {"ConvTranspose", {1, 2}},
      {"BatchNormalization", {1, 2, 3, 4}},
      {"InstanceNormalization", {1, 2}},
      {"LayerNormalization", {1, 2}},
      {"PRelu", {1}},
      {"Clip", {1, 2}},
      {"Resize", {1, 2, 3}},
      {"Upsample", {1}},
      {"Reshape", {1}},
      {"Expand", {1}},
      {"Tile", {1}},
      {"Pad", {1, 2, 3}},
      {"Slice", {1, 2, 3, 4}},
      {"Split", {1}},
      {"Squeeze", {1}},
      {"Unsqueeze", {1}},
      {"ReduceMean", {1}},
      {"ReduceMax", {1}},
      {"ReduceMin", {1}},
      {"ReduceSum", {1}},
      {"ReduceProd", {1}},
      {"ReduceL1", {1}},
      {"ReduceL2", {1}},
      {"ReduceLogSum", {1}},
      {"ReduceLogSumExp", {1}},
      {"ReduceSumSquare", {1}},
      {"QuantizeLinear", {1, 2}},
      {"DequantizeLinear", {1, 2}},
      {"Gemm", {1, 2}},
  };
  return kPorts;
}

/// The node named `name` among `nodes` (names are unique after assign_unique_names).
const OpNode& node_named(const std::unordered_map<std::string, const OpNode*>& by_name, const std::string& name) {
  const auto found = by_name.find(name);
  if (found == by_name.end()) throw std::logic_error(fmt::format("actor '{}' has no node", name));
  return *found->second;
}

/// Builds the program from the importer's state.
class ProgramBuilder {
 public:
  ProgramBuilder(const graph::Graph& graph, const ImportCapture& capture) : graph_(graph), capture_(capture) {
    for (const OpNode& node : capture.nodes) by_name_[node.name] = &node;
  }

  graph::ModelProgram build() {
    for (const graph::Actor& actor : graph_.actors) {
      graph::ActorProgram actor_program;
      add_node(node_named(by_name_, actor.name), actor_program);
      for (const std::string& fused : actor.fused) add_node(node_named(by_name_, fused), actor_program);
      program_.actors.push_back(std::move(actor_program));
    }
    for (const std::string& name : capture_.outputs) {
      const auto found = capture_.tensors.find(name);
      if (found == capture_.tensors.end() || !found->second.constant) continue;
      add_tensor(name);
      if (std::find(program_.constant_outputs.begin(), program_.constant_outputs.end(), name) ==
          program_.constant_outputs.end()) {
        program_.constant_outputs.push_back(name);
      }
    }
    return std::move(program_);
  }

 private:
  void add_node(const OpNode& node, graph::ActorProgram& actor_program) {
    for (const std::string& name : node.inputs) add_tensor(name);
    for (const std::string& name : node.outputs) add_tensor(name);
    actor_program.nodes.push_back(to_operator_node(node));
  }

  void add_tensor(const std::string& name) {
    if (name.empty() || program_.constants.count(name) || program_.values.count(name)) return;
    const auto found = capture_.tensors.find(name);
    if (found == capture_.tensors.end()) return;  // an output nobody defined a shape for
    const TensorInfo& tensor = found->second;
    if (tensor.constant) {
      std::optional<graph::ConstantTensor> constant = to_constant_tensor(tensor);
      if (!constant) {
        // No values: the executor refuses a node reading it (never a wrong answer).
        constant.emplace();
        constant->dtype = tensor.dtype;
        constant->shape = tensor.shape;
      }
      program_.constants.emplace(name, std::move(*constant));
      return;
    }
    if (!tensor.shape_known) return;  // the executor refuses a node without the value info
    graph::ValueInfo info;
    info.dtype = tensor.dtype;
    info.shape = tensor.shape;
    const auto axis = capture_.axes.find(name);
    if (axis != capture_.axes.end()) info.streaming_axis = axis->second;
    program_.values.emplace(name, std::move(info));
  }

  const graph::Graph& graph_;
  const ImportCapture& capture_;
  std::unordered_map<std::string, const OpNode*> by_name_;
  graph::ModelProgram program_;
};

/// The streaming axes of the program's values must be the graph buffers' (the planner's).
void align_buffer_axes(const graph::Graph& graph, graph::ModelProgram& program) {
  for (const graph::Buffer& buffer : graph.buffers) {
    const auto found = program.values.find(buffer.name);
    if (found == program.values.end()) continue;
    found->second.streaming_axis = buffer.streaming_axis;
  }
}

}  // namespace

bool read_only_as_parameter(const std::string& name, const std::vector<OpNode>& nodes) {
  bool read = false;
  for (const OpNode& node : nodes) {
    for (size_t port = 0; port < node.inputs.size(); ++port) {
      if (node.inputs[port] != name) continue;
      read = true;
      if (!node.domain.empty()) return false;
      const auto ports = parameter_ports().find(node.op_type);
      if (ports == parameter_ports().end() || !ports->second.count(port)) return false;
    }
  }
  return read;
}

TensorInfo bound_input_tensor(const graph::ConstantTensor& value) {
  Values values;
  if (is_floating(value.dtype)) {
    values.reals.assign(value.reals.begin(), value.reals.end());
  } else {
    values.ints = value.integers;
  }
  return constant_tensor(value.dtype, value.shape, std::move(values));
}

ExecutableModel import_executable_model(const std::string& path, const ImportOptions& options) {
  ImportCapture capture;
  ExecutableModel model;
  model.graph = import_model_capturing(path, options, capture);
  model.program = ProgramBuilder(model.graph, capture).build();
  align_buffer_axes(model.graph, model.program);
  model.bound_inputs = std::move(capture.bound_inputs);
  return model;
}

}  // namespace bufopt::onnx
