#include "zoo/zoo.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "zoo/architectures.h"
#include "zoo/net_builder.h"

namespace bufopt::zoo {

namespace fs = std::filesystem;

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> all = [] {
    std::vector<Architecture> list = {
        {"alexnet", "AlexNet, Caffe bvlc_alexnet (two groups, LRN)", 227, alexnet},
        {"alexnet_mms", "AlexNet as mms_ga describes it (224, no groups, no LRN)", 224, alexnet_mms},
        {"densenet121", "DenseNet-121, torchvision", 224, densenet121},
        {"efficientnet_b0", "EfficientNet-B0, torchvision (SiLU, squeeze-excite)", 224, efficientnet_b0},
        {"mobilenetv1", "MobileNetV1 1.0-224, Howard et al. 2017", 224, mobilenetv1},
        {"mobilenetv2", "MobileNetV2 1.0-224, torchvision", 224, mobilenetv2},
        {"mobilenetv2_tf", "MobileNetV2 1.0-224, Keras (TensorFlow SAME padding), as mms_ga", 224, mobilenetv2_tf},
        {"resnet101", "ResNet-101 v1.5, torchvision", 224, resnet101},
        {"resnet152", "ResNet-152 v1.5, torchvision", 224, resnet152},
        {"resnet18", "ResNet-18, torchvision (= mms_ga resnet18v1)", 224, resnet18},
        {"resnet50", "ResNet-50 v1.5, torchvision", 224, resnet50},
        {"resnet50v1", "ResNet-50 v1, He et al. 2016 (stride in the first 1x1)", 224, resnet50v1},
        {"resnet50v1_keras", "ResNet-50 v1, Keras (230x230 input, stem padding folded), as mms_ga", 230,
         resnet50v1_keras},
        {"squeezenet1_0", "SqueezeNet 1.0, Iandola et al. 2016 Table 1 (Caffe 227x227)", 227, squeezenet1_0},
        {"squeezenet1_1", "SqueezeNet 1.1, torchvision (= mms_ga squeezenet)", 224, squeezenet1_1},
        {"unet", "U-Net, Ronneberger et al. 2015 (572x572 tile, valid convs)", 572, unet},
        {"vgg16", "VGG-16, Simonyan & Zisserman 2015 configuration D", 224, vgg16},
        {"yolov3_tiny", "YOLOv3-tiny, darknet yolov3-tiny.cfg", 416, yolov3_tiny},
    };
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return list;
  }();
  return all;
}

const Architecture* find_architecture(std::string_view name) {
  for (const Architecture& architecture : architectures()) {
    if (architecture.name == name) return &architecture;
  }
  return nullptr;
}

namespace {

/// The W of ",width=W": a decimal in (0, 1].
double parse_width(std::string_view whole, std::string_view option) {
  constexpr std::string_view kKey = "width=";
  double value = 0;
  if (option.starts_with(kKey)) {
    const std::string_view number = option.substr(kKey.size());
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error == std::errc() && end == number.data() + number.size() && value > 0 && value <= 1) return value;
  }
  throw std::invalid_argument("'" + std::string(whole) + "': the option after ',' must be width=W with W in (0, 1]");
}

}  // namespace

ModelRequest parse_request(std::string_view whole) {
  const size_t comma = whole.find(',');
  const std::string_view text = whole.substr(0, comma);
  const size_t at = text.find('@');
  const std::string_view name = text.substr(0, at);
  ModelRequest request;
  request.architecture = find_architecture(name);
  if (!request.architecture) throw std::invalid_argument("unknown architecture '" + std::string(name) + "'");
  request.input_size = request.architecture->input_size;
  request.stem = std::string(name);
  if (at != std::string_view::npos) {
    const std::string_view size = text.substr(at + 1);
    int64_t value = 0;
    const auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), value);
    if (error != std::errc() || end != size.data() + size.size() || value <= 0 || value > 65536) {
      throw std::invalid_argument("'" + std::string(whole) + "': the size after '@' must be an integer in 1..65536");
    }
    request.input_size = value;
    if (value != request.architecture->input_size) request.stem += "_" + std::to_string(value);
  }
  if (comma != std::string_view::npos) {
    const std::string_view option = whole.substr(comma + 1);
    request.width = parse_width(whole, option);
    // The shortest spelling of the value ("0.25" for "0.250"): equal requests, equal file names.
    if (request.width != 1.0) {
      char spelled[32];
      const auto result = std::to_chars(spelled, spelled + sizeof spelled, request.width);
      request.stem += "_w" + std::string(spelled, result.ptr);
    }
  }
  return request;
}

GeneratedModel write_model(const fs::path& dir, const ModelRequest& request) {
  GeneratedModel generated;
  generated.stem = request.stem;
  generated.input_size = request.input_size;
  generated.model_path = dir / (request.stem + ".onnx");
  generated.weights_path = dir / (request.stem + ".weights");
  NetBuilder builder(request.stem, generated.weights_path.filename().string(), request.width);
  request.architecture->build(builder, request.input_size);
  generated.macs = builder.macs();
  generated.weight_bytes = builder.weight_bytes();
  generated.layers = builder.layers();
  for (const auto& output : builder.model().graph().output()) generated.outputs.push_back(output.name());

  write_model_files(builder.model(), builder.weight_bytes(), generated.model_path, generated.weights_path);
  return generated;
}

}  // namespace bufopt::zoo
