// Networks with spatial outputs: U-Net (segmentation) and YOLOv3-tiny (detection).
#include <stdexcept>
#include <string>
#include <vector>

#include "zoo/architectures.h"

namespace bufopt::zoo {

namespace {

Tensor valid_conv_relu(NetBuilder& b, const Tensor& in, int64_t channels) {
  return b.relu(b.conv(in, channels, 3, 1, 0, 1, false));
}

/// Darknet's convolutional layer: conv with "pad=1" (kernel / 2), BN, leaky ReLU (0.1).
Tensor darknet_conv(NetBuilder& b, const Tensor& in, int64_t channels, int64_t kernel) {
  return b.leaky_relu(b.conv(in, channels, kernel, 1, kernel / 2), 0.1f);
}

}  // namespace

/// The original U-Net (Ronneberger et al. 2015, Fig. 1): a 572x572 one-channel tile, unpadded 3x3
/// convs with ReLU, 2x2 max pools, 2x2 up-convolutions halving the channels, center-cropped skip
/// connections, a 1x1 conv to 2 classes; output 388x388. Every pool must see an even size.
void unet(NetBuilder& b, int64_t size) {
  Tensor x = b.input(1, size, size);
  std::vector<Tensor> skips;
  int64_t channels = 64;
  for (int level = 0; level < 4; ++level, channels *= 2) {
    x = valid_conv_relu(b, valid_conv_relu(b, x, b.width(channels)), b.width(channels));
    if (x.height % 2 != 0) {
      throw std::invalid_argument("U-Net needs an even size before every pool; " + std::to_string(size) +
                                  " gives " + std::to_string(x.height));
    }
    skips.push_back(x);
    x = b.pool("MaxPool", x, 2, 2, 0);
  }
  x = valid_conv_relu(b, valid_conv_relu(b, x, b.width(channels)), b.width(channels));
  for (int level = 3; level >= 0; --level) {
    channels /= 2;
    x = b.conv_transpose(x, b.width(channels), 2);
    x = b.concat({b.crop(skips[static_cast<size_t>(level)], x.height, x.width), x});
    x = valid_conv_relu(b, valid_conv_relu(b, x, b.width(channels)), b.width(channels));
  }
  b.output(b.conv(x, 2, 1, 1, 0, 1, false));
}

/// YOLOv3-tiny (Redmon & Farhadi 2018; darknet cfg/yolov3-tiny.cfg) at 416x416: 13 convolutional
/// layers, six max pools (the last one 2x2 stride 1 padded at the bottom/right), two detection
/// heads of 255 channels at 13x13 and 26x26; 5.56 BFLOPs = 2.78G MACs. The size must be a
/// multiple of 32.
void yolov3_tiny(NetBuilder& b, int64_t size) {
  if (size % 32 != 0) throw std::invalid_argument("YOLOv3-tiny needs a multiple of 32, not " + std::to_string(size));
  Tensor x = b.input(3, size, size);
  Tensor route_26;
  int64_t channels = 16;
  for (int i = 0; i < 5; ++i, channels *= 2) {
    x = darknet_conv(b, x, b.width(channels), 3);
    if (i == 4) route_26 = x;
    x = b.pool("MaxPool", x, 2, 2, 0);
  }
  x = darknet_conv(b, x, b.width(512), 3);
  x = b.pool("MaxPool", x, 2, 1, Pads{0, 0, 1, 1});
  x = darknet_conv(b, x, b.width(1024), 3);
  const Tensor route_13 = darknet_conv(b, x, b.width(256), 1);
  b.output(b.conv(darknet_conv(b, route_13, b.width(512), 3), 255, 1, 1, 0, 1, false));
  x = b.upsample2x(darknet_conv(b, route_13, b.width(128), 1));
  x = darknet_conv(b, b.concat({x, route_26}), b.width(256), 3);
  b.output(b.conv(x, 255, 1, 1, 0, 1, false));
}

}  // namespace bufopt::zoo
