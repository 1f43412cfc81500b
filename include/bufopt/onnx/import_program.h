#pragma once
/// Importing a model for execution: the graph the analysis plans and, in the same pass, the
/// program the executor runs (graph::ModelProgram: per actor its ONNX nodes in data order,
/// every constant with all its values, the value info of every non-constant tensor).
#include <string>
#include <vector>

#include "bufopt/graph/graph.h"
#include "bufopt/graph/operator_program.h"
#include "bufopt/onnx/import.h"

namespace bufopt::onnx {

/// A model as `bufopt run` needs it.
struct ExecutableModel {
  graph::Graph graph;
  graph::ModelProgram program;  ///< program.actors parallel to graph.actors
  /// Graph inputs whose ImportOptions::input_values were bound as constants (parameter
  /// positions), in model order; the other given values are activations.
  std::vector<std::string> bound_inputs;
};

/// Imports `path` as import_model does (same graph, same options), and builds its program:
/// each actor's own node then the nodes fused into it (graph::Actor::fused, data order);
/// every constant a node reads (initializers, Constant nodes, folded constants) with all its
/// values (a constant whose values the importer could not compute, e.g. a folded tensor above
/// kMaxFoldElements or a sparse initializer, keeps dtype and shape with no values: the executor
/// refuses it); the dtype, shape and streaming axis of every non-constant tensor. Graph inputs
/// given in options.input_values and read only in parameter positions are constants: a
/// Conv / ConvTranspose W and B, BatchNormalization / InstanceNormalization statistics, PRelu's
/// slope, Clip bounds, Resize / Upsample scales and sizes, Reshape / Expand / Tile shapes, Pad
/// pads, Slice starts / ends / axes / steps, Split sizes, Squeeze / Unsqueeze / Reduce* axes,
/// Quantize / DequantizeLinear scales and zero points, Gemm's B and C.
/// Decodes every weight: slower and larger than import_model, which the analysis keeps using.
/// Throws as import_model (InputValueError for a bound value that does not fit its input).
ExecutableModel import_executable_model(const std::string& path, const ImportOptions& options);

}  // namespace bufopt::onnx
