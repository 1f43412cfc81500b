#pragma once
/// Builds NCHW float32 ONNX models node by node for the zoo, computing every output shape and
/// the multiply-accumulates itself (the importer computes them again independently, and the zoo
/// tests compare the two).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "zoo/zoo.h"

namespace bufopt::zoo {

/// An activation tensor under construction: its name and NCHW shape (flat: [1, channels]).
struct Tensor {
  std::string name;
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  bool flat = false;  ///< rank 2 [1, channels], after Flatten or Gemm
  bool nhwc = false;  ///< stored [1, height, width, channels] (between layout Transposes)
};

/// Zero padding of a 2-D window: rows before/after along H, columns before/after along W.
struct Pads {
  int64_t top = 0;
  int64_t left = 0;
  int64_t bottom = 0;
  int64_t right = 0;

  /// The same padding on every side.
  static Pads same(int64_t pad) { return {pad, pad, pad, pad}; }
};

/// Builds one model; every layer method appends nodes and returns the output tensor. Weights are
/// float32 external data laid out one after another in `weights_file` (the zoo writes it sparse);
/// with an empty `weights_file` they are zeros stored inside the model (for in-process use).
/// Throws std::invalid_argument when a layer's geometry is impossible (an empty output).
class NetBuilder {
 public:
  /// `width` is the channel multiplier of ModelRequest::width (1: the published widths).
  NetBuilder(std::string name, std::string weights_file, double width = 1.0);

  /// A hidden layer's channel count: `published` scaled by the width, max(1, round(published *
  /// width)). Architectures write their published counts through it (never the input's channels
  /// nor the classes); counts derived from a tensor's channels are already scaled.
  int64_t width(int64_t published) const;

  /// The graph input "input" of shape [1, channels, height, width].
  Tensor input(int64_t channels, int64_t height, int64_t width);

  /// Conv (with bias), then BatchNormalization unless batch_norm is false; square kernel.
  Tensor conv(const Tensor& in, int64_t out_channels, int64_t kernel, int64_t stride, int64_t pad, int64_t groups = 1,
              bool batch_norm = true);
  /// Same with asymmetric padding (TensorFlow "SAME" for stride 2, Darknet).
  Tensor conv(const Tensor& in, int64_t out_channels, int64_t kernel, int64_t stride, Pads pads, int64_t groups,
              bool batch_norm);
  /// Same with a dilation (the attribute is written only when it is not 1).
  Tensor conv(const Tensor& in, int64_t out_channels, int64_t kernel, int64_t stride, int64_t dilation, Pads pads,
              int64_t groups, bool batch_norm);
  /// ConvTranspose with kernel == stride and no padding (U-Net's 2x2 "up-convolution"), with bias.
  Tensor conv_transpose(const Tensor& in, int64_t out_channels, int64_t kernel_and_stride);
  Tensor batch_norm(const Tensor& in);

  Tensor relu(const Tensor& in);
  /// ReLU6 as exporters write it: Clip(x, 0, 6) with constant bounds.
  Tensor relu6(const Tensor& in);
  Tensor leaky_relu(const Tensor& in, float alpha);
  Tensor sigmoid(const Tensor& in);
  /// SiLU (swish) as PyTorch exports it at opset 13: x * Sigmoid(x).
  Tensor silu(const Tensor& in);
  /// LocalResponseNormalization across `size` channels (AlexNet).
  Tensor lrn(const Tensor& in, int64_t size);

  Tensor add(const Tensor& a, const Tensor& b);
  /// Element-wise product; `b` may be [1, C, 1, 1] and is broadcast (squeeze-and-excitation).
  Tensor mul(const Tensor& a, const Tensor& b);
  /// Concatenation along channels.
  Tensor concat(const std::vector<Tensor>& parts);

  /// MaxPool / AveragePool with a square window.
  Tensor pool(const char* op, const Tensor& in, int64_t kernel, int64_t stride, Pads pads, bool ceil_mode = false);
  Tensor pool(const char* op, const Tensor& in, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode = false) {
    return pool(op, in, kernel, stride, Pads::same(pad), ceil_mode);
  }
  /// GlobalAveragePool: [1, C, 1, 1].
  Tensor global_average_pool(const Tensor& in);
  /// Squeeze-and-excitation (Hu et al. 2018, as in EfficientNet): GlobalAveragePool -> 1x1 conv
  /// to `squeeze_channels` -> SiLU -> 1x1 conv back -> Sigmoid -> Mul with `in`.
  Tensor squeeze_excite(const Tensor& in, int64_t squeeze_channels);

  /// Nearest 2x upsampling (Resize with constant scales).
  Tensor upsample2x(const Tensor& in);
  /// Resize (nearest, asymmetric, floor) to `height` x `width` given as the `sizes` input.
  Tensor resize_to(const Tensor& in, int64_t height, int64_t width);
  /// Pad (constant zeros) along H and W, NCHW or NHWC.
  Tensor pad(const Tensor& in, Pads pads);
  /// Layout Transposes as tf2onnx writes them: NCHW -> NHWC (perm 0,2,3,1) and back (0,3,1,2).
  Tensor to_nhwc(const Tensor& in);
  Tensor to_nchw(const Tensor& in);
  /// Center crop to `height` x `width` along H and W (U-Net skip connections): a Slice.
  Tensor crop(const Tensor& in, int64_t height, int64_t width);

  /// Flatten(axis 1): [1, C*H*W].
  Tensor flatten(const Tensor& in);
  /// Gemm (fully connected) on a flat tensor, with bias.
  Tensor fc(const Tensor& in, int64_t out_features);
  Tensor softmax(const Tensor& in);
  /// GlobalAveragePool + Flatten + Gemm: the classifier head; its output is the graph output.
  Tensor classifier(const Tensor& in, int64_t classes);

  /// Marks a tensor as a graph output.
  void output(const Tensor& t);

  int64_t macs() const { return macs_; }
  int64_t weight_bytes() const { return weight_bytes_; }
  const std::vector<Layer>& layers() const { return layers_; }
  const ::onnx::ModelProto& model() const { return model_; }

 private:
  std::string next(const std::string& prefix);
  ::onnx::NodeProto* add_node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                            const std::string& output);
  std::string add_weight(const std::string& name, const std::vector<int64_t>& dims);
  void add_float_constant(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values);
  void add_int64_constant(const std::string& name, const std::vector<int64_t>& values);
  Tensor unary(const char* op, const Tensor& in);
  Tensor binary(const char* op, const Tensor& a, const Tensor& b);
  /// Records a layer and its MACs; checks the output is not empty.
  Tensor record(const std::string& node, const std::string& op, Tensor out, int64_t macs);

  ::onnx::ModelProto model_;
  std::string weights_file_;
  std::map<std::string, int> counters_;
  std::vector<Layer> layers_;
  int64_t macs_ = 0;
  int64_t weight_bytes_ = 0;
  double width_ = 1.0;
  bool clip_bounds_ = false;
};

/// Writes `model` to `model_path` and a sparse file of `weight_bytes` (the right length, no data
/// blocks) to `weights_path`. Throws std::runtime_error when a file cannot be written.
void write_model_files(const ::onnx::ModelProto& model, int64_t weight_bytes, const std::filesystem::path& model_path,
                       const std::filesystem::path& weights_path);

}  // namespace bufopt::zoo
