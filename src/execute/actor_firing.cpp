#include "bufopt/execute/actor_firing.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "bufopt/execute/plan_executor.h"

namespace bufopt::execute {

bool reduction_trio_computes(const graph::OperatorNode& node) {
  return node.domain.empty() && (node.op_type.starts_with("Global") || node.op_type.starts_with("Reduce"));
}

void copy_rows(const TensorWindow& rows, TensorWindow& whole) {
  if (!rows.axis) {
    whole.data = rows.data;
    return;
  }
  const auto axis = static_cast<size_t>(*rows.axis);
  int64_t outer = 1;
  int64_t inner = 1;
  for (size_t d = 0; d < rows.shape.size(); ++d) {
    if (d < axis) outer *= rows.shape[d];
    if (d > axis) inner *= rows.shape[d];
  }
  const int64_t count = rows.row_end - rows.row_begin;
  const int64_t whole_rows = whole.row_end - whole.row_begin;
  for (int64_t o = 0; o < outer; ++o) {
    const float* from = rows.data.data() + o * count * inner;
    float* to = whole.data.data() + (o * whole_rows + rows.row_begin - whole.row_begin) * inner;
    std::copy(from, from + count * inner, to);
  }
}

TensorWindow output_window(const graph::ModelProgram& program, const std::string& name, int64_t row_begin,
                           int64_t row_end) {
  const graph::ValueInfo& info = program.values.at(name);
  TensorWindow window;
  window.shape = info.shape;
  window.axis = info.streaming_axis;
  if (!info.streaming_axis) {
    window.row_end = 1;
    return window;
  }
  // A node's outputs may hold fewer rows than the first (LayerNormalization's Mean of a barrier
  // firing): each gets the rows of the range it has.
  const int64_t rows = info.shape[static_cast<size_t>(*info.streaming_axis)];
  window.row_begin = std::min(row_begin, rows);
  window.row_end = std::min(row_end, rows);
  return window;
}

void run_actor_nodes(const graph::ActorProgram& actor, const graph::ModelProgram& program, size_t first_node,
                     int64_t row_begin, int64_t row_end, WindowMap& windows,
                     const std::function<std::string()>& firing) {
  std::vector<const TensorWindow*> inputs;
  std::vector<TensorWindow> outputs;
  for (size_t n = first_node; n < actor.nodes.size(); ++n) {
    const graph::OperatorNode& node = actor.nodes[n];
    inputs.clear();
    for (const std::string& name : node.inputs) {
      const bool activation = !name.empty() && program.constants.count(name) == 0;
      inputs.push_back(activation ? &windows.at(name) : nullptr);
    }
    outputs.clear();
    for (const std::string& name : node.outputs) {
      outputs.push_back(name.empty() ? TensorWindow{} : output_window(program, name, row_begin, row_end));
    }
    try {
      run_node(node, program, inputs, outputs);
    } catch (const RowNotResident& miss) {
      const std::string& tensor = miss.input < node.inputs.size() ? node.inputs[miss.input] : std::string("?");
      throw ExecutionError(fmt::format("{}: node '{}' needs row {} of '{}', outside the window it was given ({})",
                                       firing(), node.name, miss.row, tensor, miss.what()));
    }
    for (size_t j = 0; j < node.outputs.size(); ++j) {
      if (!node.outputs[j].empty()) windows[node.outputs[j]] = std::move(outputs[j]);
    }
  }
}

}  // namespace bufopt::execute
