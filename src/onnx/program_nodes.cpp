#include "bufopt/onnx/program_nodes.h"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "bufopt/graph/checked_math.h"
#include "bufopt/graph/float16.h"
#include "bufopt/onnx/model_file.h"
#include "bufopt/onnx/printable_names.h"
#include "bufopt/onnx/tensor_data.h"

namespace bufopt::onnx {

namespace {

using graph::AttributeValue;
using graph::ConstantTensor;
using graph::DataType;

/// A TensorInfo with values as a ConstantTensor; without values only dtype and shape.
ConstantTensor plain_constant(const TensorInfo& tensor) {
  ConstantTensor result;
  result.dtype = tensor.dtype;
  result.shape = tensor.shape;
  if (tensor.values) {
    result.reals.reserve(tensor.values->reals.size());
    for (double value : tensor.values->reals) result.reals.push_back(static_cast<float>(value));
    result.integers = tensor.values->ints;
  }
  return result;
}

AttributeValue convert_attribute(const Attribute& attribute) {
  AttributeValue result;
  result.kind = attribute.kind;
  result.i = attribute.i;
  result.f = attribute.f;
  result.s = attribute.s;
  result.ints = attribute.ints;
  result.floats = attribute.floats;
  result.strings = attribute.strings;
  if (attribute.kind == Attribute::Kind::kTensor && attribute.tensor) {
    result.tensor = std::make_shared<const ConstantTensor>(plain_constant(*attribute.tensor));
  }
  return result;
}

bool has_numeric_values(DataType type) {
  return graph::dtype_bytes(type) > 0 && type != DataType::kComplex64 && type != DataType::kComplex128;
}

template <typename T>
void append_raw(std::string& bytes, T value) {
  char buffer[sizeof(T)];
  std::memcpy(buffer, &value, sizeof(T));  // little-endian host, as ONNX raw_data
  bytes.append(buffer, sizeof(T));
}

/// The raw_data bytes of `tensor` at its dtype.
std::string encode_raw(const ConstantTensor& tensor) {
  std::string bytes;
  if (is_floating(tensor.dtype)) {
    for (float value : tensor.reals) {
      switch (tensor.dtype) {
        case DataType::kFloat16:
          append_raw(bytes, graph::float_to_half(value));
          break;
        case DataType::kBfloat16:
          append_raw(bytes, graph::float_to_bfloat16(value));
          break;
        case DataType::kFloat64:
          append_raw(bytes, static_cast<double>(value));
          break;
        default:
          append_raw(bytes, value);
          break;
      }
    }
    return bytes;
  }
  for (int64_t value : tensor.integers) {
    switch (tensor.dtype) {
      case DataType::kInt8:
        append_raw(bytes, static_cast<int8_t>(value));
        break;
      case DataType::kUint8:
        append_raw(bytes, static_cast<uint8_t>(value));
        break;
      case DataType::kBool:
        append_raw(bytes, static_cast<uint8_t>(value != 0));
        break;
      case DataType::kInt16:
        append_raw(bytes, static_cast<int16_t>(value));
        break;
      case DataType::kUint16:
        append_raw(bytes, static_cast<uint16_t>(value));
        break;
      case DataType::kInt32:
        append_raw(bytes, static_cast<int32_t>(value));
        break;
      case DataType::kUint32:
        append_raw(bytes, static_cast<uint32_t>(value));
        break;
      case DataType::kUint64:
        append_raw(bytes, static_cast<uint64_t>(value));
        break;
      default:
        append_raw(bytes, value);
        break;
    }
  }
  return bytes;
}

}  // namespace

graph::OperatorNode to_operator_node(const OpNode& node) {
  graph::OperatorNode result;
  result.name = node.name;
  result.op_type = node.op_type;
  result.domain = node.domain;
  result.opset = node.opset;
  result.inputs = node.inputs;
  result.outputs = node.outputs;
  for (const auto& [name, attribute] : node.attributes) result.attributes[name] = convert_attribute(attribute);
  return result;
}

graph::OperatorNode to_operator_node(const OpNode& node, const ::onnx::NodeProto& proto, ExternalData& external,
                                     const ImportLimits& limits) {
  graph::OperatorNode result = to_operator_node(node);
  for (const auto& attribute : proto.attribute()) {
    if (!attribute.has_t()) continue;
    auto found = result.attributes.find(attribute.name());
    if (found == result.attributes.end() || found->second.kind != AttributeValue::Kind::kTensor) continue;
    found->second.tensor = std::make_shared<const ConstantTensor>(to_constant_tensor(attribute.t(), external, limits));
  }
  return result;
}

ConstantTensor to_constant_tensor(const ::onnx::TensorProto& tensor, ExternalData& external,
                                  const ImportLimits& limits) {
  return plain_constant(decode_tensor(tensor, external, limits, ValueDecoding::kAll));
}

std::optional<ConstantTensor> to_constant_tensor(const TensorInfo& tensor) {
  if (!tensor.shape_known || !tensor.values) return std::nullopt;
  return plain_constant(tensor);
}

NamedTensor parse_tensor_bytes(std::string_view bytes, const ImportLimits& limits) {
  if (bytes.empty()) throw TensorFileError("empty tensor file");
  ::onnx::TensorProto proto;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw TensorFileError("not a valid ONNX TensorProto (protobuf parse failed)");
  }
  const DataType type = graph::dtype_from_int(proto.data_type());
  if (!has_numeric_values(type)) {
    throw TensorFileError(fmt::format("tensor '{}' has data type {} ({}), which has no numeric values",
                                      printable(proto.name()), proto.data_type(), graph::dtype_name(type)));
  }
  if (proto.data_location() == ::onnx::TensorProto::EXTERNAL) {
    throw TensorFileError(fmt::format("tensor '{}' refers to external data", printable(proto.name())));
  }
  ExternalData no_external({}, 0);
  NamedTensor result;
  result.name = proto.name();
  try {
    result.tensor = to_constant_tensor(proto, no_external, limits);
  } catch (const TensorFileError&) {
    throw;
  } catch (const ImportError& error) {
    throw TensorFileError(error.what());
  }
  const auto held =
      static_cast<int64_t>(is_floating(type) ? result.tensor.reals.size() : result.tensor.integers.size());
  if (held != result.tensor.elements()) {
    throw TensorFileError(fmt::format("tensor '{}' holds {} elements, its shape needs {}", printable(proto.name()),
                                      held, result.tensor.elements()));
  }
  return result;
}

