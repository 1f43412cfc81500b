#pragma once
/// Conversion of the model's NodeProtos into format-free OpNodes. Internal to the onnx module.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "bufopt/onnx/model_file.h"
#include "bufopt/onnx/op_node.h"
#include "bufopt/onnx/tensor_data.h"

namespace bufopt::onnx {

/// Opset version per domain ("" for the default domain; "ai.onnx" is folded into "").
using OpsetMap = std::map<std::string, int64_t>;

/// The opset imports of `model`.
OpsetMap opset_versions(const ::onnx::ModelProto& model);

/// Converts `node`, the `index`-th of the main graph, into an OpNode: attributes copied
/// (tensors decoded through `external`), names read by its subgraphs from the enclosing scope
/// collected. The name is the node's own (assign_unique_names() completes it). `decoding`
/// says which tensor attributes get their values (all: the executor's Constant weights).
OpNode make_op_node(const ::onnx::NodeProto& node, int index, const OpsetMap& opsets, ExternalData& external,
                    const ImportLimits& limits, ValueDecoding decoding = ValueDecoding::kSmallOnly);

/// Names every node: its own name, or "<op_type>_<index>" when it has none; a name already
/// taken gets the first free suffix "_2", "_3", ...
void assign_unique_names(std::vector<OpNode>& nodes);

}  // namespace bufopt::onnx
