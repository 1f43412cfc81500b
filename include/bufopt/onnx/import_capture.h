#pragma once
/// What the importer hands import_program.cpp besides the graph: every node and every tensor it
/// read, constants with all their values. Internal to the onnx module.
#include <string>
#include <unordered_map>
#include <vector>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "bufopt/onnx/op_node.h"
#include "bufopt/onnx/streaming_axis.h"

namespace bufopt::onnx {

/// The importer's state at the end of an executable import.
struct ImportCapture {
  /// Every node of the main graph, with its unique name (graph::Actor::name and ::fused name
  /// these).
  std::vector<OpNode> nodes;
  /// Every tensor by name; constants carry all their values (ValueDecoding::kAll), folded ones
  /// too up to kMaxFoldElements.
  TensorTable tensors;
  /// Streaming axis of every activation tensor, fused-away ones included.
  std::unordered_map<std::string, int> axes;
  /// Graph inputs bound as constants from ImportOptions::input_values, in model order.
  std::vector<std::string> bound_inputs;
  /// The graph's outputs by name, in model order.
  std::vector<std::string> outputs;
};

/// import_model that decodes every constant's values and fills `capture`: slower than
/// import_model, for the executor only.
graph::Graph import_model_capturing(const std::string& path, const ImportOptions& options, ImportCapture& capture);

/// True when every node reading `name` reads it in a parameter position (import_program.h).
bool read_only_as_parameter(const std::string& name, const std::vector<OpNode>& nodes);

/// `value` as the importer's constant TensorInfo (values widened to double / int64).
TensorInfo bound_input_tensor(const graph::ConstantTensor& value);

}  // namespace bufopt::onnx
