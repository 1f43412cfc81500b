#pragma once
/// The model zoo: classic CNN architectures with their published layer geometry, written as
/// valid ONNX files for tests and benchmarks (`bufopt-zoo`).
///
/// Weights are float32 external data in one sparse file per model: the file has the right size
/// but takes no disk blocks, so even ResNet-152 costs nothing to write; bufopt only needs shapes.
/// Each architecture cites its source at its build function (tools/zoo/*.cpp).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace bufopt::zoo {

class NetBuilder;

/// One node the builder emitted, with the builder's own shape and MAC figures.
struct Layer {
  std::string node;                   ///< node name
  std::string op_type;
  std::vector<int64_t> output_shape;  ///< [1, C, H, W], [1, H, W, C] when NHWC, or [1, C] after Flatten / Gemm
  int64_t macs = 0;                   ///< Conv, ConvTranspose, Gemm; 0 otherwise
};

/// One architecture of the zoo.
struct Architecture {
  std::string name;         ///< file stem and command-line name, e.g. "resnet50"
  std::string description;  ///< one line: what it is and where its geometry comes from
  int64_t input_size = 0;   ///< its usual input height = width
  /// Builds the model for a square input of the given size (the usual one or another).
  std::function<void(NetBuilder&, int64_t input_size)> build;
};

/// Every architecture, sorted by name.
const std::vector<Architecture>& architectures();

/// The architecture called `name`, or nullptr.
const Architecture* find_architecture(std::string_view name);

/// One model to generate: an architecture at an input size and a width.
struct ModelRequest {
  const Architecture* architecture = nullptr;
  int64_t input_size = 0;
  /// Channel multiplier in (0, 1]: every hidden layer's published channel count c becomes
  /// max(1, round(c * width)), as MobileNet's width multiplier; the topology, the input's channels
  /// and the output classes stay (NetBuilder::width).
  double width = 1.0;
  /// File stem: the architecture's name, with "_SIZE" appended when not its usual size and
  /// "_wWIDTH" when the width is not 1 (e.g. "unet_188_w0.25").
  std::string stem;
};

/// Parses "NAME", "NAME@SIZE" or either followed by ",width=W" (e.g. "resnet50@448",
/// "unet@188,width=0.25"). Throws std::invalid_argument with a one-line reason for an unknown
/// name, a size that is not a positive integer or a width outside (0, 1].
ModelRequest parse_request(std::string_view text);

/// What was generated, as the builder computed it.
struct GeneratedModel {
  std::string stem;
  std::filesystem::path model_path;    ///< DIR/STEM.onnx
  std::filesystem::path weights_path;  ///< DIR/STEM.weights (sparse)
  int64_t input_size = 0;
  int64_t macs = 0;
  int64_t weight_bytes = 0;
  std::vector<Layer> layers;
  std::vector<std::string> outputs;  ///< graph output names
};

/// Builds the model and writes DIR/STEM.onnx and DIR/STEM.weights (DIR must exist). Throws
/// std::invalid_argument when the architecture cannot take that input size (an empty layer
/// output, an odd size where the network needs an even one) and std::runtime_error when a file
/// cannot be written.
GeneratedModel write_model(const std::filesystem::path& dir, const ModelRequest& request);

}  // namespace bufopt::zoo
