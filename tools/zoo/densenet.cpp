// DenseNet-121: every layer of a dense block reads the concatenation of all earlier outputs.
#include <vector>

#include "zoo/architectures.h"

namespace bufopt::zoo {

namespace {

constexpr int64_t kGrowthRate = 32;
constexpr int64_t kBottleneckWidth = 4 * kGrowthRate;

/// Concatenation of the features so far (a single tensor needs none).
Tensor joined(NetBuilder& b, const std::vector<Tensor>& features) {
  return features.size() == 1 ? features.front() : b.concat(features);
}

/// Pre-activation dense layer: BN, ReLU, 1x1 conv to 128, BN, ReLU, 3x3 conv to 32.
Tensor dense_layer(NetBuilder& b, const Tensor& in) {
  Tensor y = b.relu(b.batch_norm(in));
  y = b.relu(b.conv(y, b.width(kBottleneckWidth), 1, 1, 0));
  return b.conv(y, b.width(kGrowthRate), 3, 1, 1, 1, false);
}

}  // namespace

/// DenseNet-121 (Huang et al. 2017, Table 1; torchvision densenet121): blocks of 6, 12, 24, 16
/// layers, growth rate 32, transitions halving the channels with a 2x2 average pool; 2.87G MACs
/// at 224x224.
void densenet121(NetBuilder& b, int64_t size) {
  Tensor x = b.relu(b.conv(b.input(3, size, size), b.width(64), 7, 2, 3));
  x = b.pool("MaxPool", x, 3, 2, 1);
  const int layers_per_block[] = {6, 12, 24, 16};
  for (size_t block = 0; block < 4; ++block) {
    std::vector<Tensor> features = {x};
    for (int i = 0; i < layers_per_block[block]; ++i) features.push_back(dense_layer(b, joined(b, features)));
    x = joined(b, features);
    if (block == 3) break;
    x = b.conv(b.relu(b.batch_norm(x)), x.channels / 2, 1, 1, 0, 1, false);
    x = b.pool("AveragePool", x, 2, 2, 0);
  }
  b.classifier(b.relu(b.batch_norm(x)), 1000);
}

}  // namespace bufopt::zoo
