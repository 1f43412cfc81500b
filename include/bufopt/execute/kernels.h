#pragma once
/// The reference kernels: plain, readable float32 implementations of the ONNX operators the
/// executor runs, computing any range of output rows from windows of input rows. Layer by layer
/// and by parts call the same kernels, and each output element is computed by the same
/// arithmetic in the same order whatever the rows of the call, so both give identical bits.
///
/// Conventions for every kernel:
///  - `inputs[i]` is the window of activation input i (a name the node reads that is not a
///    constant), or nullptr when input i is a constant (read from `program.constants` by name)
///    or omitted ("" in OperatorNode::inputs).
///  - Each `outputs[j]` arrives with shape, axis and row range set by the caller; the kernel
///    sizes `data` and fills rows [row_begin, row_end).
///  - A kernel that needs an input row its window does not hold throws RowNotResident (the
///    plan's window was wrong: the engine reports buffer, row and firing).
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "bufopt/execute/tensor_window.h"
#include "bufopt/graph/operator_program.h"

namespace bufopt::execute {

/// A kernel asked for row `row` of input `input` (its position in the node's inputs) outside
/// the window it was given.
class RowNotResident : public std::runtime_error {
 public:
  RowNotResident(size_t input, int64_t row, const std::string& message)
      : std::runtime_error(message), input(input), row(row) {}
  size_t input;
  int64_t row;
};

/// Why the kernels cannot run `node` (operator, attribute value, dtype or rank not
/// implemented: "Resize mode cubic", "Pad mode reflect", ...), or nullopt when they can.
/// `program.values` gives the shapes and dtypes of the node's non-constant tensors.
std::optional<std::string> unsupported_reason(const graph::OperatorNode& node, const graph::ModelProgram& program);

/// True when `op_type` (default domain) is a reduction the streaming trio below can run
/// (Reduce*, GlobalAveragePool, GlobalMaxPool).
bool is_reduction(const std::string& op_type);

/// Computes output rows [row_begin, row_end) of every output of `node` (see the conventions
/// above). A reduction node may run here too (layer by layer; the same bits as the streaming
/// trio below). Throws RowNotResident, or std::invalid_argument for a node the kernels do not
/// support (call unsupported_reason first) or inputs that contradict the node.
void run_node(const graph::OperatorNode& node, const graph::ModelProgram& program,
              std::span<const TensorWindow* const> inputs, std::span<TensorWindow> outputs);

/// Running state of a streaming reduction over the streaming axis (GlobalAveragePool,
/// GlobalMaxPool, ReduceMean / ReduceMax / ReduceSum ... whose axes include it): input rows are
/// added in row order, the output is written once at the end. Lives outside the arena.
struct ReductionState {
  /// One value per output element, in the output's row-major order (as if keepdims=1).
  std::vector<float> accumulator;
  int64_t rows_added = 0;
  // Set by start_reduction: what add_reduction_rows and finish_reduction need of the node.
  std::vector<int64_t> input_shape;
  std::vector<bool> reduced;  ///< per input axis: reduced or kept
  int axis = -1;              ///< the streaming axis rows are added along; -1: one block
  int64_t reduced_elements = 1;  ///< input elements folded into each output element
  std::string op_type;
};

/// The empty state for `node` reading a tensor of shape `input_shape` streamed along `axis`
/// (-1: added as one block). Reads the axes (attribute or constant input) from `program`.
/// Every output element is folded from its input elements in the order (row along `axis`,
/// then the other coordinates row-major), the same whether rows arrive one by one or all at
/// once; run_node folds a reduction node in that same order along the input's streaming axis
/// (program.values), so a streaming reduction equals the layer-by-layer kernel bit for bit.
ReductionState start_reduction(const graph::OperatorNode& node, const graph::ModelProgram& program,
                               const std::vector<int64_t>& input_shape, int axis);

/// Adds every row of `rows` (the next rows in order: rows.row_begin == state.rows_added; a
/// window without an axis is the whole tensor). Throws std::invalid_argument out of order.
void add_reduction_rows(const graph::OperatorNode& node, const TensorWindow& rows, ReductionState& state);

/// Writes the reduction's output (its window arrives as in run_node) once every row is added.
/// Throws std::invalid_argument when rows are missing.
void finish_reduction(const graph::OperatorNode& node, const ReductionState& state, TensorWindow& output);

}  // namespace bufopt::execute
