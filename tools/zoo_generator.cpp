// bufopt-zoo: writes valid ONNX models of classic CNN architectures with their published layer
// geometry, for tests and benchmarks. Weights are external data in one sparse file per model
// (the file has the right size but takes no disk blocks), so even ResNet-152 costs nothing to
// write; bufopt only needs shapes.
//
//   bufopt-zoo OUT_DIR [NAME...]     (no NAME: every architecture; --list prints the names)
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace {

namespace fs = std::filesystem;

/// An activation tensor under construction: its name and NCHW shape.
struct Tensor {
  std::string name;
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
};

/// Builds one NCHW float32 model node by node, tracking shapes and MACs.
class NetBuilder {
 public:
  NetBuilder(std::string name, std::string weights_file) : weights_file_(std::move(weights_file)) {
    model_.set_ir_version(8);
    model_.set_producer_name("bufopt-zoo");
    auto* opset = model_.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    model_.mutable_graph()->set_name(std::move(name));
  }

  Tensor input(int64_t channels, int64_t height, int64_t width) {
    Tensor t{"input", channels, height, width};
    add_value(model_.mutable_graph()->add_input(), t.name, {1, channels, height, width});
    return t;
  }

  /// Conv (with bias) + optional BatchNormalization; square kernel, symmetric pads.
  Tensor conv(const Tensor& in, int64_t out_channels, int64_t kernel, int64_t stride, int64_t pad, int64_t groups = 1,
              bool batch_norm = true) {
    const std::string name = next("conv");
    const std::string weight = add_weight(name + ".weight", {out_channels, in.channels / groups, kernel, kernel});
    const std::string bias = add_weight(name + ".bias", {out_channels});
    Tensor out{name + "_out", out_channels, (in.height + 2 * pad - kernel) / stride + 1,
               (in.width + 2 * pad - kernel) / stride + 1};
    auto* node = add_node("Conv", name, {in.name, weight, bias}, {out.name});
    add_ints(node, "kernel_shape", {kernel, kernel});
    add_ints(node, "strides", {stride, stride});
    add_ints(node, "pads", {pad, pad, pad, pad});
    add_int(node, "group", groups);
    macs_ += out.channels * out.height * out.width * (in.channels / groups) * kernel * kernel;
    return batch_norm ? this->batch_norm(out) : out;
  }

  Tensor batch_norm(const Tensor& in) {
    const std::string name = next("bn");
    std::vector<std::string> inputs = {in.name};
    for (const char* part : {".scale", ".bias", ".mean", ".var"}) inputs.push_back(add_weight(name + part, {in.channels}));
    Tensor out = in;
    out.name = name + "_out";
    add_node("BatchNormalization", name, inputs, {out.name});
    return out;
  }

  Tensor relu(const Tensor& in) { return unary("Relu", in); }

  /// ReLU6 as exporters write it: Clip(x, 0, 6) with constant bounds.
  Tensor relu6(const Tensor& in) {
    if (!clip_bounds_) {
      add_scalar("clip_min", 0.0f);
      add_scalar("clip_max", 6.0f);
      clip_bounds_ = true;
    }
    const std::string name = next("clip");
    Tensor out = in;
    out.name = name + "_out";
    add_node("Clip", name, {in.name, "clip_min", "clip_max"}, {out.name});
    return out;
  }

  Tensor add(const Tensor& a, const Tensor& b) {
    const std::string name = next("add");
    Tensor out = a;
    out.name = name + "_out";
    add_node("Add", name, {a.name, b.name}, {out.name});
    return out;
  }

  Tensor concat(const std::vector<Tensor>& parts) {
    const std::string name = next("concat");
    Tensor out = parts.at(0);
    out.name = name + "_out";
    out.channels = 0;
    std::vector<std::string> inputs;
    for (const Tensor& part : parts) {
      inputs.push_back(part.name);
      out.channels += part.channels;
    }
    add_int(add_node("Concat", name, inputs, {out.name}), "axis", 1);
    return out;
  }

  Tensor pool(const char* op, const Tensor& in, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode = false) {
    const std::string name = next(op == std::string("MaxPool") ? "maxpool" : "avgpool");
    auto out_dim = [&](int64_t size) {
      const int64_t span = size + 2 * pad - kernel;
      return (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    };
    Tensor out{name + "_out", in.channels, out_dim(in.height), out_dim(in.width)};
    auto* node = add_node(op, name, {in.name}, {out.name});
    add_ints(node, "kernel_shape", {kernel, kernel});
    add_ints(node, "strides", {stride, stride});
    add_ints(node, "pads", {pad, pad, pad, pad});
    if (ceil_mode) add_int(node, "ceil_mode", 1);
    return out;
  }

  /// Nearest 2x upsampling (Resize with constant scales).
  Tensor upsample2x(const Tensor& in) {
    const std::string name = next("resize");
    auto* scales = model_.mutable_graph()->add_initializer();
    scales->set_name(name + ".scales");
    scales->set_data_type(onnx::TensorProto::FLOAT);
    scales->add_dims(4);
    for (float s : {1.0f, 1.0f, 2.0f, 2.0f}) scales->add_float_data(s);
    Tensor out{name + "_out", in.channels, in.height * 2, in.width * 2};
    auto* node = add_node("Resize", name, {in.name, "", scales->name()}, {out.name});
    add_string(node, "mode", "nearest");
    return out;
  }

  /// Center crop to `height` x `width` along H and W (U-Net skip connections): a Slice.
  Tensor crop(const Tensor& in, int64_t height, int64_t width) {
    const std::string name = next("crop");
    const int64_t top = (in.height - height) / 2;
    const int64_t left = (in.width - width) / 2;
    add_int64s(name + ".starts", {top, left});
    add_int64s(name + ".ends", {top + height, left + width});
    add_int64s(name + ".axes", {2, 3});
    Tensor out{name + "_out", in.channels, height, width};
    add_node("Slice", name, {in.name, name + ".starts", name + ".ends", name + ".axes"}, {out.name});
    return out;
  }

  /// GlobalAveragePool + Flatten + Gemm: the classifier head.
  Tensor classifier(const Tensor& in, int64_t classes) {
    const std::string pool_name = next("gap");
    add_node("GlobalAveragePool", pool_name, {in.name}, {pool_name + "_out"});
    const std::string flat = next("flatten");
    add_int(add_node("Flatten", flat, {pool_name + "_out"}, {flat + "_out"}), "axis", 1);
    const std::string fc = next("fc");
    const std::string weight = add_weight(fc + ".weight", {classes, in.channels});
    const std::string bias = add_weight(fc + ".bias", {classes});
    add_int(add_node("Gemm", fc, {flat + "_out", weight, bias}, {"output"}), "transB", 1);
    macs_ += classes * in.channels;
    Tensor out{"output", classes, 1, 1};
    add_value(model_.mutable_graph()->add_output(), out.name, {1, classes});
    return out;
  }

  /// Marks an NCHW tensor as a graph output.
  void output(const Tensor& t) { add_value(model_.mutable_graph()->add_output(), t.name, {1, t.channels, t.height, t.width}); }

  int64_t macs() const { return macs_; }
  int64_t weight_bytes() const { return weight_bytes_; }
  const onnx::ModelProto& model() const { return model_; }

 private:
  std::string next(const std::string& prefix) { return prefix + std::to_string(++counters_[prefix]); }

  static void add_value(onnx::ValueInfoProto* value, const std::string& name, const std::vector<int64_t>& dims) {
    value->set_name(name);
    auto* tensor = value->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) tensor->mutable_shape()->add_dim()->set_dim_value(d);
  }

  onnx::NodeProto* add_node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs) {
    auto* node = model_.mutable_graph()->add_node();
    node->set_op_type(op);
    node->set_name(name);
    for (const auto& input : inputs) node->add_input(input);
    for (const auto& output : outputs) node->add_output(output);
    return node;
  }

  static void add_ints(onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& values) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values) attribute->add_ints(v);
  }

  static void add_int(onnx::NodeProto* node, const std::string& name, int64_t value) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INT);
    attribute->set_i(value);
  }

  static void add_string(onnx::NodeProto* node, const std::string& name, const std::string& value) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::STRING);
    attribute->set_s(value);
  }

  void add_scalar(const std::string& name, float value) {
    auto* tensor = model_.mutable_graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    tensor->add_float_data(value);
  }

  void add_int64s(const std::string& name, const std::vector<int64_t>& values) {
    auto* tensor = model_.mutable_graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::INT64);
    tensor->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) tensor->add_int64_data(v);
  }

  /// A float32 weight stored as external data at the next offset of the weights file.
  std::string add_weight(const std::string& name, const std::vector<int64_t>& dims) {
    auto* tensor = model_.mutable_graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    int64_t elements = 1;
    for (int64_t d : dims) {
      tensor->add_dims(d);
      elements *= d;
    }
    tensor->set_data_location(onnx::TensorProto::EXTERNAL);
    auto add_entry = [&](const std::string& key, const std::string& value) {
      auto* entry = tensor->add_external_data();
      entry->set_key(key);
      entry->set_value(value);
    };
    add_entry("location", weights_file_);
    add_entry("offset", std::to_string(weight_bytes_));
    add_entry("length", std::to_string(elements * 4));
    weight_bytes_ += elements * 4;
    return name;
  }

  Tensor unary(const char* op, const Tensor& in) {
    std::string lower(op);
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    const std::string name = next(lower);
    Tensor out = in;
    out.name = name + "_out";
    add_node(op, name, {in.name}, {out.name});
    return out;
  }

  onnx::ModelProto model_;
  std::string weights_file_;
  std::map<std::string, int> counters_;
  int64_t macs_ = 0;
  int64_t weight_bytes_ = 0;
  bool clip_bounds_ = false;
};

