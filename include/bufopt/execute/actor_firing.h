#pragma once
/// One firing's computation, shared by the by-parts and the layer-by-layer runs: the nodes of
/// an actor (its own, then the fused ones) on windows of input rows, giving windows of output
/// rows. Storage (arena rings, whole tensors) is the caller's.
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "bufopt/execute/kernels.h"
#include "bufopt/execute/tensor_window.h"
#include "bufopt/graph/operator_program.h"

namespace bufopt::execute {

/// Windows of the tensors one firing handles, by tensor name.
using WindowMap = std::unordered_map<std::string, TensorWindow>;

/// True when the kernels' streaming-reduction trio (start / add / finish_reduction) computes
/// `node` (GlobalAveragePool, GlobalMaxPool, Reduce*). The importer also streams a MaxPool /
/// AveragePool / LpPool whose one output row reads every input row; the executor collects
/// its input rows outside the arena as they come and runs it whole at the last firing.
bool reduction_trio_computes(const graph::OperatorNode& node);

/// Copies the rows of `rows` into `whole` (a window over every row of the same tensor).
void copy_rows(const TensorWindow& rows, TensorWindow& whole);

/// An empty window of tensor `name` (shape and axis from program.values) for rows
/// [row_begin, row_end) clipped to the tensor's rows; a tensor without a streaming axis gets
/// its one token [0, 1).
TensorWindow output_window(const graph::ModelProgram& program, const std::string& name, int64_t row_begin,
                           int64_t row_end);

/// Runs nodes [first_node, end) of `actor` for output rows [row_begin, row_end): each node reads
/// its activation inputs from `windows` (gathered buffers, or outputs of earlier nodes) and adds
/// its outputs to it. `firing` describes the firing for messages ("firing 12 of 'conv1'"),
/// called only when there is one to write.
/// Throws ExecutionError naming tensor, row and firing when a kernel needs a row its window
/// lacks (the plan's window was wrong).
void run_actor_nodes(const graph::ActorProgram& actor, const graph::ModelProgram& program, size_t first_node,
                     int64_t row_begin, int64_t row_end, WindowMap& windows,
                     const std::function<std::string()>& firing);

}  // namespace bufopt::execute
