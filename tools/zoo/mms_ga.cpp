#include "zoo/mms_ga.h"

namespace bufopt::zoo {

const std::vector<MmsGaPoint>& mms_ga_points() {
  static const std::vector<MmsGaPoint> points = {
      {"resnet18", "ResNet-18", 17.463, 1.821, 0.3705},
      {"mobilenetv2_tf", "MobileNetV2", 28.711, 1.362, 0.727},
      {"vgg16", "VGG-16", 60.344, 2.380, 0.56},
      {"alexnet_mms", "AlexNet", 2.882, 0.481, 0.068},
      {"squeezenet1_1", "SqueezeNet", 18.209, 1.451, 0.492},
      {"resnet50v1_keras", "ResNet-50", 87.832, 7.671, 0.744},
  };
  return points;
}

}  // namespace bufopt::zoo