// ---------------------------------------------------------------------------------------------
// Architectures (published geometry; citations at each).

/// MobileNetV2 (Sandler et al. 2018, torchvision mobilenet_v2, width 1.0, 224x224).
void mobilenet_v2(NetBuilder& b) {
  Tensor x = b.relu6(b.conv(b.input(3, 224, 224), 32, 3, 2, 1));
  struct Stage { int64_t expand, channels, repeats, stride; };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const Stage& stage : stages) {
    for (int64_t i = 0; i < stage.repeats; ++i) {
      const int64_t stride = i == 0 ? stage.stride : 1;
      const int64_t hidden = x.channels * stage.expand;
      Tensor y = x;
      if (stage.expand != 1) y = b.relu6(b.conv(y, hidden, 1, 1, 0));
      y = b.relu6(b.conv(y, hidden, 3, stride, 1, hidden));
      y = b.conv(y, stage.channels, 1, 1, 0);
      x = (stride == 1 && x.channels == stage.channels) ? b.add(x, y) : y;
    }
  }
  x = b.relu6(b.conv(x, 1280, 1, 1, 0));
  b.classifier(x, 1000);
}

/// ResNet bottleneck network (He et al. 2016). v1.5 (torchvision) strides the 3x3 conv of a
/// down-sampling block; v1 (the original, Keras) strides the first 1x1.
void resnet_bottleneck(NetBuilder& b, const std::vector<int>& blocks, bool v1_5) {
  Tensor x = b.relu(b.conv(b.input(3, 224, 224), 64, 7, 2, 3));
  x = b.pool("MaxPool", x, 3, 2, 1);
  int64_t width = 64;
  for (size_t stage = 0; stage < blocks.size(); ++stage, width *= 2) {
    for (int i = 0; i < blocks[stage]; ++i) {
      const int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      Tensor y = b.relu(b.conv(x, width, 1, v1_5 ? 1 : stride, 0));
      y = b.relu(b.conv(y, width, 3, v1_5 ? stride : 1, 1));
      y = b.conv(y, width * 4, 1, 1, 0);
      Tensor skip = (i == 0) ? b.conv(x, width * 4, 1, stride, 0) : x;
      x = b.relu(b.add(skip, y));
    }
  }
  b.classifier(x, 1000);
}

