#pragma once
/// Rows of a tensor as the arena stores them (MODEL 4.1 "Layout"): row r of a tensor streamed
/// along axis a holds the elements whose index on a is r, in the tensor's axis order with a
/// removed, each at the tensor's own dtype. A TensorWindow holds the same elements as float32
/// in the tensor's own axis order ([outer][rows][inner]); the codec converts between the two.
/// Bytes are read and written with memcpy: rows sit at any offset of the arena.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bufopt/execute/tensor_window.h"
#include "bufopt/graph/dtype.h"

namespace bufopt::execute {

/// How one tensor splits into rows along its streaming axis.
struct RowLayout {
  int64_t outer = 1;         ///< product of the dims before the axis
  int64_t rows = 1;          ///< dims[axis], or 1 without an axis (one token)
  int64_t inner = 1;         ///< product of the dims after the axis
  int64_t element_bytes = 0;
  int64_t row_elements() const { return outer * inner; }
  int64_t row_bytes() const { return outer * inner * element_bytes; }
};

/// The layout of a tensor of `shape` (known, non-negative dims) at `dtype` streamed along
/// `axis` (nullopt: one token holding the whole tensor).
RowLayout row_layout(const std::vector<int64_t>& shape, std::optional<int> axis, graph::DataType dtype);

/// True for the element types the arena stores (float32, float16, bfloat16, int8, uint8,
/// int16, uint16, int32, int64, bool); kernels compute in float32 whatever the storage.
bool storable(graph::DataType dtype);

/// Writes row `row` of `window` (which must hold it) into `destination` (layout.row_bytes()
/// bytes) at `dtype`: floats rounded to float16 / bfloat16 to nearest even, integers rounded to
/// nearest and saturated to the type's range.
void encode_row(const TensorWindow& window, int64_t row, const RowLayout& layout, graph::DataType dtype,
                std::byte* destination);

/// Reads a row stored at `dtype` from `source` into row `row` of `window` (sized by the caller
/// for its rows).
void decode_row(const std::byte* source, const RowLayout& layout, graph::DataType dtype, int64_t row,
                TensorWindow& window);

/// `value` as storing it at `dtype` and reading it back gives (what a buffer of that dtype
/// holds): identity for float32.
float round_to_storage(float value, graph::DataType dtype);

}  // namespace bufopt::execute

namespace bufopt::graph {
struct ConstantTensor;
}

namespace bufopt::execute {

/// `tensor`'s values as one window holding every row along `axis` (integers converted to float).
TensorWindow whole_window(const graph::ConstantTensor& tensor, std::optional<int> axis);

/// The values of a whole window at `dtype`: reals for floating types, integers otherwise.
graph::ConstantTensor to_constant(const TensorWindow& window, graph::DataType dtype);

/// Rounds every value of `window` as storing it at `dtype` does (round_to_storage).
void round_window_to_storage(TensorWindow& window, graph::DataType dtype);

}  // namespace bufopt::execute
