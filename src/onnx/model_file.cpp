#include "bufopt/onnx/model_file.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <optional>
#include <system_error>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "bufopt/graph/checked_math.h"
#include "bufopt/onnx/printable_names.h"

namespace bufopt::onnx {

namespace fs = std::filesystem;

namespace {

std::string read_whole_file(const fs::path& path, int64_t size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImportError(fmt::format("cannot open file ({})", std::strerror(errno)));
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size)) throw ImportError("cannot read file (short read)");
  return bytes;
}

void check_model_size(int64_t size, const ImportLimits& limits) {
  if (size == 0) throw ImportError("file is empty");
  if (size > limits.max_file_bytes) {
    throw ImportError(fmt::format("file has {} bytes, more than the limit of {} (raise it with --max-file-bytes)",
                                  size, limits.max_file_bytes));
  }
  // Protobuf cannot parse a message of 2 GiB or more.
  if (size >= INT_MAX) throw ImportError("file is too large for protobuf (2 GiB or more)");
}

int64_t checked_file_size(const fs::path& path, const ImportLimits& limits) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) throw ImportError("cannot open file (no such file)");
  if (fs::is_directory(status)) throw ImportError("cannot open file (it is a directory)");
  if (!fs::is_regular_file(status)) throw ImportError("cannot open file (not a regular file)");
  const auto size = static_cast<int64_t>(fs::file_size(path, error));
  if (error) throw ImportError(fmt::format("cannot read file ({})", error.message()));
  check_model_size(size, limits);
  return size;
}

void check_model_structure(const ::onnx::ModelProto& model) {
  if (model.ir_version() <= 0) throw ImportError("not a valid ONNX model (no IR version)");
  if (!model.has_graph()) throw ImportError("not a valid ONNX model (no graph)");
  // IR version 3 introduced opset_import; a model without one names no operator set.
  if (model.ir_version() >= 3 && model.opset_import_size() == 0) {
    throw ImportError("not a valid ONNX model (no opset import)");
  }
  if (model.graph().output_size() == 0) throw ImportError("graph has no outputs");
}

/// A non-negative decimal integer that fits int64 (the whole text), or nullopt.
std::optional<int64_t> parse_byte_count(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto tens = graph::checked_mul(value, 10);
    const auto next = tens ? graph::checked_add(*tens, c - '0') : std::nullopt;
    if (!next) return std::nullopt;
    value = *next;
  }
  return value;
}

/// True when `path` (already resolved) lies inside `dir` (already resolved).
bool inside(const fs::path& path, const fs::path& dir) {
  const fs::path relative = path.lexically_relative(dir);
  if (relative.empty()) return false;
  const auto first = *relative.begin();
  return first != ".." && first != ".";
}

}  // namespace

::onnx::ModelProto read_model_file(const fs::path& path, const ImportLimits& limits) {
  const int64_t size = checked_file_size(path, limits);
  return parse_model_bytes(read_whole_file(path, size), limits);
}

::onnx::ModelProto parse_model_bytes(std::string_view bytes, const ImportLimits& limits) {
  check_model_size(static_cast<int64_t>(bytes.size()), limits);
  google::protobuf::io::ArrayInputStream array(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&array);
  coded.SetTotalBytesLimit(INT_MAX);
  ::onnx::ModelProto model;
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    throw ImportError("not a valid ONNX model (protobuf parse failed)");
  }
  check_model_structure(model);
  return model;
}

ExternalData::ExternalData(const fs::path& model_dir, int64_t max_total_bytes) : max_total_bytes_(max_total_bytes) {
  std::error_code error;
  model_dir_ = fs::weakly_canonical(model_dir.empty() ? fs::path(".") : model_dir, error);
  if (error) model_dir_ = model_dir;
}

ExternalLocation ExternalData::locate(const ::onnx::TensorProto& tensor, int64_t expected_bytes) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == "location") location = entry.value();
    if (entry.key() != "offset" && entry.key() != "length") continue;
    const auto value = parse_byte_count(entry.value());
    if (!value) {
      throw ImportError(fmt::format("external data of tensor '{}' has a malformed {} '{}'", printable(tensor.name()),
                                    entry.key(), printable(entry.value())));
    }
    (entry.key() == "offset" ? offset : length) = *value;
  }
  // Messages quote the location and names printable (one line, valid UTF-8).
  const std::string shown = printable(location);
  const std::string tensor_name = printable(tensor.name());
  if (location.empty()) throw ImportError(fmt::format("external data of tensor '{}' names no file", tensor_name));
  const fs::path relative(location);
  bool climbs = false;
  for (const auto& part : relative) climbs = climbs || part == "..";
  if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory() || climbs) {
    throw ImportError(fmt::format("external data '{}' leaves the model directory", shown));
  }
  std::error_code error;
  const fs::path resolved = fs::canonical(model_dir_ / relative, error);
  if (error)
    throw ImportError(fmt::format("external data '{}' of tensor '{}' cannot be found", shown, tensor_name));
  // Symlinks are resolved by canonical(): the target itself must stay inside the directory.
  if (!inside(resolved, model_dir_)) {
    throw ImportError(fmt::format("external data '{}' leaves the model directory", shown));
  }
  if (!fs::is_regular_file(resolved, error)) {
    throw ImportError(fmt::format("external data '{}' is not a regular file", shown));
  }
  const auto file_bytes = static_cast<int64_t>(fs::file_size(resolved, error));
  if (error) throw ImportError(fmt::format("external data '{}' cannot be read", shown));
  if (offset < 0 || offset > file_bytes) {
    throw ImportError(fmt::format("external data '{}' of tensor '{}': offset {} is beyond the file ({} bytes)",
                                  shown, tensor_name, offset, file_bytes));
  }
  if (length < 0) length = file_bytes - offset;
  const auto end = graph::checked_add(offset, length);
  if (!end || *end > file_bytes) {
    throw ImportError(
        fmt::format("external data '{}' of tensor '{}': offset {} + length {} is beyond the file ({} bytes)", shown,
                    tensor_name, offset, length, file_bytes));
  }
  if (length < expected_bytes) {
    throw ImportError(fmt::format("external data of tensor '{}' has {} bytes, its shape needs {}", tensor_name,
                                  length, expected_bytes));
  }
  const auto total = graph::checked_add(total_bytes_, length);
  if (!total || *total > max_total_bytes_) {
    throw ImportError(fmt::format("external data exceeds the limit of {} bytes (raise it with --max-external-bytes)",
                                  max_total_bytes_));
  }
  total_bytes_ = *total;
  return {resolved, offset, length};
}

std::string ExternalData::read(const ExternalLocation& location) const {
  std::ifstream in(location.file, std::ios::binary);
  if (!in) throw ImportError(fmt::format("external data '{}' cannot be opened", location.file.filename().string()));
  in.seekg(static_cast<std::streamoff>(location.offset));
  std::string bytes(static_cast<size_t>(location.length), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(location.length));
  if (in.gcount() != static_cast<std::streamsize>(location.length)) {
    throw ImportError(fmt::format("external data '{}' cannot be read", location.file.filename().string()));
  }
  return bytes;
}

}  // namespace bufopt::onnx