/// ResNet basic-block network (ResNet-18/34).
void resnet_basic(NetBuilder& b, const std::vector<int>& blocks) {
  Tensor x = b.relu(b.conv(b.input(3, 224, 224), 64, 7, 2, 3));
  x = b.pool("MaxPool", x, 3, 2, 1);
  int64_t width = 64;
  for (size_t stage = 0; stage < blocks.size(); ++stage, width *= 2) {
    for (int i = 0; i < blocks[stage]; ++i) {
      const int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      Tensor y = b.relu(b.conv(x, width, 3, stride, 1));
      y = b.conv(y, width, 3, 1, 1);
      Tensor skip = (i == 0 && stage > 0) ? b.conv(x, width, 1, stride, 0) : x;
      x = b.relu(b.add(skip, y));
    }
  }
  b.classifier(x, 1000);
}

using Architecture = std::function<void(NetBuilder&)>;

const std::map<std::string, Architecture>& architectures() {
  static const std::map<std::string, Architecture> all = {
      {"mobilenetv2", mobilenet_v2},
      {"resnet18", [](NetBuilder& b) { resnet_basic(b, {2, 2, 2, 2}); }},
      {"resnet50", [](NetBuilder& b) { resnet_bottleneck(b, {3, 4, 6, 3}, true); }},
      {"resnet50v1", [](NetBuilder& b) { resnet_bottleneck(b, {3, 4, 6, 3}, false); }},
      {"resnet101", [](NetBuilder& b) { resnet_bottleneck(b, {3, 4, 23, 3}, true); }},
      {"resnet152", [](NetBuilder& b) { resnet_bottleneck(b, {3, 8, 36, 3}, true); }},
  };
  return all;
}

