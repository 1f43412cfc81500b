#include "bufopt/execute/npy_file.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bufopt/graph/checked_math.h"
#include "bufopt/graph/float16.h"

namespace bufopt::execute {

namespace {

using graph::DataType;

constexpr std::string_view kMagic = "\x93NUMPY";

/// The NumPy type code of each dtype bufopt reads and writes.
struct TypeCode {
  DataType dtype;
  std::string_view code;
};
constexpr TypeCode kTypeCodes[] = {
    {DataType::kFloat32, "<f4"}, {DataType::kFloat16, "<f2"}, {DataType::kFloat64, "<f8"},
    {DataType::kInt8, "|i1"},    {DataType::kUint8, "|u1"},   {DataType::kInt16, "<i2"},
    {DataType::kUint16, "<u2"},  {DataType::kInt32, "<i4"},   {DataType::kInt64, "<i8"},
    {DataType::kBool, "|b1"},
};

std::optional<DataType> dtype_of_code(std::string code) {
  // One-byte types have no byte order; NumPy writes '|' but '<' and '=' mean the same.
  if (code.size() == 3 && code[2] == '1' && (code[0] == '<' || code[0] == '=')) code[0] = '|';
  if (code.size() == 3 && code[0] == '=') code[0] = '<';  // native order on a little-endian host
  for (const TypeCode& entry : kTypeCodes) {
    if (entry.code == code) return entry.dtype;
  }
  return std::nullopt;
}

std::optional<std::string_view> code_of_dtype(DataType dtype) {
  for (const TypeCode& entry : kTypeCodes) {
    if (entry.dtype == dtype) return entry.code;
  }
  return std::nullopt;
}

bool is_real(DataType dtype) {
  return dtype == DataType::kFloat32 || dtype == DataType::kFloat16 || dtype == DataType::kFloat64;
}

/// The text after `'key':` in the header dict, with leading spaces skipped.
std::string_view value_after(std::string_view header, std::string_view key) {
  const std::string quoted = fmt::format("'{}'", key);
  size_t at = header.find(quoted);
  if (at == std::string_view::npos) throw NpyError(fmt::format("header has no '{}'", key));
  at = header.find(':', at + quoted.size());
  if (at == std::string_view::npos) throw NpyError(fmt::format("header has no value for '{}'", key));
  ++at;
  while (at < header.size() && header[at] == ' ') ++at;
  return header.substr(at);
}

std::string parse_descr(std::string_view header) {
  const std::string_view value = value_after(header, "descr");
  if (value.empty() || (value[0] != '\'' && value[0] != '"')) throw NpyError("header 'descr' is not a simple type code");
  const size_t end = value.find(value[0], 1);
  if (end == std::string_view::npos) throw NpyError("header 'descr' is not terminated");
  return std::string(value.substr(1, end - 1));
}

bool parse_fortran_order(std::string_view header) {
  const std::string_view value = value_after(header, "fortran_order");
  if (value.starts_with("False")) return false;
  if (value.starts_with("True")) return true;
  throw NpyError("header 'fortran_order' is neither True nor False");
}

std::vector<int64_t> parse_shape(std::string_view header) {
  const std::string_view value = value_after(header, "shape");
  if (value.empty() || value[0] != '(') throw NpyError("header 'shape' is not a tuple");
  const size_t end = value.find(')');
  if (end == std::string_view::npos) throw NpyError("header 'shape' is not terminated");
  std::vector<int64_t> shape;
  const std::string_view inside = value.substr(1, end - 1);
  size_t at = 0;
  while (at < inside.size()) {
    while (at < inside.size() && (inside[at] == ' ' || inside[at] == ',')) ++at;
    if (at >= inside.size()) break;
    int64_t dim = 0;
    size_t digits = 0;
    while (at < inside.size() && inside[at] >= '0' && inside[at] <= '9') {
      const auto next = graph::checked_add(graph::checked_mul(dim, 10).value_or(-1), inside[at] - '0');
      if (!next || *next < 0) throw NpyError("header 'shape' has a dim beyond 64 bits");
      dim = *next;
      ++at;
      ++digits;
    }
    if (digits == 0) throw NpyError("header 'shape' holds something other than dims");
    shape.push_back(dim);
  }
  return shape;
}

template <typename T>
T load(const char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

template <typename T>
void append(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

}  // namespace

graph::ConstantTensor parse_npy(std::string_view bytes) {
  if (bytes.size() < 10 || bytes.substr(0, kMagic.size()) != kMagic) throw NpyError("not a .npy file (bad magic)");
  const auto major = static_cast<unsigned char>(bytes[6]);
  size_t header_length = 0;
  size_t header_start = 0;
  if (major == 1) {
    header_length = load<uint16_t>(bytes.data() + 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw NpyError("truncated .npy header");
    header_length = load<uint32_t>(bytes.data() + 8);
    header_start = 12;
  } else {
    throw NpyError(fmt::format(".npy format version {} is not supported (1 to 3 are)", major));
  }
  if (header_start + header_length > bytes.size()) throw NpyError("truncated .npy header");
  const std::string_view header = bytes.substr(header_start, header_length);
  const std::string descr = parse_descr(header);
  const std::optional<DataType> dtype = dtype_of_code(descr);
  if (!dtype) throw NpyError(fmt::format("dtype '{}' is not supported (little-endian float16/32/64, int8/16/32/64, uint8/16, bool)", descr));
  if (parse_fortran_order(header)) throw NpyError("Fortran-order arrays are not supported (save with C order)");
  graph::ConstantTensor tensor;
  tensor.dtype = *dtype;
  tensor.shape = parse_shape(header);
  const auto elements = graph::checked_product(tensor.shape);
  const int64_t element_bytes = graph::dtype_bytes(*dtype);
  const auto data_bytes = elements ? graph::checked_mul(*elements, element_bytes) : std::nullopt;
  if (!data_bytes) throw NpyError("shape overflows 64 bits");
  const std::string_view data = bytes.substr(header_start + header_length);
  if (static_cast<int64_t>(data.size()) < *data_bytes) {
    throw NpyError(fmt::format("{} bytes of data, the shape [{}] needs {}", data.size(), fmt::join(tensor.shape, ","), *data_bytes));
  }
  const auto n = static_cast<size_t>(*elements);
  const char* p = data.data();
  auto ints = [&](auto tag) {
    using T = decltype(tag);
    tensor.integers.resize(n);
    for (size_t i = 0; i < n; ++i) tensor.integers[i] = static_cast<int64_t>(load<T>(p + i * sizeof(T)));
  };
  switch (*dtype) {
    case DataType::kFloat32:
      tensor.reals.resize(n);
      std::memcpy(tensor.reals.data(), p, n * sizeof(float));
      break;
    case DataType::kFloat16:
      tensor.reals.resize(n);
      for (size_t i = 0; i < n; ++i) tensor.reals[i] = graph::half_to_float(load<uint16_t>(p + 2 * i));
      break;
    case DataType::kFloat64:
      tensor.reals.resize(n);
      for (size_t i = 0; i < n; ++i) tensor.reals[i] = static_cast<float>(load<double>(p + 8 * i));
      break;
    case DataType::kInt8: ints(int8_t{}); break;
    case DataType::kUint8: ints(uint8_t{}); break;
    case DataType::kBool: ints(uint8_t{}); break;
    case DataType::kInt16: ints(int16_t{}); break;
    case DataType::kUint16: ints(uint16_t{}); break;
    case DataType::kInt32: ints(int32_t{}); break;
    case DataType::kInt64: ints(int64_t{}); break;
    default: break;
  }
  return tensor;
}

graph::ConstantTensor read_npy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NpyError("cannot be opened");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw NpyError("cannot be read");
  return parse_npy(bytes);
}

std::string serialize_npy(const graph::ConstantTensor& tensor) {
  const std::optional<std::string_view> code = code_of_dtype(tensor.dtype);
  if (!code) throw NpyError(fmt::format("dtype {} has no .npy code", graph::dtype_name(tensor.dtype)));
  const size_t held = is_real(tensor.dtype) ? tensor.reals.size() : tensor.integers.size();
  if (static_cast<int64_t>(held) != tensor.elements()) {
    throw NpyError(fmt::format("{} values for a shape of {} elements", held, tensor.elements()));
  }
  std::string shape;
  for (int64_t dim : tensor.shape) shape += fmt::format("{}, ", dim);
  if (tensor.shape.size() > 1) shape.resize(shape.size() - 2);  // (1, 3) but (3,)
  if (tensor.shape.size() == 1) shape.resize(shape.size() - 1);
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", *code, shape);
  // NumPy pads magic + length + header + '\n' to a multiple of 64 bytes.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic);
  out.push_back('\x01');
  out.push_back('\x00');
  append(out, static_cast<uint16_t>(header.size()));
  out += header;
  for (size_t i = 0; i < held; ++i) {
    switch (tensor.dtype) {
      case DataType::kFloat32: append(out, tensor.reals[i]); break;
      case DataType::kFloat16: append(out, graph::float_to_half(tensor.reals[i])); break;
      case DataType::kFloat64: append(out, static_cast<double>(tensor.reals[i])); break;
      case DataType::kInt8: append(out, static_cast<int8_t>(tensor.integers[i])); break;
      case DataType::kUint8: append(out, static_cast<uint8_t>(tensor.integers[i])); break;
      case DataType::kBool: append(out, static_cast<uint8_t>(tensor.integers[i] != 0)); break;
      case DataType::kInt16: append(out, static_cast<int16_t>(tensor.integers[i])); break;
      case DataType::kUint16: append(out, static_cast<uint16_t>(tensor.integers[i])); break;
      case DataType::kInt32: append(out, static_cast<int32_t>(tensor.integers[i])); break;
      case DataType::kInt64: append(out, tensor.integers[i]); break;
      default: break;
    }
  }
  return out;
}

}  // namespace bufopt::execute
