#pragma once
/// What the importer knows about one tensor while it walks the graph: element type, shape,
/// whether it is a constant, and (for small constants) its elements. No protobuf types here.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bufopt/graph/buffer.h"
#include "bufopt/graph/dtype.h"

namespace bufopt::onnx {

/// A node that cannot be valid for its input shapes (an impossible model: a kernel larger than
/// the padded input, dims that do not broadcast, a Reshape changing the element count). The
/// importer reports it as an ImportError naming the node.
class ShapeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The elements of a constant tensor, widened: integer and bool types in `ints`, floating types
/// in `reals` (which one is used follows the tensor's dtype, see is_floating()).
struct Values {
  std::vector<int64_t> ints;
  std::vector<double> reals;
  friend bool operator==(const Values&, const Values&) = default;
};

/// One tensor of the model as the importer sees it.
struct TensorInfo {
  graph::DataType dtype = graph::DataType::kUnknown;
  /// Full static shape when shape_known ([] for a scalar).
  std::vector<int64_t> shape;
  bool shape_known = false;
  /// Why the shape is unknown; empty when it is known.
  std::string unknown_reason;
  /// What is known of an unknown shape: one entry per axis, graph::kUnknownDim where unknown;
  /// empty when the rank is unknown too (or the shape is known).
  std::vector<int64_t> partial_shape;
  /// True for initializers, Constant nodes and everything folded from them (never a buffer).
  bool constant = false;
  /// The elements of a constant, when small enough to hold and computable; nullopt otherwise.
  std::optional<Values> values;
  /// Ids of the stored constants (initializers, Constant nodes) this constant is computed from,
  /// sorted, without repetition: what an actor reading it really keeps in memory.
  std::vector<int32_t> sources;

  /// Elements of the tensor (1 for a scalar); nullopt when unknown or overflowing.
  std::optional<int64_t> elements() const;
};

/// True for float16/32/64 and bfloat16: their Values live in `reals`.
bool is_floating(graph::DataType type);

/// A tensor of known shape without values.
TensorInfo known_tensor(graph::DataType type, std::vector<int64_t> shape);
/// A tensor whose shape is unknown for `reason`.
TensorInfo unknown_tensor(graph::DataType type, std::string reason);
/// A tensor whose shape is unknown for `reason` but of known rank: `partial` holds each axis's
/// size or graph::kUnknownDim (empty: rank unknown too). A non-empty `partial` without an
/// unknown dim gives a known tensor.
TensorInfo partly_known_tensor(graph::DataType type, std::vector<int64_t> partial, std::string reason);
/// A constant holding `values` (ints or reals following `type`).
TensorInfo constant_tensor(graph::DataType type, std::vector<int64_t> shape, Values values);
/// A constant int64 tensor.
TensorInfo int64_constant(std::vector<int64_t> shape, std::vector<int64_t> values);

/// `value` truncated toward zero, saturated to int64's range; NaN gives 0.
int64_t truncate_to_int64(double value);

/// The elements of a constant as int64 (reals truncated and saturated, truncate_to_int64), or
/// nullopt without values.
std::optional<std::vector<int64_t>> values_as_ints(const TensorInfo& tensor);
/// The elements of a constant as double, or nullopt without values.
std::optional<std::vector<double>> values_as_reals(const TensorInfo& tensor);

/// "[1,3,224,224]" for messages; an unknown dim (graph::kUnknownDim) is "?".
std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace bufopt::onnx
