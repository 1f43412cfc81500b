#pragma once
/// The ONNX importer: reads a model file with the real ONNX library and builds a graph::Graph.
/// The only module that includes protobuf / ONNX headers.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bufopt/graph/graph.h"
#include "bufopt/graph/operator_program.h"

namespace bufopt::onnx {

/// Why an import failed; maps to the CLI's exit code 3 (MODEL 9).
class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A value given for a graph input (ImportOptions::input_values) that does not fit the input
/// (dtype or shape): a usage error (exit 2) naming the input, not a bad model.
class InputValueError : public ImportError {
 public:
  using ImportError::ImportError;
};

/// Limits that keep a hostile file from exhausting the machine. Each has a CLI flag to raise it
/// (named in the error: --max-file-bytes, --max-nodes, --max-rank, --max-tensor-elements,
/// --max-external-bytes, --max-firings).
struct ImportLimits {
  int64_t max_file_bytes = int64_t{2} << 30;       ///< model file size
  int64_t max_nodes = 1'000'000;                    ///< nodes in the main graph
  int64_t max_rank = 16;                            ///< tensor rank
  int64_t max_tensor_elements = int64_t{1} << 40;   ///< elements of one tensor
  int64_t max_external_bytes = int64_t{16} << 30;   ///< total external data read
  /// Firings of the whole graph at one row per firing (the sum over actors of their output
  /// rows): the analysis keeps state per row, so this bounds its time and memory.
  int64_t max_firings = 5'000'000;
};

struct ImportOptions {
  /// --input-shape NAME=1x3x224x224: overrides the shape of a graph input.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  /// MODEL 2.1 fusion (--no-fuse turns it off).
  bool fuse = true;
  ImportLimits limits;
  /// Values of graph inputs (`bufopt run --input`). Those read only in parameter positions (a
  /// Conv's W, BN statistics, Clip bounds, Resize scales, Reshape shapes, Pad pads: see
  /// import_program.h) are bound as constants before anything else; the others stay activations
  /// and are ignored here. InputValueError when a bound value's dtype or shape does not fit.
  std::map<std::string, graph::ConstantTensor> input_values;
};

/// Loads `path` and returns its operator graph with every tensor's static shape, dtype and
/// streaming axis, constants folded, nodes topologically sorted (stable), unsupported ops as
/// barriers named in Graph::unsupported, and (if options.fuse) element-wise ops fused.
/// Every name the graph carries is printable UTF-8 (others are escaped as "\xNN"); libonnx's
/// checker and shape inference run in a child process (libonnx_checks.h).
/// Throws ImportError with a one-line message (without the path: the caller names the file)
/// when the file cannot be read or parsed, is structurally invalid (cycles, missing inputs,
/// impossible shapes, attributes of the wrong type, unknown non-batch input dims without
/// --input-shape), or exceeds one of options.limits.
graph::Graph import_model(const std::string& path, const ImportOptions& options);

/// The same for a model held in memory (`bytes`: what a .onnx file holds): external data files
/// are looked up in `model_dir`, and an unnamed graph is called "model". For callers without a
/// file (the fuzzer); limits.max_file_bytes applies to `bytes`.
graph::Graph import_model_from_bytes(std::string_view bytes, const std::string& model_dir,
                                     const ImportOptions& options);

}  // namespace bufopt::onnx
