#pragma once
/// Making the names a model carries safe to print: every report, error line and export shows
/// them, so a name must be valid UTF-8 (JSON, XML) without control characters (one-line errors,
/// CSV rows). Internal to the onnx module (includes protobuf types).
#include <string>
#include <string_view>

#include <onnx/onnx_pb.h>

namespace bufopt::onnx {

/// `text` with every byte that is not part of a valid UTF-8 sequence, and every control
/// character (C0, DEL, C1), written as the four characters "\xNN". Valid printable text is
/// returned unchanged.
std::string printable(std::string_view text);

/// True when printable(text) == text.
bool is_printable(std::string_view text);

/// Applies printable() to every name in `model` that tells tensors, nodes and graphs apart or
/// ends up in a message: graph, node, tensor and value names (subgraphs included), node op
/// types, domains and attribute names, string attributes, input dim_params and metadata.
/// The same rewriting everywhere keeps references consistent; two distinct unprintable names
/// may collide, which ends in an ImportError or a renamed tensor, never in undefined behaviour.
void make_names_printable(::onnx::ModelProto& model);

}  // namespace bufopt::onnx
