// Mobile networks built from depthwise-separable convolutions: MobileNetV1, MobileNetV2 and
// EfficientNet-B0.
#include <algorithm>

#include "zoo/architectures.h"

namespace bufopt::zoo {

namespace {

/// MobileNetV2 with its stride-2 windows padded either symmetrically (PyTorch) or TensorFlow's
/// "SAME" way for even inputs: one row and column at the bottom/right only.
void mobilenetv2_network(NetBuilder& b, int64_t size, bool tf_padding) {
  auto pads = [&](int64_t stride) { return (tf_padding && stride == 2) ? Pads{0, 0, 1, 1} : Pads::same(1); };
  Tensor x = b.relu6(b.conv(b.input(3, size, size), b.width(32), 3, 2, pads(2), 1, true));
  /// One row of the paper's Table 2: expansion t, channels c, repeats n, first stride s.
  struct Stage { int64_t expand, channels, repeats, stride; };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const Stage& stage : stages) {
    for (int64_t i = 0; i < stage.repeats; ++i) {
      const int64_t stride = i == 0 ? stage.stride : 1;
      const int64_t hidden = x.channels * stage.expand;
      Tensor y = x;
      if (stage.expand != 1) y = b.relu6(b.conv(y, hidden, 1, 1, 0));
      y = b.relu6(b.conv(y, hidden, 3, stride, pads(stride), hidden, true));
      y = b.conv(y, b.width(stage.channels), 1, 1, 0);
      x = (stride == 1 && x.channels == y.channels) ? b.add(x, y) : y;
    }
  }
  x = b.relu6(b.conv(x, b.width(1280), 1, 1, 0));
  b.classifier(x, 1000);
}

/// EfficientNet's MBConv block: expand 1x1, depthwise kxk, squeeze-excite, project 1x1, residual.
Tensor mbconv(NetBuilder& b, const Tensor& in, int64_t expand, int64_t kernel, int64_t stride, int64_t out_channels) {
  const int64_t hidden = in.channels * expand;
  Tensor y = in;
  if (expand != 1) y = b.silu(b.conv(y, hidden, 1, 1, 0));
  y = b.silu(b.conv(y, hidden, kernel, stride, kernel / 2, hidden));
  y = b.squeeze_excite(y, std::max<int64_t>(1, in.channels / 4));
  y = b.conv(y, out_channels, 1, 1, 0);
  return (stride == 1 && in.channels == out_channels) ? b.add(in, y) : y;
}

}  // namespace

/// MobileNetV1 1.0-224 (Howard et al. 2017, Table 1): a 3x3/2 conv then 13 depthwise-separable
/// pairs, BN + ReLU after each conv; 569M MACs at 224x224.
void mobilenetv1(NetBuilder& b, int64_t size) {
  Tensor x = b.relu(b.conv(b.input(3, size, size), b.width(32), 3, 2, 1));
  const int64_t pairs[][2] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},  {512, 1},
                              {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  for (const auto& [channels, stride] : pairs) {
    x = b.relu(b.conv(x, x.channels, 3, stride, 1, x.channels));
    x = b.relu(b.conv(x, b.width(channels), 1, 1, 0));
  }
  b.classifier(x, 1000);
}

/// MobileNetV2 1.0-224 (Sandler et al. 2018, Table 2; torchvision mobilenet_v2); 301M MACs.
void mobilenetv2(NetBuilder& b, int64_t size) { mobilenetv2_network(b, size, false); }

/// MobileNetV2 as Keras builds it and mms_ga describes it (data/json_dnn/mobilenetv2.json): the
/// stride-2 windows padded at the bottom/right only (TensorFlow "SAME").
void mobilenetv2_tf(NetBuilder& b, int64_t size) { mobilenetv2_network(b, size, true); }

/// EfficientNet-B0 (Tan & Le 2019, Table 1; torchvision efficientnet_b0): MBConv blocks with
/// squeeze-and-excitation and SiLU; 0.39G MACs at 224x224.
void efficientnet_b0(NetBuilder& b, int64_t size) {
  Tensor x = b.silu(b.conv(b.input(3, size, size), b.width(32), 3, 2, 1));
  /// One row of the paper's Table 1: MBConv expansion, kernel, first stride, channels, layers.
  struct Stage { int64_t expand, kernel, stride, channels, repeats; };
  const Stage stages[] = {{1, 3, 1, 16, 1}, {6, 3, 2, 24, 2}, {6, 5, 2, 40, 2}, {6, 3, 2, 80, 3},
                          {6, 5, 1, 112, 3}, {6, 5, 2, 192, 4}, {6, 3, 1, 320, 1}};
  for (const Stage& stage : stages) {
    for (int64_t i = 0; i < stage.repeats; ++i) {
      x = mbconv(b, x, stage.expand, stage.kernel, i == 0 ? stage.stride : 1, b.width(stage.channels));
    }
  }
  x = b.silu(b.conv(x, b.width(1280), 1, 1, 0));
  b.classifier(x, 1000);
}

}  // namespace bufopt::zoo
