#include "bufopt/execute/reduction_kernels.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace bufopt::execute {

namespace {

bool is_global_pool(const std::string& op) { return op == "GlobalAveragePool" || op == "GlobalMaxPool"; }

/// True when the axes come from input 1 (ReduceSum from opset 13, the others from 18).
bool axes_from_input(const graph::OperatorNode& node) {
  return node.opset >= (node.op_type == "ReduceSum" ? 13 : 18);
}

/// The reduced axes of `node` over an input of rank `rank`, or nullopt for the identity
/// (noop_with_empty_axes with no axes). `axes_input` holds input 1's values when present.
std::optional<std::vector<bool>> reduced_axes(const graph::OperatorNode& node, int rank,
                                              const std::optional<std::vector<int64_t>>& axes_input) {
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  if (is_global_pool(node.op_type)) {
    for (int d = 2; d < rank; ++d) reduced[static_cast<size_t>(d)] = true;
    return reduced;
  }
  std::vector<int64_t> axes = axes_from_input(node) ? axes_input.value_or(std::vector<int64_t>{})
                                                    : ints_attribute(node, "axes");
  if (axes.empty()) {
    if (int_attribute(node, "noop_with_empty_axes", 0) != 0) return std::nullopt;
    reduced.assign(static_cast<size_t>(rank), true);
    return reduced;
  }
  for (int64_t axis : axes) reduced[static_cast<size_t>(normalize_axis(axis, rank, node))] = true;
  return reduced;
}

float initial_value(const std::string& op) {
  if (op == "ReduceMax" || op == "GlobalMaxPool") return -std::numeric_limits<float>::infinity();
  if (op == "ReduceMin") return std::numeric_limits<float>::infinity();
  if (op == "ReduceProd") return 1.0f;
  return 0.0f;
}

/// Folds `value` into `sum` for the operator `op` (ONNX's definitions).
template <typename Fold>
void fold_rows(ReductionState& state, const Operand& in, int64_t row_begin, int64_t row_end, Fold fold) {
  const size_t rank = state.input_shape.size();
  // Accumulator strides: the output as if keepdims=1 (reduced axes of size 1).
  std::vector<int64_t> acc_strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    if (state.reduced[d]) continue;
    acc_strides[d] = stride;
    stride *= state.input_shape[d];
  }
  std::vector<int64_t> begin(rank, 0);
  std::vector<int64_t> end = state.input_shape;
  const bool by_rows = state.axis >= 0;
  const auto axis = static_cast<size_t>(by_rows ? state.axis : 0);
  const int64_t blocks = by_rows ? row_end - row_begin : 1;
  for (int64_t block = 0; block < blocks; ++block) {
    if (by_rows) {
      begin[axis] = row_begin + block;
      end[axis] = row_begin + block + 1;
    }
    std::vector<int64_t> coords = begin;
    int64_t count = 1;
    for (size_t d = 0; d < rank; ++d) count *= end[d] - begin[d];
    for (int64_t i = 0; i < count; ++i) {
      int64_t target = 0;
      for (size_t d = 0; d < rank; ++d) target += coords[d] * acc_strides[d];
      float& sum = state.accumulator[static_cast<size_t>(target)];
      sum = fold(sum, in.at(coords));
      for (size_t d = rank; d-- > 0;) {
        if (++coords[d] < end[d]) break;
        coords[d] = begin[d];
      }
    }
  }
}

void add_rows(ReductionState& state, const Operand& in, int64_t row_begin, int64_t row_end) {
  const std::string& op = state.op_type;
  if (op == "ReduceMax" || op == "GlobalMaxPool") {
    fold_rows(state, in, row_begin, row_end, [](float s, float x) { return x > s || std::isnan(x) ? x : s; });
  } else if (op == "ReduceMin") {
    fold_rows(state, in, row_begin, row_end, [](float s, float x) { return x < s || std::isnan(x) ? x : s; });
  } else if (op == "ReduceProd") {
    fold_rows(state, in, row_begin, row_end, [](float s, float x) { return s * x; });
  } else if (op == "ReduceL1") {
    fold_rows(state, in, row_begin, row_end, [](float s, float x) { return s + std::fabs(x); });
  } else if (op == "ReduceL2" || op == "ReduceSumSquare") {
    fold_rows(state, in, row_begin, row_end, [](float s, float x) { return s + x * x; });
  } else if (op == "ReduceLogSumExp") {
    fold_rows(state, in, row_begin, row_end, [](float s, float x) { return s + std::exp(x); });
  } else {
    fold_rows(state, in, row_begin, row_end, [](float s, float x) { return s + x; });
  }
}

float finish_value(const ReductionState& state, float sum) {
  const std::string& op = state.op_type;
  if (op == "ReduceMean" || op == "GlobalAveragePool") return sum / static_cast<float>(state.reduced_elements);
  if (op == "ReduceL2") return std::sqrt(sum);
  if (op == "ReduceLogSum" || op == "ReduceLogSumExp") return std::log(sum);
  return sum;
}

