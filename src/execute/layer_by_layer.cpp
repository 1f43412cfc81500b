// run_layer_by_layer (plan_executor.h): every actor once, on whole tensors.
#include <chrono>

#include <fmt/format.h>

#include "bufopt/execute/actor_firing.h"
#include "bufopt/execute/kernels.h"
#include "bufopt/execute/plan_executor.h"
#include "bufopt/execute/row_codec.h"

namespace bufopt::execute {

namespace {

/// The whole tensor of `buffer` from `windows` (rows [0, rows)).
const TensorWindow& whole(const WindowMap& windows, const graph::Buffer& buffer) {
  const auto found = windows.find(buffer.name);
  if (found == windows.end()) throw ExecutionError(fmt::format("layer by layer: '{}' was never computed", buffer.name));
  return found->second;
}

}  // namespace

ExecutionResult run_layer_by_layer(const graph::Graph& graph, const graph::ModelProgram& program,
                                   const TensorMap& inputs) {
  check_supported(graph, program);
  check_inputs(graph, inputs);
  // Every buffer computed so far, whole, rounded as its storage rounds it.
  WindowMap tensors;
  for (const graph::Buffer& buffer : graph.buffers) {
    if (buffer.io != graph::IoRole::kInput) continue;
    TensorWindow window = whole_window(inputs.at(buffer.name), buffer.streaming_axis);
    round_window_to_storage(window, buffer.dtype);
    tensors[buffer.name] = std::move(window);
  }
  const auto start = std::chrono::steady_clock::now();
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const graph::Actor& actor = graph.actors[a];
    const graph::ActorProgram& actor_program = program.actors[a];
    const auto label = [&] { return fmt::format("layer by layer, '{}' ({})", actor.name, actor.op_type); };
    WindowMap windows;
    for (graph::BufferId input : actor.inputs) {
      const graph::Buffer& buffer = graph.buffers[static_cast<size_t>(input)];
      windows[buffer.name] = whole(tensors, buffer);
    }
    const int64_t rows = actor.outputs.empty() ? 1 : graph.buffers[static_cast<size_t>(actor.outputs.front())].rows();
    if (actor.streaming_reduction && reduction_trio_computes(actor_program.nodes.front())) {
      const graph::OperatorNode& reduction = actor_program.nodes.front();
      const graph::Buffer& input = graph.buffers[static_cast<size_t>(actor.inputs.front())];
      ReductionState state = start_reduction(reduction, program, input.shape, input.streaming_axis.value_or(0));
      add_reduction_rows(reduction, windows.at(input.name), state);
      TensorWindow output = output_window(program, reduction.outputs.front(), 0, rows);
      finish_reduction(reduction, state, output);
      windows[reduction.outputs.front()] = std::move(output);
      run_actor_nodes(actor_program, program, 1, 0, rows, windows, label);
    } else {
      run_actor_nodes(actor_program, program, 0, 0, rows, windows, label);
    }
    for (graph::BufferId output : actor.outputs) {
      const graph::Buffer& buffer = graph.buffers[static_cast<size_t>(output)];
      TensorWindow window = std::move(windows.at(buffer.name));
      round_window_to_storage(window, buffer.dtype);
      tensors[buffer.name] = std::move(window);
    }
  }
  const auto stop = std::chrono::steady_clock::now();
  ExecutionResult result;
  for (const graph::Buffer& buffer : graph.buffers) {
    if (buffer.io == graph::IoRole::kOutput) result.outputs.push_back({buffer.name, to_constant(whole(tensors, buffer), buffer.dtype)});
  }
  append_constant_outputs(program, result);
  result.firings = static_cast<int64_t>(graph.actors.size());
  result.seconds = std::chrono::duration<double>(stop - start).count();
  return result;
}

}  // namespace bufopt::execute
