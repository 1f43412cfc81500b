#pragma once
/// Writing a copy of an ONNX model with bufopt's result attached as model metadata.
///
/// Steps.
///  1. Read and parse the model at `input_path` (read_model_file's checks and limits).
///  2. Drop every metadata_props entry whose key starts with "bufopt." (an earlier run's), then
///     append `entries` in order. Nothing else changes: nodes, initializers, inputs, outputs,
///     value_info, opsets and every other metadata entry are kept as they are.
///  3. Tensors stored as external data: when the output lies in the input's directory the
///     references stay valid and are kept; otherwise their bytes are read (confined to the
///     model's directory, as the importer does) and stored inside the copy, so the copy does not
///     depend on where it is written. Values are never changed.
///  4. Serialise. The caller writes the bytes (atomically, never over the input).
/// Guarantees: the copy differs from the input only in metadata_props (and, in case 3, in where
/// tensor bytes are stored); it passes ::onnx::checker whenever the input does.
#include <string>
#include <utility>
#include <vector>

#include "bufopt/onnx/import.h"

namespace bufopt::onnx {

/// Prefix of every metadata key bufopt writes (the importer reads these back into
/// graph::Graph::annotations).
inline constexpr const char* kAnnotationPrefix = "bufopt.";

/// Returns the serialised copy of the model at `input_path`, to be written at `output_path`,
/// with `entries` as its "bufopt.*" metadata_props. Every key must start with
/// kAnnotationPrefix and appear once. Throws ImportError (one line, without the input path)
/// when the model cannot be read, a key is malformed or repeated, or the copy would reach
/// protobuf's 2 GiB limit.
std::string annotated_model_bytes(const std::string& input_path, const std::string& output_path,
                                  const std::vector<std::pair<std::string, std::string>>& entries,
                                  const ImportLimits& limits = {});

}  // namespace bufopt::onnx