NamedTensor read_tensor_file(const std::filesystem::path& path, const ImportLimits& limits) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw TensorFileError("not a regular file");
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw TensorFileError("cannot be read");
  if (static_cast<int64_t>(size) > limits.max_file_bytes) {
    throw TensorFileError(
        fmt::format("file of {} bytes is larger than the limit of {} (raise it with --max-file-bytes)", size,
                    limits.max_file_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TensorFileError("cannot be opened");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != size) throw TensorFileError("cannot be read");
  return parse_tensor_bytes(bytes, limits);
}

std::string serialize_tensor(const std::string& name, const ConstantTensor& tensor) {
  if (!has_numeric_values(tensor.dtype)) {
    throw TensorFileError(fmt::format("tensor '{}' has data type {}, which has no numeric encoding", printable(name),
                                      graph::dtype_name(tensor.dtype)));
  }
  const auto held = static_cast<int64_t>(is_floating(tensor.dtype) ? tensor.reals.size() : tensor.integers.size());
  if (held != tensor.elements()) {
    throw TensorFileError(fmt::format("tensor '{}' holds {} values, its shape {} needs {}", printable(name), held,
                                      shape_string(tensor.shape), tensor.elements()));
  }
  ::onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(static_cast<int>(tensor.dtype));
  for (int64_t dim : tensor.shape) proto.add_dims(dim);
  proto.set_raw_data(encode_raw(tensor));
  return proto.SerializeAsString();
}

void write_tensor_file(const std::filesystem::path& path, const std::string& name, const ConstantTensor& tensor) {
  const std::string bytes = serialize_tensor(name, tensor);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw TensorFileError("cannot be created");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw TensorFileError("cannot be written");
}

}  // namespace bufopt::onnx
