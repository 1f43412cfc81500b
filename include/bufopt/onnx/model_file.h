#pragma once
/// Reading an ONNX model file and the external data files its tensors point to. Internal to the
/// onnx module (includes protobuf types).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <onnx/onnx_pb.h>

#include "bufopt/onnx/import.h"

namespace bufopt::onnx {

/// Reads and parses the model at `path`.
/// Steps: check that the file exists, is a regular file, is not empty and is within
/// limits.max_file_bytes; read it whole; parse it through a CodedInputStream whose total-bytes
/// limit is raised to the file size (protobuf's default stops at 64 MiB); check what every later
/// step relies on (an IR version, a main graph, an opset import).
/// Throws ImportError with a one-line message without the path.
::onnx::ModelProto read_model_file(const std::filesystem::path& path, const ImportLimits& limits);

/// Parses a model held in memory with read_model_file's checks (size limit, structure).
/// Throws ImportError with a one-line message.
::onnx::ModelProto parse_model_bytes(std::string_view bytes, const ImportLimits& limits);

/// Where the bytes of one externally stored tensor are.
struct ExternalLocation {
  std::filesystem::path file;
  int64_t offset = 0;
  int64_t length = 0;
};

/// Resolves tensors stored as external data, confined to the model's own directory.
/// A location must be relative, contain no "..", and resolve (symlinks followed) to a regular
/// file inside the directory; offset and length must lie within that file; the lengths of all
/// tensors resolved through one ExternalData must stay within `max_total_bytes`.
class ExternalData {
 public:
  ExternalData(const std::filesystem::path& model_dir, int64_t max_total_bytes);

  /// Checks the external reference of `tensor` (which needs `expected_bytes` bytes) and returns
  /// where its bytes are. Throws ImportError when the reference is refused.
  ExternalLocation locate(const ::onnx::TensorProto& tensor, int64_t expected_bytes);
  /// Reads the bytes at `location`. Throws ImportError on a read failure.
  std::string read(const ExternalLocation& location) const;

 private:
  std::filesystem::path model_dir_;
  int64_t max_total_bytes_;
  int64_t total_bytes_ = 0;
};

}  // namespace bufopt::onnx