/// Writes NAME.onnx and its sparse NAME.weights into `dir`; prints name, MACs and weight bytes.
bool write_model(const fs::path& dir, const std::string& name, const Architecture& build) {
  const std::string weights = name + ".weights";
  NetBuilder builder(name, weights);
  build(builder);
  const fs::path model_path = dir / (name + ".onnx");
  const fs::path weights_path = dir / weights;
  {
    std::ofstream out(model_path, std::ios::binary | std::ios::trunc);
    if (!out || !builder.model().SerializeToOstream(&out)) {
      std::cerr << "bufopt-zoo: cannot write " << model_path << "\n";
      return false;
    }
  }
  const int fd = ::open(weights_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ::ftruncate(fd, builder.weight_bytes()) != 0) {
    std::cerr << "bufopt-zoo: cannot write " << weights_path << "\n";
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  std::cout << name << " macs=" << builder.macs() << " weight_bytes=" << builder.weight_bytes() << "\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--list") {
    for (const auto& [name, build] : architectures()) std::cout << name << "\n";
    return 0;
  }
  if (args.empty() || args[0].starts_with("-")) {
    std::cerr << "usage: bufopt-zoo OUT_DIR [NAME...] | --list\n";
    return 2;
  }
  const fs::path dir = args[0];
  std::error_code error;
  fs::create_directories(dir, error);
  std::vector<std::string> names(args.begin() + 1, args.end());
  if (names.empty()) {
    for (const auto& [name, build] : architectures()) names.push_back(name);
  }
  for (const std::string& name : names) {
    auto found = architectures().find(name);
    if (found == architectures().end()) {
      std::cerr << "bufopt-zoo: unknown architecture '" << name << "' (see --list)\n";
      return 2;
    }
    if (!write_model(dir, name, found->second)) return 1;
  }
  return 0;
}
