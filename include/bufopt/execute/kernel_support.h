#pragma once
/// What every kernel file shares: the node's inputs as Operands (a window or a constant, read by
/// absolute coordinates with residency checks), attribute readers, and the loop over the
/// elements of an output window. Internal to the execute module.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bufopt/execute/kernels.h"

namespace bufopt::execute {

/// One input of a node as a kernel reads it: the rows a window holds, or a whole constant.
/// Coordinates are absolute (in the full tensor); the streaming axis is offset by row_begin.
class Operand {
 public:
  Operand(const TensorWindow& window, size_t input, std::string name);
  Operand(const graph::ConstantTensor& constant, size_t input, std::string name);

  const std::vector<int64_t>& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t elements() const;
  /// Position of the element `index` of dimension `dim` in data(): (index - begin) * stride.
  /// Throws RowNotResident when `dim` is the streaming axis and the row is not held.
  int64_t index_offset(int dim, int64_t index) const {
    if (dim == axis_) {
      if (index < row_begin_ || index >= row_end_) throw_not_resident(index);
      return (index - row_begin_) * strides_[static_cast<size_t>(dim)];
    }
    return index * strides_[static_cast<size_t>(dim)];
  }
  /// Offset of the element at absolute coordinates `coords` (rank() of them).
  int64_t offset(std::span<const int64_t> coords) const {
    int64_t result = 0;
    for (int d = 0; d < rank(); ++d) result += index_offset(d, coords[static_cast<size_t>(d)]);
    return result;
  }
  float at(std::span<const int64_t> coords) const { return data_[offset(coords)]; }
  /// The element broadcast (numpy, right-aligned) to an output of rank coords.size().
  float broadcast_at(std::span<const int64_t> coords) const;
  const float* data() const { return data_; }
  /// Streaming axis of a window; -1 for a constant or a window without one.
  int axis() const { return axis_; }
  int64_t row_begin() const { return row_begin_; }
  int64_t row_end() const { return row_end_; }
  /// The elements as integers: a constant's exact integers, or a window's floats rounded
  /// (saturated). Reads every element (for small parameter tensors: shapes, pads, axes).
  std::vector<int64_t> integers() const;
  /// Every element as float (row-major, all rows must be held).
  std::vector<float> values() const;
  const std::string& name() const { return name_; }
  size_t input() const { return input_; }

 private:
  [[noreturn]] void throw_not_resident(int64_t row) const;

  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;  ///< of the held data (the streaming axis has the window's rows)
  int axis_ = -1;
  int64_t row_begin_ = 0;
  int64_t row_end_ = 0;
  const float* data_ = nullptr;
  std::vector<float> owned_;                          ///< integer constants converted to float
  const graph::ConstantTensor* constant_ = nullptr;  ///< exact integers of a constant
  size_t input_ = 0;
  std::string name_;
};

/// Everything one kernel call sees.
struct KernelCall {
  const graph::OperatorNode& node;
  const graph::ModelProgram& program;
  /// One per node input; nullopt for an omitted optional input.
  std::vector<std::optional<Operand>> operands;
  std::span<TensorWindow> outputs;

  /// Input `i`; throws std::invalid_argument naming the node when it is absent.
  const Operand& input(size_t i) const;
  bool has_input(size_t i) const { return i < operands.size() && operands[i].has_value(); }
};

/// The operands of `node`: windows where given, constants by name otherwise; the inputs marked
/// in `unread` (bit i for input i) are left out. Throws std::invalid_argument when another
/// named input is neither a window nor a constant.
std::vector<std::optional<Operand>> gather_operands(const graph::OperatorNode& node,
                                                    const graph::ModelProgram& program,
                                                    std::span<const TensorWindow* const> inputs, uint32_t unread = 0);

// ---- attributes ------------------------------------------------------------------------------

int64_t int_attribute(const graph::OperatorNode& node, const std::string& name, int64_t fallback);
float float_attribute(const graph::OperatorNode& node, const std::string& name, float fallback);
std::string string_attribute(const graph::OperatorNode& node, const std::string& name, const std::string& fallback);
std::vector<int64_t> ints_attribute(const graph::OperatorNode& node, const std::string& name,
                                    std::vector<int64_t> fallback = {});
std::vector<float> floats_attribute(const graph::OperatorNode& node, const std::string& name);
bool has_attribute(const graph::OperatorNode& node, const std::string& name);
/// The tensor attribute `name`, or nullptr.
const graph::ConstantTensor* tensor_attribute(const graph::OperatorNode& node, const std::string& name);

// ---- facts for the support checks ---------------------------------------------------------------

/// Dtype of tensor `name` (program.values, then program.constants); kUnknown when neither.
graph::DataType tensor_dtype(const graph::ModelProgram& program, const std::string& name);
/// Shape of tensor `name`, or nullopt when unknown.
std::optional<std::vector<int64_t>> tensor_shape(const graph::ModelProgram& program, const std::string& name);
/// The constant named `name`, or nullptr.
const graph::ConstantTensor* constant_named(const graph::ModelProgram& program, const std::string& name);
/// Input `i` of the node, or "" when absent.
const std::string& input_name(const graph::OperatorNode& node, size_t i);
/// True when output `i` is requested (present and non-empty).
bool has_output(const graph::OperatorNode& node, size_t i);

// ---- outputs ---------------------------------------------------------------------------------

/// The shape of the rows `window` holds (the streaming axis shortened to its row range).
std::vector<int64_t> held_shape(const TensorWindow& window);
/// Sizes window.data to its held rows.
void size_output(TensorWindow& window);
/// `axis` normalised to [0, rank) (negative counts from the end); throws std::invalid_argument.
int normalize_axis(int64_t axis, int rank, const graph::OperatorNode& node);

/// Calls value(coords) for every element of `window`'s held rows in row-major order, with the
/// element's absolute coordinates, and stores the result.
template <typename ValueOf>
void fill_output(TensorWindow& window, ValueOf&& value) {
  size_output(window);
  const size_t rank = window.shape.size();
  std::vector<int64_t> begin(rank, 0);
  std::vector<int64_t> end = window.shape;
  if (window.axis) {
    begin[static_cast<size_t>(*window.axis)] = window.row_begin;
    end[static_cast<size_t>(*window.axis)] = window.row_end;
  }
  std::vector<int64_t> coords = begin;
  for (float& element : window.data) {
    element = value(std::span<const int64_t>(coords));
    for (size_t d = rank; d-- > 0;) {
      if (++coords[d] < end[d]) break;
      coords[d] = begin[d];
    }
  }
}

}  // namespace bufopt::execute
