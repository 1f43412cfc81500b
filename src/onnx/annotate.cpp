// A copy of a model with bufopt's metadata attached (steps in annotate.h).
#include "bufopt/onnx/annotate.h"

#include <climits>
#include <filesystem>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "bufopt/onnx/model_file.h"

namespace bufopt::onnx {

namespace fs = std::filesystem;

namespace {

/// Directory a model's external data is resolved against.
fs::path model_directory(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

bool same_directory(const std::string& input_path, const std::string& output_path) {
  std::error_code error;
  const fs::path input_dir = fs::weakly_canonical(model_directory(input_path), error);
  if (error) return false;
  const fs::path output_dir = fs::weakly_canonical(model_directory(output_path), error);
  return !error && input_dir == output_dir;
}

void replace_annotations(::onnx::ModelProto& model, const std::vector<std::pair<std::string, std::string>>& entries) {
  std::set<std::string> keys;
  for (const auto& [key, value] : entries) {
    if (!key.starts_with(kAnnotationPrefix)) throw ImportError(fmt::format("annotation key '{}' lacks the bufopt. prefix", key));
    if (!keys.insert(key).second) throw ImportError(fmt::format("annotation key '{}' appears twice", key));
  }
  auto* props = model.mutable_metadata_props();
  google::protobuf::RepeatedPtrField<::onnx::StringStringEntryProto> kept;
  for (const auto& entry : *props) {
    if (!entry.key().starts_with(kAnnotationPrefix)) *kept.Add() = entry;
  }
  props->Swap(&kept);
  for (const auto& [key, value] : entries) {
    ::onnx::StringStringEntryProto* entry = props->Add();
    entry->set_key(key);
    entry->set_value(value);
  }
}

/// Moves one externally stored tensor's bytes into the tensor itself.
void inline_tensor(::onnx::TensorProto& tensor, ExternalData& external) {
  if (tensor.data_location() != ::onnx::TensorProto::EXTERNAL) return;
  tensor.set_raw_data(external.read(external.locate(tensor, 0)));
  tensor.clear_external_data();
  tensor.set_data_location(::onnx::TensorProto::DEFAULT);
}

void inline_graph(::onnx::GraphProto& graph, ExternalData& external);

void inline_attributes(::onnx::NodeProto& node, ExternalData& external) {
  for (::onnx::AttributeProto& attribute : *node.mutable_attribute()) {
    if (attribute.has_t()) inline_tensor(*attribute.mutable_t(), external);
    for (::onnx::TensorProto& tensor : *attribute.mutable_tensors()) inline_tensor(tensor, external);
    if (attribute.has_g()) inline_graph(*attribute.mutable_g(), external);
    for (::onnx::GraphProto& subgraph : *attribute.mutable_graphs()) inline_graph(subgraph, external);
  }
}

void inline_graph(::onnx::GraphProto& graph, ExternalData& external) {
  for (::onnx::TensorProto& tensor : *graph.mutable_initializer()) inline_tensor(tensor, external);
  for (::onnx::SparseTensorProto& sparse : *graph.mutable_sparse_initializer()) {
    inline_tensor(*sparse.mutable_values(), external);
    inline_tensor(*sparse.mutable_indices(), external);
  }
  for (::onnx::NodeProto& node : *graph.mutable_node()) inline_attributes(node, external);
}

}  // namespace

std::string annotated_model_bytes(const std::string& input_path, const std::string& output_path,
                                  const std::vector<std::pair<std::string, std::string>>& entries,
                                  const ImportLimits& limits) {
  ::onnx::ModelProto model = read_model_file(input_path, limits);
  replace_annotations(model, entries);
  if (!same_directory(input_path, output_path)) {
    ExternalData external(model_directory(input_path), limits.max_external_bytes);
    inline_graph(*model.mutable_graph(), external);
  }
  if (model.ByteSizeLong() >= static_cast<size_t>(INT_MAX)) {
    throw ImportError("the annotated copy would exceed protobuf's 2 GiB limit (write it next to the input model to "
                      "keep its external data files)");
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw ImportError("cannot serialise the annotated model");
  return bytes;
}

}  // namespace bufopt::onnx
