#pragma once
/// Running one inference: by parts, exactly as a plan (analysis::Evaluation) schedules it,
/// inside one arena of exactly its shared_bytes; and layer by layer with the same kernels.
///
/// By parts, steps:
///  1. One allocation of evaluation.shared_bytes for the counted buffers. Each counted buffer
///     is a ring of its capacity_rows slots at its arena offset: row r at
///     offset + (r mod capacity) * row_bytes, inside a row the tensor's axis order with the
///     streaming axis removed, at the buffer's own dtype (row_codec.h). Application-held graph
///     inputs and outputs (uncounted channels) live in storage of their own, outside it. A view
///     (MODEL 4.1, graph::Buffer::storage_of) has no ring: its readers' ports are on its
///     storage's ring, and each reader gets the rows under the view's shape (the same bytes in
///     the layout), so `graph` is the analysed graph (analysis::AnalysisResult::graph) and
///     `program` graph::without_view_actors of the model's. A buffer sharing a storage
///     (analysis::Evaluation::storage_of) has its storage's ring: written in place, the same
///     slots; a slice of a zero-copy Concat, its bytes of each storage row (row r at offset +
///     (r mod capacity) * the storage's row bytes + the slice's begin).
///  2. The firings of evaluation.schedule in order. A firing gathers every input port's window
///     from the rings (decoded to float32), runs the actor's nodes in data order (kernels.h;
///     a streaming reduction adds its rows to an accumulator kept outside the arena and
///     finishes at its last firing), writes its output rows into the rings, then moves its
///     ports' release points. Sources (--stream-io) copy the next rows of a graph input into its
///     ring; sinks copy rows out of a graph output's ring. A zero-copy Concat's firing computes
///     and copies nothing: it checks that every slice holds its rows, which are then its output's.
///     An in-place writer overwrites the row of its input it has just gathered, which no other
///     reader may still need.
///  3. Bookkeeping of its own, independent of the planner: per ring slot the row it holds and
///     the write that put it there, per arena byte the write that last stored it. Reading a
///     row the slot does not hold (overwritten, not yet written), or whose bytes another ring
///     overwrote, and writing over a row some reader still needs (its release point is not past
///     it) in the same ring or in an overlapping one, is an ExecutionError naming buffer, row and
///     firing: the plan was wrong.
/// Guarantees: the outputs are those of the model computed by the kernels, or an exception;
/// never a result read from a row the plan failed to keep.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/graph/graph.h"
#include "bufopt/graph/operator_program.h"

namespace bufopt::execute {

/// The plan cannot be executed as written (a non-resident read, an overwrite of a row still
/// needed, a ring outside the arena): a bufopt bug, exit 1.
class ExecutionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The model has operators (or tensors) the executor cannot run; `reasons` says which, one
/// entry per distinct operator and reason. Exit 6.
class UnsupportedModel : public std::runtime_error {
 public:
  explicit UnsupportedModel(std::vector<std::string> reasons);
  std::vector<std::string> reasons;
};

/// The values of graph inputs by name (graph::ConstantTensor as plain data).
using TensorMap = std::map<std::string, graph::ConstantTensor>;

/// One graph output as computed.
struct OutputTensor {
  std::string name;
  graph::ConstantTensor tensor;  ///< at the buffer's dtype: reals for floating, integers otherwise
};

/// What a by-parts execution holds outside its one arena allocation, in bytes, as the executor
/// allocates it (element counts times sizeof). Deterministic: a function of model and plan.
struct OutsideArena {
  /// Application-held graph inputs and outputs (uncounted buffers, without --stream-io): every
  /// row at the tensor's dtype.
  int64_t io_bytes = 0;
  /// The constants the actors' nodes read (weights, biases, BN statistics, shapes), as the
  /// executor holds them: float32 per floating element, int64 per integer element.
  int64_t weight_bytes = 0;
  /// Streaming reductions' state at its peak over the firings: the float32 accumulators of
  /// GlobalAveragePool / Reduce* and the input rows collected for a pooling whose one output
  /// row reads every row, summed over the reductions in progress at once.
  int64_t accumulator_bytes = 0;
  /// The largest one firing holds while it computes: its input windows gathered from the rings
  /// and every node's output window (the actor's fused intermediates and the rows it writes),
  /// float32. Kernel-local vectors of one row or one value per channel are not counted.
  int64_t scratch_peak_bytes = 0;
  /// --stream-io only: the whole encoded graph inputs the sources copy rows from and outputs the
  /// sinks copy rows into; they stand in for the device's input stream and consumer.
  int64_t stream_staging_bytes = 0;
};

/// What one execution computed.
struct ExecutionResult {
  /// Graph outputs in buffer order, then those folded to constants (ModelProgram::constant_outputs).
  std::vector<OutputTensor> outputs;
  int64_t firings = 0;
  double seconds = 0;  ///< wall time of the firings (set-up excluded)
  OutsideArena outside_arena;  ///< by parts only; zeros layer by layer
};

/// Why the executor cannot run the model, one line per distinct (operator, reason) naming up to
/// three nodes ("Resize: mode cubic ('up1')"); empty when every actor can run. Checks the
/// kernels (unsupported_reason), constants without values, tensors without value infos, buffer
/// dtypes the arena cannot store, unknown shapes, element sizes other than the dtype's
/// (--activation-bytes), and graph outputs folded to constants without values.
std::vector<std::string> unsupported_operations(const graph::Graph& graph, const graph::ModelProgram& program);

/// Throws UnsupportedModel when unsupported_operations is not empty.
void check_supported(const graph::Graph& graph, const graph::ModelProgram& program);

/// Checks `inputs` against the graph's input buffers (every one given, dtype and shape equal);
/// throws std::invalid_argument naming the first that does not fit.
void check_inputs(const graph::Graph& graph, const TensorMap& inputs);

/// The by-parts executor of one plan.
class PlanExecutor {
 public:
  /// Sets up the arena and the rings (step 1). `graph`, `program` and `evaluation` must outlive
  /// the executor. Throws ExecutionError when a ring does not fit its arena or has no slot,
  /// UnsupportedModel as check_supported.
  PlanExecutor(const graph::Graph& graph, const graph::ModelProgram& program, const analysis::Evaluation& evaluation);
  ~PlanExecutor();
  PlanExecutor(const PlanExecutor&) = delete;
  PlanExecutor& operator=(const PlanExecutor&) = delete;

  /// Bytes of the one allocation holding the counted buffers (== evaluation.shared_bytes).
  int64_t arena_bytes() const;

  /// Runs one inference (steps 2 and 3) on `inputs` (check_inputs). Throws ExecutionError.
  ExecutionResult run(const TensorMap& inputs);

 private:
  class State;
  std::unique_ptr<State> state_;
};

/// Appends the graph outputs folded to constants to `result`, values as the importer computed them.
void append_constant_outputs(const graph::ModelProgram& program, ExecutionResult& result);

/// The same inference layer by layer: actors in graph order, each firing once on whole
/// tensors, with the same kernels and the same storage rounding of every buffer, so each output
/// element is computed by the same arithmetic as by parts.
ExecutionResult run_layer_by_layer(const graph::Graph& graph, const graph::ModelProgram& program,
                                   const TensorMap& inputs);

}  // namespace bufopt::execute
