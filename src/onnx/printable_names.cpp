#include "bufopt/onnx/printable_names.h"

#include <cstdint>

#include <fmt/format.h>

namespace bufopt::onnx {

namespace {

/// Length of the valid UTF-8 sequence starting at text[i], or 0 when the bytes there are not
/// one (truncated, overlong, a surrogate, beyond U+10FFFF, a stray continuation byte).
size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    code = (code << 6) | (byte(i + k) & 0x3Fu);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  if (overlong || surrogate || code > 0x10FFFF) return 0;
  return length;
}

/// True for a valid sequence that encodes a control character: C0, DEL or C1 (U+0080..U+009F).
bool is_control(std::string_view text, size_t i, size_t length) {
  const auto lead = static_cast<uint8_t>(text[i]);
  if (length == 1) return lead < 0x20 || lead == 0x7F;
  return length == 2 && lead == 0xC2 && static_cast<uint8_t>(text[i + 1]) < 0xA0;
}

void fix(std::string* text) {
  if (!is_printable(*text)) *text = printable(*text);
}

void fix_all(google::protobuf::RepeatedPtrField<std::string>* texts) {
  for (std::string& text : *texts) fix(&text);
}

void fix_value_info(::onnx::ValueInfoProto& info) {
  fix(info.mutable_name());
  if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return;
  for (auto& dim : *info.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()) {
    if (dim.has_dim_param()) fix(dim.mutable_dim_param());
  }
}

void fix_graph(::onnx::GraphProto& graph);

void fix_node(::onnx::NodeProto& node) {
  fix(node.mutable_name());
  fix(node.mutable_op_type());
  fix(node.mutable_domain());
  fix_all(node.mutable_input());
  fix_all(node.mutable_output());
  for (::onnx::AttributeProto& attribute : *node.mutable_attribute()) {
    fix(attribute.mutable_name());
    if (attribute.has_s()) fix(attribute.mutable_s());
    fix_all(attribute.mutable_strings());
    if (attribute.has_t()) fix(attribute.mutable_t()->mutable_name());
    if (attribute.has_g()) fix_graph(*attribute.mutable_g());
    for (::onnx::GraphProto& subgraph : *attribute.mutable_graphs()) fix_graph(subgraph);
  }
}

void fix_graph(::onnx::GraphProto& graph) {
  fix(graph.mutable_name());
  for (::onnx::ValueInfoProto& info : *graph.mutable_input()) fix_value_info(info);
  for (::onnx::ValueInfoProto& info : *graph.mutable_output()) fix_value_info(info);
  for (::onnx::ValueInfoProto& info : *graph.mutable_value_info()) fix_value_info(info);
  for (::onnx::TensorProto& tensor : *graph.mutable_initializer()) fix(tensor.mutable_name());
  for (::onnx::SparseTensorProto& sparse : *graph.mutable_sparse_initializer()) {
    fix(sparse.mutable_values()->mutable_name());
    fix(sparse.mutable_indices()->mutable_name());
  }
  for (::onnx::NodeProto& node : *graph.mutable_node()) fix_node(node);
}

}  // namespace

std::string printable(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0 || is_control(text, i, length)) {
      const size_t bytes = length == 0 ? 1 : length;
      for (size_t k = 0; k < bytes; ++k) result += fmt::format("\\x{:02X}", static_cast<uint8_t>(text[i + k]));
      i += bytes;
      continue;
    }
    result.append(text.substr(i, length));
    i += length;
  }
  return result;
}

bool is_printable(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0 || is_control(text, i, length)) return false;
    i += length;
  }
  return true;
}

void make_names_printable(::onnx::ModelProto& model) {
  fix(model.mutable_producer_name());
  for (auto& entry : *model.mutable_metadata_props()) {
    fix(entry.mutable_key());
    fix(entry.mutable_value());
  }
  for (auto& opset : *model.mutable_opset_import()) fix(opset.mutable_domain());
  if (model.has_graph()) fix_graph(*model.mutable_graph());
}

}  // namespace bufopt::onnx
