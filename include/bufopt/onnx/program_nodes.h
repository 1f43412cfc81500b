#pragma once
/// Conversions from what the importer reads (OpNode, ONNX TensorProto) to the plain data the
/// executor runs (graph::OperatorNode, graph::ConstantTensor), and TensorProto `.pb` files (the
/// inputs and outputs of ONNX's test data: test_data_set_*/input_*.pb) as named constants.
/// No protobuf type appears here: the proto overloads take forward-declared types, so the CLI
/// and the executor's tests can include this header.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "bufopt/graph/operator_program.h"
#include "bufopt/onnx/import.h"
#include "bufopt/onnx/op_node.h"
#include "bufopt/onnx/tensor_info.h"

namespace onnx {
class NodeProto;
class TensorProto;
}  // namespace onnx

namespace bufopt::onnx {

class ExternalData;

/// A TensorProto file that cannot be used: unreadable, truncated, not a TensorProto, a shape
/// its data does not fill, or a dtype without numeric values. The message is one line without
/// the path (the caller names the file).
class TensorFileError : public ImportError {
 public:
  using ImportError::ImportError;
};

/// `node` as the executor runs it. A tensor attribute carries the values the importer decoded
/// (small constants only: ConstantOfShape's value); use the NodeProto overload for full values.
/// A graph attribute (If / Loop bodies) becomes kOther.
graph::OperatorNode to_operator_node(const OpNode& node);

/// The same, with every tensor attribute re-decoded from `proto` (the node `node` was made
/// from) with its full values (a Constant node holding a weight).
graph::OperatorNode to_operator_node(const OpNode& node, const ::onnx::NodeProto& proto, ExternalData& external,
                                     const ImportLimits& limits);

/// `tensor` with all its values: float16 / bfloat16 / float64 converted to float (in `reals`),
/// every integer type and bool widened to int64 (in `integers`); raw_data, typed fields or
/// external data (read through `external`). A string or complex tensor keeps dtype and shape
/// without values. Throws ImportError (as decode_tensor) for a negative dim, data shorter than
/// the shape, a refused external reference or a limit exceeded.
graph::ConstantTensor to_constant_tensor(const ::onnx::TensorProto& tensor, ExternalData& external,
                                         const ImportLimits& limits);

/// A constant the importer computed (folded shape values, a decoded small initializer) as plain
/// data; nullopt when it has no known shape or no values.
std::optional<graph::ConstantTensor> to_constant_tensor(const TensorInfo& tensor);

/// One tensor of a `.pb` file: its name (may be empty) and values.
struct NamedTensor {
  std::string name;
  graph::ConstantTensor tensor;
};

/// Parses the bytes of a serialized TensorProto. Throws TensorFileError when the bytes are not
/// a TensorProto, its data does not fill its shape, or its dtype has no numeric values
/// (string, complex); a tensor with external data is refused (a `.pb` file has no directory
/// context).
NamedTensor parse_tensor_bytes(std::string_view bytes, const ImportLimits& limits = {});

/// Reads the TensorProto file at `path` (parse_tensor_bytes). Throws TensorFileError also
/// when the file cannot be read or is empty.
NamedTensor read_tensor_file(const std::filesystem::path& path, const ImportLimits& limits = {});

/// The serialized TensorProto of `tensor` named `name`, at its own dtype, values in raw_data
/// (reals rounded to float16 / bfloat16 to nearest even, to float64 exactly; integers
/// truncated to the dtype's width). Throws TensorFileError when the values do not match the
/// shape or the dtype has no numeric encoding.
std::string serialize_tensor(const std::string& name, const graph::ConstantTensor& tensor);

/// Writes serialize_tensor(name, tensor) to `path`. Throws TensorFileError when the file
/// cannot be written.
void write_tensor_file(const std::filesystem::path& path, const std::string& name,
                       const graph::ConstantTensor& tensor);

}  // namespace bufopt::onnx
