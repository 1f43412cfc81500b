// Residual networks (He et al. 2016): basic-block ResNet-18 and bottleneck ResNet-50/101/152.
#include <vector>

#include "zoo/architectures.h"

namespace bufopt::zoo {

namespace {

/// The stem: 7x7/2 conv with `stem_pad` rows of padding, BN, ReLU, 3x3/2 max pool.
Tensor stem(NetBuilder& b, int64_t size, int64_t stem_pad) {
  Tensor x = b.relu(b.conv(b.input(3, size, size), b.width(64), 7, 2, stem_pad));
  return b.pool("MaxPool", x, 3, 2, 1);
}

/// Bottleneck network. v1.5 (torchvision) strides the 3x3 conv of a down-sampling block; v1 (the
/// original paper, Caffe and Keras) strides its first 1x1.
void bottleneck_network(NetBuilder& b, const std::vector<int>& blocks, bool v1_5, int64_t size, int64_t stem_pad) {
  Tensor x = stem(b, size, stem_pad);
  int64_t width = 64;
  for (size_t stage = 0; stage < blocks.size(); ++stage, width *= 2) {
    for (int i = 0; i < blocks[stage]; ++i) {
      const int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      Tensor y = b.relu(b.conv(x, b.width(width), 1, v1_5 ? 1 : stride, 0));
      y = b.relu(b.conv(y, b.width(width), 3, v1_5 ? stride : 1, 1));
      y = b.conv(y, b.width(width * 4), 1, 1, 0);
      const Tensor skip = (i == 0) ? b.conv(x, b.width(width * 4), 1, stride, 0) : x;
      x = b.relu(b.add(skip, y));
    }
  }
  b.classifier(x, 1000);
}

}  // namespace

/// ResNet-18 (He et al. 2016, Table 1; torchvision resnet18): basic blocks [2, 2, 2, 2], 1x1/2
/// projection shortcuts; 1.81G MACs at 224x224. mms_ga's resnet18v1 has the same geometry.
void resnet18(NetBuilder& b, int64_t size) {
  Tensor x = stem(b, size, 3);
  int64_t width = 64;
  for (int stage = 0; stage < 4; ++stage, width *= 2) {
    for (int i = 0; i < 2; ++i) {
      const int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      Tensor y = b.relu(b.conv(x, b.width(width), 3, stride, 1));
      y = b.conv(y, b.width(width), 3, 1, 1);
      const Tensor skip = (i == 0 && stage > 0) ? b.conv(x, b.width(width), 1, stride, 0) : x;
      x = b.relu(b.add(skip, y));
    }
  }
  b.classifier(x, 1000);
}

/// ResNet-50 v1.5 (torchvision resnet50): bottlenecks [3, 4, 6, 3]; 4.09G MACs at 224x224.
void resnet50(NetBuilder& b, int64_t size) { bottleneck_network(b, {3, 4, 6, 3}, true, size, 3); }

/// ResNet-50 v1 (He et al. 2016): stride in the first 1x1 of a down-sampling block; 3.86G MACs.
void resnet50v1(NetBuilder& b, int64_t size) { bottleneck_network(b, {3, 4, 6, 3}, false, size, 3); }

/// ResNet-50 v1 as Keras builds it and mms_ga describes it (data/json_dnn/resnet50.json): the
/// stem's ZeroPadding2D(3) folded into a 230x230 input, then a valid 7x7/2 conv.
void resnet50v1_keras(NetBuilder& b, int64_t size) { bottleneck_network(b, {3, 4, 6, 3}, false, size, 0); }

/// ResNet-101 v1.5 (torchvision resnet101): bottlenecks [3, 4, 23, 3]; 7.80G MACs.
void resnet101(NetBuilder& b, int64_t size) { bottleneck_network(b, {3, 4, 23, 3}, true, size, 3); }

/// ResNet-152 v1.5 (torchvision resnet152): bottlenecks [3, 8, 36, 3]; 11.51G MACs.
void resnet152(NetBuilder& b, int64_t size) { bottleneck_network(b, {3, 8, 36, 3}, true, size, 3); }

}  // namespace bufopt::zoo