ReductionState make_state(const graph::OperatorNode& node, const std::vector<int64_t>& input_shape, int axis,
                          std::vector<bool> reduced) {
  ReductionState state;
  state.op_type = node.op_type;
  state.input_shape = input_shape;
  state.reduced = std::move(reduced);
  state.axis = axis;
  int64_t outputs = 1;
  for (size_t d = 0; d < input_shape.size(); ++d) {
    if (state.reduced[d]) {
      state.reduced_elements *= input_shape[d];
    } else {
      outputs *= input_shape[d];
    }
  }
  state.accumulator.assign(static_cast<size_t>(outputs), initial_value(node.op_type));
  return state;
}

std::optional<std::vector<int64_t>> constant_axes(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  if (!axes_from_input(node) || input_name(node, 1).empty()) return std::nullopt;
  const graph::ConstantTensor* axes = constant_named(program, input_name(node, 1));
  if (!axes) throw std::invalid_argument(fmt::format("axes of '{}' ({}) are not a constant", node.name, node.op_type));
  return axes->integers;
}

}  // namespace

bool is_reduction(const std::string& op_type) {
  const KernelEntry* entry = find_kernel(op_type);
  return entry != nullptr && entry->reduction;
}

ReductionState start_reduction(const graph::OperatorNode& node, const graph::ModelProgram& program,
                               const std::vector<int64_t>& input_shape, int axis) {
  const auto reduced = reduced_axes(node, static_cast<int>(input_shape.size()), constant_axes(node, program));
  if (!reduced) {
    throw std::invalid_argument(fmt::format("'{}' ({}) reduces no axis", node.name, node.op_type));
  }
  return make_state(node, input_shape, axis, *reduced);
}

void add_reduction_rows(const graph::OperatorNode& node, const TensorWindow& rows, ReductionState& state) {
  const Operand in(rows, 0, node.inputs.empty() ? std::string() : node.inputs[0]);
  const int64_t begin = rows.axis ? rows.row_begin : 0;
  const int64_t end = rows.axis ? rows.row_end : 1;
  if (begin != state.rows_added || (rows.axis ? *rows.axis : -1) != state.axis) {
    throw std::invalid_argument(fmt::format("'{}' ({}): rows from {} added after {} rows", node.name, node.op_type,
                                            begin, state.rows_added));
  }
  add_rows(state, in, begin, end);
  state.rows_added = end;
}

void finish_reduction(const graph::OperatorNode& node, const ReductionState& state, TensorWindow& output) {
  const int64_t rows = state.axis >= 0 ? state.input_shape[static_cast<size_t>(state.axis)] : 1;
  if (state.rows_added != rows) {
    throw std::invalid_argument(fmt::format("'{}' ({}) finished after {} of {} rows", node.name, node.op_type,
                                            state.rows_added, rows));
  }
  std::vector<int64_t> strides(output.shape.size(), 1);
  for (size_t d = output.shape.size(); d-- > 1;) strides[d - 1] = strides[d] * output.shape[d];
  fill_output(output, [&](std::span<const int64_t> c) {
    int64_t flat = 0;
    for (size_t d = 0; d < c.size(); ++d) flat += c[d] * strides[d];
    return finish_value(state, state.accumulator[static_cast<size_t>(flat)]);
  });
}

void run_reduction(const KernelCall& call) {
  const Operand& in = call.input(0);
  std::optional<std::vector<int64_t>> axes_input;
  if (axes_from_input(call.node) && call.has_input(1)) axes_input = call.input(1).integers();
  const auto reduced = reduced_axes(call.node, in.rank(), axes_input);
  TensorWindow& out = call.outputs[0];
  if (!reduced) {  // noop_with_empty_axes: the identity
    fill_output(out, [&](std::span<const int64_t> c) { return in.at(c); });
    return;
  }
  // The input's streaming axis orders the rows (as the streaming trio adds them).
  int axis = in.axis();
  if (axis < 0) {
    const auto value = call.program.values.find(input_name(call.node, 0));
    if (value != call.program.values.end() && value->second.streaming_axis) axis = *value->second.streaming_axis;
  }
  ReductionState state = make_state(call.node, in.shape(), axis, *reduced);
  int64_t row_begin = 0;
  int64_t row_end = axis >= 0 ? in.shape()[static_cast<size_t>(axis)] : 1;
  if (axis >= 0 && !(*reduced)[static_cast<size_t>(axis)] && out.axis) {
    // The streaming axis is kept: only the rows of the requested output rows are read.
    row_begin = out.row_begin;
    row_end = out.row_end;
  }
  add_rows(state, in, row_begin, row_end);
  std::vector<int64_t> strides(out.shape.size(), 1);
  for (size_t d = out.shape.size(); d-- > 1;) strides[d - 1] = strides[d] * out.shape[d];
  fill_output(out, [&](std::span<const int64_t> c) {
    int64_t flat = 0;
    for (size_t d = 0; d < c.size(); ++d) flat += c[d] * strides[d];
    return finish_value(state, state.accumulator[static_cast<size_t>(flat)]);
  });
}

std::optional<std::string> check_reduction(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  if (axes_from_input(node) && !input_name(node, 1).empty() && !constant_named(program, input_name(node, 1))) {
    return fmt::format("{} with axes not a constant", node.op_type);
  }
  return std::nullopt;
}

}  // namespace bufopt::execute
