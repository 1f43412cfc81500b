// AlexNet, VGG-16 and SqueezeNet: plain convolution chains with classifier heads.
#include "zoo/architectures.h"

namespace bufopt::zoo {

namespace {

Tensor relu_conv(NetBuilder& b, const Tensor& in, int64_t channels, int64_t kernel, int64_t stride, int64_t pad,
                 int64_t groups = 1) {
  return b.relu(b.conv(in, channels, kernel, stride, pad, groups, false));
}

/// SqueezeNet's fire module: a 1x1 squeeze, then 1x1 and 3x3 expands concatenated.
Tensor fire(NetBuilder& b, const Tensor& in, int64_t squeeze, int64_t expand1x1, int64_t expand3x3) {
  const Tensor squeezed = relu_conv(b, in, b.width(squeeze), 1, 1, 0);
  return b.concat(
      {relu_conv(b, squeezed, b.width(expand1x1), 1, 1, 0), relu_conv(b, squeezed, b.width(expand3x3), 3, 1, 1)});
}

/// SqueezeNet's head: 1x1 conv to the classes, ReLU, global average pool, flatten.
void squeezenet_head(NetBuilder& b, const Tensor& in) {
  b.output(b.flatten(b.global_average_pool(relu_conv(b, in, 1000, 1, 1, 0))));
}

}  // namespace

/// AlexNet (Krizhevsky et al. 2012) as in Caffe's bvlc_alexnet deploy.prototxt: 227x227, conv2/4/5
/// in two groups (the two GPUs), ReLU + LRN after conv1 and conv2, 724M MACs.
void alexnet(NetBuilder& b, int64_t size) {
  Tensor x = b.lrn(relu_conv(b, b.input(3, size, size), b.width(96), 11, 4, 0), 5);
  x = b.pool("MaxPool", x, 3, 2, 0);
  x = b.lrn(relu_conv(b, x, b.width(256), 5, 1, 2, 2), 5);
  x = b.pool("MaxPool", x, 3, 2, 0);
  x = relu_conv(b, x, b.width(384), 3, 1, 1);
  x = relu_conv(b, x, b.width(384), 3, 1, 1, 2);
  x = relu_conv(b, x, b.width(256), 3, 1, 1, 2);
  x = b.flatten(b.pool("MaxPool", x, 3, 2, 0));
  x = b.relu(b.fc(x, b.width(4096)));
  x = b.relu(b.fc(x, b.width(4096)));
  b.output(b.fc(x, 1000));
}

/// AlexNet as the reference method's implementation describes it (mms_ga data/json_dnn/alexnet.json):
/// 224x224, no groups, the LRNs fused away, the last pool padded to give 6x6, softmax at the end.
void alexnet_mms(NetBuilder& b, int64_t size) {
  Tensor x = relu_conv(b, b.input(3, size, size), b.width(96), 11, 4, 0);
  x = b.pool("MaxPool", x, 3, 2, 0);
  x = relu_conv(b, x, b.width(256), 5, 1, 2);
  x = b.pool("MaxPool", x, 3, 2, 0);
  x = relu_conv(b, x, b.width(384), 3, 1, 1);
  x = relu_conv(b, x, b.width(384), 3, 1, 1);
  x = relu_conv(b, x, b.width(256), 3, 1, 1);
  x = b.flatten(b.pool("MaxPool", x, 3, 2, 1));
  x = b.relu(b.fc(x, b.width(4096)));
  x = b.relu(b.fc(x, b.width(4096)));
  b.output(b.softmax(b.fc(x, 1000)));
}

/// VGG-16 (Simonyan & Zisserman 2015, configuration D): 13 3x3 convs with ReLU, 5 max pools,
/// three fully connected layers; 15.5G MACs at 224x224.
void vgg16(NetBuilder& b, int64_t size) {
  const int64_t stages[][2] = {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};
  Tensor x = b.input(3, size, size);
  for (const auto& [channels, convs] : stages) {
    for (int64_t i = 0; i < convs; ++i) x = relu_conv(b, x, b.width(channels), 3, 1, 1);
    x = b.pool("MaxPool", x, 2, 2, 0);
  }
  x = b.relu(b.fc(b.flatten(x), b.width(4096)));
  x = b.relu(b.fc(x, b.width(4096)));
  b.output(b.fc(x, 1000));
}

/// SqueezeNet 1.0 (Iandola et al. 2016, Table 1; torchvision squeezenet1_0): 7x7/2 stem with 96
/// channels, ceil-mode pools. Table 1's sizes (111, 55, 27, 13) need Caffe's 227x227 input, the
/// usual size here; torchvision runs it at 224 (109, 54, 27, 13), 0.82G MACs.
void squeezenet1_0(NetBuilder& b, int64_t size) {
  Tensor x = relu_conv(b, b.input(3, size, size), b.width(96), 7, 2, 0);
  x = b.pool("MaxPool", x, 3, 2, 0, true);
  x = fire(b, fire(b, fire(b, x, 16, 64, 64), 16, 64, 64), 32, 128, 128);
  x = b.pool("MaxPool", x, 3, 2, 0, true);
  x = fire(b, fire(b, fire(b, fire(b, x, 32, 128, 128), 48, 192, 192), 48, 192, 192), 64, 256, 256);
  x = b.pool("MaxPool", x, 3, 2, 0, true);
  squeezenet_head(b, fire(b, x, 64, 256, 256));
}

/// SqueezeNet 1.1 (the SqueezeNet repository's v1.1; torchvision squeezenet1_1): 3x3/2 stem with
/// 64 channels and earlier pools, 0.35G MACs at 224x224. mms_ga's "SqueezeNet" is this one.
void squeezenet1_1(NetBuilder& b, int64_t size) {
  Tensor x = relu_conv(b, b.input(3, size, size), b.width(64), 3, 2, 0);
  x = b.pool("MaxPool", x, 3, 2, 0, true);
  x = fire(b, fire(b, x, 16, 64, 64), 16, 64, 64);
  x = b.pool("MaxPool", x, 3, 2, 0, true);
  x = fire(b, fire(b, x, 32, 128, 128), 32, 128, 128);
  x = b.pool("MaxPool", x, 3, 2, 0, true);
  x = fire(b, fire(b, fire(b, fire(b, x, 48, 192, 192), 48, 192, 192), 64, 256, 256), 64, 256, 256);
  squeezenet_head(b, x);
}

}  // namespace bufopt::zoo
