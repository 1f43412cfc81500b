#pragma once
/// Random CNNs for the optimizer's guarantee tests (`bufopt-zoo --random SEED[,COUNT] OUT_DIR`):
/// DAGs of convolutions (dense, depthwise, strided, dilated), pools, residual Adds, channel
/// Concats, Resize up-sampling (2x, and to an earlier tensor's size for FPN-like joins), extra
/// heads, NHWC layout Transposes and explicit Pads; 2-60 actors, inputs of 8-256 px.
///
/// How a model is drawn (deterministic per seed on every platform: std::mt19937_64, whose
/// sequence the standard fixes, and integer draws implemented here by rejection, since the
/// standard distributions differ between libraries):
///  1. The number of actors T in [2, 60] and the input height and width in [8, 256], each the
///     smaller of two uniform draws (small graphs are more frequent, large ones still common),
///     and 1-4 input channels.
///  2. Until T actors exist, one pattern is drawn among those that fit the actors left and the
///     current tensor's size (a stride needs rows to skip, a kernel needs rows to cover, an
///     up-sampling keeps tensors at most 512 px), and appended to the current tensor. Patterns
///     that branch (residual, concat, FPN join, head) read tensors made earlier, so the graph is
///     a DAG with skips, not a chain.
///  3. The current tensor becomes the last graph output; head patterns added the others.
/// Every shape is computed with ONNX's rules before a node is written, so a model is always
/// valid; Conv+BatchNorm+ReLU are fused by bufopt's importer into one actor, and the model
/// records the actor count the importer must find.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "zoo/zoo.h"

namespace bufopt::zoo {

/// The patterns a random model is drawn from.
enum class RandomOp {
  kConv,          ///< dense Conv, kernel 1/3/5, "same" or "valid" padding
  kDepthwise,     ///< Conv with group = channels
  kStrided,       ///< Conv or pool with stride 2-3 (sometimes asymmetric "SAME" padding)
  kDilated,       ///< Conv with dilation 2-4
  kPool,          ///< MaxPool / AveragePool (sometimes ceil_mode)
  kResidualAdd,   ///< x -> 1-3 convs -> Add(x, .)
  kConcat,        ///< two branches joined by a channel Concat
  kResize,        ///< nearest up-sampling: 2x, or to an earlier tensor's size and concatenated
  kHead,          ///< an extra graph output (a 1x1 conv, or global pool + 1x1 conv)
  kNhwcTranspose, ///< Transpose to NHWC, optional work there (Pad), Transpose back
  kPad,           ///< an explicit zero Pad followed by a valid conv
};

/// Number of RandomOp values.
inline constexpr int kRandomOpCount = 11;

/// "conv", "depthwise", ... as the test output and --random's summary line print them.
const char* random_op_name(RandomOp op);

/// Limits of the family (step 1).
inline constexpr int64_t kRandomMinActors = 2;
inline constexpr int64_t kRandomMaxActors = 60;
inline constexpr int64_t kRandomMinSize = 8;
inline constexpr int64_t kRandomMaxSize = 256;

/// One random model, built in memory.
struct RandomModel {
  std::string name;  ///< "random_SEED": the graph name and file stem
  uint64_t seed = 0;
  int64_t input_channels = 0;
  int64_t input_height = 0;
  int64_t input_width = 0;
  /// Actors bufopt's importer makes of the model (fusion on): the builder's own count.
  int64_t actors = 0;
  /// The patterns used, each once, in RandomOp order.
  std::vector<RandomOp> ops;
  int64_t macs = 0;
  int64_t weight_bytes = 0;
  std::vector<Layer> layers;
  ::onnx::ModelProto model;
};

/// Draws model `seed`. With an empty `weights_file` the weights are zeros inside the model (the
/// serialised model then imports from memory, without files); otherwise they are external data
/// in `weights_file`, as the zoo writes them.
RandomModel random_model(uint64_t seed, const std::string& weights_file = "");

/// Writes DIR/random_SEED.onnx and its sparse DIR/random_SEED.weights (DIR must exist). Throws
/// std::runtime_error when a file cannot be written.
GeneratedModel write_random_model(const std::filesystem::path& dir, uint64_t seed);

/// Parses "SEED" or "SEED,COUNT" (COUNT >= 1): the seeds SEED, SEED+1, ... Throws
/// std::invalid_argument with a one-line reason otherwise.
std::vector<uint64_t> parse_random_seeds(std::string_view text);

}  // namespace bufopt::zoo
