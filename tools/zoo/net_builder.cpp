#include "zoo/net_builder.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <stdexcept>

namespace bufopt::zoo {

namespace {

void add_ints(::onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& values) {
  auto* attribute = node->add_attribute();
  attribute->set_name(name);
  attribute->set_type(::onnx::AttributeProto::INTS);
  for (int64_t v : values) attribute->add_ints(v);
}

void add_int(::onnx::NodeProto* node, const std::string& name, int64_t value) {
  auto* attribute = node->add_attribute();
  attribute->set_name(name);
  attribute->set_type(::onnx::AttributeProto::INT);
  attribute->set_i(value);
}

void add_float(::onnx::NodeProto* node, const std::string& name, float value) {
  auto* attribute = node->add_attribute();
  attribute->set_name(name);
  attribute->set_type(::onnx::AttributeProto::FLOAT);
  attribute->set_f(value);
}

void add_string(::onnx::NodeProto* node, const std::string& name, const std::string& value) {
  auto* attribute = node->add_attribute();
  attribute->set_name(name);
  attribute->set_type(::onnx::AttributeProto::STRING);
  attribute->set_s(value);
}

void set_value_info(::onnx::ValueInfoProto* value, const Tensor& t) {
  value->set_name(t.name);
  auto* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(::onnx::TensorProto::FLOAT);
  const std::vector<int64_t> dims = t.flat   ? std::vector<int64_t>{1, t.channels}
                                   : t.nhwc ? std::vector<int64_t>{1, t.height, t.width, t.channels}
                                            : std::vector<int64_t>{1, t.channels, t.height, t.width};
  for (int64_t d : dims) tensor->mutable_shape()->add_dim()->set_dim_value(d);
}

/// Output size of a window along one axis (ONNX's rule, floor or ceil).
int64_t window_output(int64_t size, int64_t kernel, int64_t stride, int64_t pad_sum, bool ceil_mode) {
  const int64_t span = size + pad_sum - kernel;
  if (span < 0) return 0;
  return (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
}

}  // namespace

NetBuilder::NetBuilder(std::string name, std::string weights_file, double width)
    : weights_file_(std::move(weights_file)), width_(width) {
  model_.set_ir_version(8);
  model_.set_producer_name("bufopt-zoo");
  auto* opset = model_.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  model_.mutable_graph()->set_name(std::move(name));
}

int64_t NetBuilder::width(int64_t published) const {
  if (width_ == 1.0) return published;
  return std::max<int64_t>(1, std::llround(static_cast<double>(published) * width_));
}

Tensor NetBuilder::input(int64_t channels, int64_t height, int64_t width) {
  Tensor t{"input", channels, height, width};
  set_value_info(model_.mutable_graph()->add_input(), t);
  return t;
}

Tensor NetBuilder::conv(const Tensor& in, int64_t out_channels, int64_t kernel, int64_t stride, int64_t pad,
                        int64_t groups, bool batch_norm) {
  return conv(in, out_channels, kernel, stride, Pads::same(pad), groups, batch_norm);
}

Tensor NetBuilder::conv(const Tensor& in, int64_t out_channels, int64_t kernel, int64_t stride, Pads pads,
                        int64_t groups, bool batch_norm) {
  return conv(in, out_channels, kernel, stride, 1, pads, groups, batch_norm);
}

Tensor NetBuilder::conv(const Tensor& in, int64_t out_channels, int64_t kernel, int64_t stride, int64_t dilation,
                        Pads pads, int64_t groups, bool batch_norm) {
  if (in.nhwc || in.flat) throw std::invalid_argument("conv needs an NCHW input");
  // A width multiplier can make grouped channels indivisible (AlexNet's two groups at an odd width).
  if (in.channels % groups != 0 || out_channels % groups != 0) {
    throw std::invalid_argument("conv of " + std::to_string(in.channels) + " -> " + std::to_string(out_channels) +
                                " channels cannot have " + std::to_string(groups) + " groups");
  }
  const std::string name = next("conv");
  const std::string weight = add_weight(name + ".weight", {out_channels, in.channels / groups, kernel, kernel});
  const std::string bias = add_weight(name + ".bias", {out_channels});
  const int64_t extent = dilation * (kernel - 1) + 1;
  Tensor out{name + "_out", out_channels, window_output(in.height, extent, stride, pads.top + pads.bottom, false),
             window_output(in.width, extent, stride, pads.left + pads.right, false)};
  auto* node = add_node("Conv", name, {in.name, weight, bias}, out.name);
  add_ints(node, "kernel_shape", {kernel, kernel});
  add_ints(node, "strides", {stride, stride});
  if (dilation != 1) add_ints(node, "dilations", {dilation, dilation});
  add_ints(node, "pads", {pads.top, pads.left, pads.bottom, pads.right});
  add_int(node, "group", groups);
  out = record(name, "Conv", out, out.channels * out.height * out.width * (in.channels / groups) * kernel * kernel);
  return batch_norm ? this->batch_norm(out) : out;
}

Tensor NetBuilder::conv_transpose(const Tensor& in, int64_t out_channels, int64_t kernel_and_stride) {
  const int64_t k = kernel_and_stride;
  const std::string name = next("convtranspose");
  const std::string weight = add_weight(name + ".weight", {in.channels, out_channels, k, k});
  const std::string bias = add_weight(name + ".bias", {out_channels});
  Tensor out{name + "_out", out_channels, in.height * k, in.width * k};
  auto* node = add_node("ConvTranspose", name, {in.name, weight, bias}, out.name);
  add_ints(node, "kernel_shape", {k, k});
  add_ints(node, "strides", {k, k});
  // Every input pixel is multiplied by the whole kernel once.
  return record(name, "ConvTranspose", out, in.height * in.width * in.channels * out_channels * k * k);
}

Tensor NetBuilder::batch_norm(const Tensor& in) {
  const std::string name = next("bn");
  std::vector<std::string> inputs = {in.name};
  for (const char* part : {".scale", ".bias", ".mean", ".var"}) inputs.push_back(add_weight(name + part, {in.channels}));
  Tensor out = in;
  out.name = name + "_out";
  add_node("BatchNormalization", name, inputs, out.name);
  return record(name, "BatchNormalization", out, 0);
}

Tensor NetBuilder::relu(const Tensor& in) { return unary("Relu", in); }

Tensor NetBuilder::relu6(const Tensor& in) {
  if (!clip_bounds_) {
    add_float_constant("clip_min", {}, {0.0f});
    add_float_constant("clip_max", {}, {6.0f});
    clip_bounds_ = true;
  }
  const std::string name = next("clip");
  Tensor out = in;
  out.name = name + "_out";
  add_node("Clip", name, {in.name, "clip_min", "clip_max"}, out.name);
  return record(name, "Clip", out, 0);
}

Tensor NetBuilder::leaky_relu(const Tensor& in, float alpha) {
  Tensor out = unary("LeakyRelu", in);
  add_float(model_.mutable_graph()->mutable_node(model_.graph().node_size() - 1), "alpha", alpha);
  return out;
}

Tensor NetBuilder::sigmoid(const Tensor& in) { return unary("Sigmoid", in); }

Tensor NetBuilder::silu(const Tensor& in) { return mul(in, sigmoid(in)); }

Tensor NetBuilder::lrn(const Tensor& in, int64_t size) {
  Tensor out = unary("LRN", in);
  auto* node = model_.mutable_graph()->mutable_node(model_.graph().node_size() - 1);
  add_int(node, "size", size);
  add_float(node, "alpha", 1e-4f);
  add_float(node, "beta", 0.75f);
  return out;
}

Tensor NetBuilder::add(const Tensor& a, const Tensor& b) { return binary("Add", a, b); }

Tensor NetBuilder::mul(const Tensor& a, const Tensor& b) { return binary("Mul", a, b); }

Tensor NetBuilder::concat(const std::vector<Tensor>& parts) {
  const std::string name = next("concat");
  Tensor out = parts.at(0);
  out.name = name + "_out";
  out.channels = 0;
  std::vector<std::string> inputs;
  for (const Tensor& part : parts) {
    if (part.nhwc || part.flat) throw std::invalid_argument(name + ": channel Concat needs NCHW inputs");
    if (part.height != out.height || part.width != out.width) {
      throw std::invalid_argument(name + ": inputs of different spatial sizes");
    }
    inputs.push_back(part.name);
    out.channels += part.channels;
  }
  add_int(add_node("Concat", name, inputs, out.name), "axis", 1);
  return record(name, "Concat", out, 0);
}

Tensor NetBuilder::pool(const char* op, const Tensor& in, int64_t kernel, int64_t stride, Pads pads, bool ceil_mode) {
  if (in.nhwc || in.flat) throw std::invalid_argument(std::string(op) + " needs an NCHW input");
  const std::string name = next(op == std::string("MaxPool") ? "maxpool" : "avgpool");
  Tensor out{name + "_out", in.channels, window_output(in.height, kernel, stride, pads.top + pads.bottom, ceil_mode),
             window_output(in.width, kernel, stride, pads.left + pads.right, ceil_mode)};
  auto* node = add_node(op, name, {in.name}, out.name);
  add_ints(node, "kernel_shape", {kernel, kernel});
  add_ints(node, "strides", {stride, stride});
  add_ints(node, "pads", {pads.top, pads.left, pads.bottom, pads.right});
  if (ceil_mode) add_int(node, "ceil_mode", 1);
  return record(name, op, out, 0);
}

Tensor NetBuilder::global_average_pool(const Tensor& in) {
  const std::string name = next("gap");
  Tensor out{name + "_out", in.channels, 1, 1};
  add_node("GlobalAveragePool", name, {in.name}, out.name);
  return record(name, "GlobalAveragePool", out, 0);
}

Tensor NetBuilder::squeeze_excite(const Tensor& in, int64_t squeeze_channels) {
  Tensor scale = global_average_pool(in);
  scale = silu(conv(scale, squeeze_channels, 1, 1, 0, 1, false));
  scale = sigmoid(conv(scale, in.channels, 1, 1, 0, 1, false));
  return mul(in, scale);
}

Tensor NetBuilder::upsample2x(const Tensor& in) {
  const std::string name = next("resize");
  add_float_constant(name + ".scales", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
  Tensor out{name + "_out", in.channels, in.height * 2, in.width * 2};
  auto* node = add_node("Resize", name, {in.name, "", name + ".scales"}, out.name);
  add_string(node, "mode", "nearest");
  return record(name, "Resize", out, 0);
}

Tensor NetBuilder::resize_to(const Tensor& in, int64_t height, int64_t width) {
  if (in.nhwc || in.flat) throw std::invalid_argument("resize_to needs an NCHW input");
  const std::string name = next("resize");
  add_int64_constant(name + ".sizes", {1, in.channels, height, width});
  Tensor out{name + "_out", in.channels, height, width};
  auto* node = add_node("Resize", name, {in.name, "", "", name + ".sizes"}, out.name);
  add_string(node, "mode", "nearest");
  add_string(node, "coordinate_transformation_mode", "asymmetric");
  add_string(node, "nearest_mode", "floor");
  return record(name, "Resize", out, 0);
}

Tensor NetBuilder::pad(const Tensor& in, Pads pads) {
  if (in.flat) throw std::invalid_argument("pad needs a 4-D input");
  const std::string name = next("pad");
  // ONNX order: every axis's begin, then every axis's end.
  const std::vector<int64_t> values =
      in.nhwc ? std::vector<int64_t>{0, pads.top, pads.left, 0, 0, pads.bottom, pads.right, 0}
              : std::vector<int64_t>{0, 0, pads.top, pads.left, 0, 0, pads.bottom, pads.right};
  add_int64_constant(name + ".pads", values);
  Tensor out = in;
  out.name = name + "_out";
  out.height += pads.top + pads.bottom;
  out.width += pads.left + pads.right;
  add_string(add_node("Pad", name, {in.name, name + ".pads"}, out.name), "mode", "constant");
  return record(name, "Pad", out, 0);
}

Tensor NetBuilder::to_nhwc(const Tensor& in) {
  if (in.nhwc || in.flat) throw std::invalid_argument("to_nhwc needs an NCHW input");
  const std::string name = next("transpose");
  Tensor out = in;
  out.name = name + "_out";
  out.nhwc = true;
  add_ints(add_node("Transpose", name, {in.name}, out.name), "perm", {0, 2, 3, 1});
  return record(name, "Transpose", out, 0);
}

Tensor NetBuilder::to_nchw(const Tensor& in) {
  if (!in.nhwc) throw std::invalid_argument("to_nchw needs an NHWC input");
  const std::string name = next("transpose");
  Tensor out = in;
  out.name = name + "_out";
  out.nhwc = false;
  add_ints(add_node("Transpose", name, {in.name}, out.name), "perm", {0, 3, 1, 2});
  return record(name, "Transpose", out, 0);
}

Tensor NetBuilder::crop(const Tensor& in, int64_t height, int64_t width) {
  if (height > in.height || width > in.width) throw std::invalid_argument("crop larger than its input");
  const std::string name = next("crop");
  const int64_t top = (in.height - height) / 2;
  const int64_t left = (in.width - width) / 2;
  add_int64_constant(name + ".starts", {top, left});
  add_int64_constant(name + ".ends", {top + height, left + width});
  add_int64_constant(name + ".axes", {2, 3});
  Tensor out{name + "_out", in.channels, height, width};
  add_node("Slice", name, {in.name, name + ".starts", name + ".ends", name + ".axes"}, out.name);
  return record(name, "Slice", out, 0);
}

Tensor NetBuilder::flatten(const Tensor& in) {
  const std::string name = next("flatten");
  Tensor out{name + "_out", in.flat ? in.channels : in.channels * in.height * in.width, 1, 1, true};
  add_int(add_node("Flatten", name, {in.name}, out.name), "axis", 1);
  return record(name, "Flatten", out, 0);
}

Tensor NetBuilder::fc(const Tensor& in, int64_t out_features) {
  if (!in.flat) throw std::invalid_argument("fc needs a flat input");
  const std::string name = next("fc");
  const std::string weight = add_weight(name + ".weight", {out_features, in.channels});
  const std::string bias = add_weight(name + ".bias", {out_features});
  Tensor out{name + "_out", out_features, 1, 1, true};
  add_int(add_node("Gemm", name, {in.name, weight, bias}, out.name), "transB", 1);
  return record(name, "Gemm", out, out_features * in.channels);
}

Tensor NetBuilder::softmax(const Tensor& in) {
  Tensor out = unary("Softmax", in);
  add_int(model_.mutable_graph()->mutable_node(model_.graph().node_size() - 1), "axis", -1);
  return out;
}

Tensor NetBuilder::classifier(const Tensor& in, int64_t classes) {
  Tensor out = fc(flatten(global_average_pool(in)), classes);
  output(out);
  return out;
}

void NetBuilder::output(const Tensor& t) { set_value_info(model_.mutable_graph()->add_output(), t); }

std::string NetBuilder::next(const std::string& prefix) { return prefix + std::to_string(++counters_[prefix]); }

::onnx::NodeProto* NetBuilder::add_node(const std::string& op, const std::string& name,
                                      const std::vector<std::string>& inputs, const std::string& output) {
  auto* node = model_.mutable_graph()->add_node();
  node->set_op_type(op);
  node->set_name(name);
  for (const auto& input : inputs) node->add_input(input);
  node->add_output(output);
  return node;
}

std::string NetBuilder::add_weight(const std::string& name, const std::vector<int64_t>& dims) {
  auto* tensor = model_.mutable_graph()->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(::onnx::TensorProto::FLOAT);
  int64_t elements = 1;
  for (int64_t d : dims) {
    tensor->add_dims(d);
    elements *= d;
  }
  if (weights_file_.empty()) {
    tensor->set_raw_data(std::string(static_cast<size_t>(elements) * 4, '\0'));
    weight_bytes_ += elements * 4;
    return name;
  }
  tensor->set_data_location(::onnx::TensorProto::EXTERNAL);
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

void NetBuilder::add_float_constant(const std::string& name, const std::vector<int64_t>& dims,
                                    const std::vector<float>& values) {
  auto* tensor = model_.mutable_graph()->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tensor->add_dims(d);
  for (float v : values) tensor->add_float_data(v);
}

void NetBuilder::add_int64_constant(const std::string& name, const std::vector<int64_t>& values) {
  auto* tensor = model_.mutable_graph()->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(::onnx::TensorProto::INT64);
  tensor->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) tensor->add_int64_data(v);
}

Tensor NetBuilder::unary(const char* op, const Tensor& in) {
  std::string lower(op);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string name = next(lower);
  Tensor out = in;
  out.name = name + "_out";
  add_node(op, name, {in.name}, out.name);
  return record(name, op, out, 0);
}

Tensor NetBuilder::binary(const char* op, const Tensor& a, const Tensor& b) {
  const bool broadcast = b.height == 1 && b.width == 1 && !b.flat && !a.nhwc && !b.nhwc;
  if (b.channels != a.channels || a.nhwc != b.nhwc ||
      (!broadcast && (b.height != a.height || b.width != a.width))) {
    throw std::invalid_argument(std::string(op) + ": operand shapes do not broadcast");
  }
  std::string lower(op);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string name = next(lower);
  Tensor out = a;
  out.name = name + "_out";
  add_node(op, name, {a.name, b.name}, out.name);
  return record(name, op, out, 0);
}

Tensor NetBuilder::record(const std::string& node, const std::string& op, Tensor out, int64_t macs) {
  if (out.channels <= 0 || out.height <= 0 || out.width <= 0) {
    throw std::invalid_argument(node + " (" + op + ") has an empty output at this input size");
  }
  Layer layer;
  layer.node = node;
  layer.op_type = op;
  layer.output_shape = out.flat   ? std::vector<int64_t>{1, out.channels}
                       : out.nhwc ? std::vector<int64_t>{1, out.height, out.width, out.channels}
                                  : std::vector<int64_t>{1, out.channels, out.height, out.width};
  layer.macs = macs;
  layers_.push_back(std::move(layer));
  macs_ += macs;
  return out;
}

void write_model_files(const ::onnx::ModelProto& model, int64_t weight_bytes, const std::filesystem::path& model_path,
                       const std::filesystem::path& weights_path) {
  {
    std::ofstream out(model_path, std::ios::binary | std::ios::trunc);
    if (!out || !model.SerializeToOstream(&out) || !out.flush()) {
      throw std::runtime_error("cannot write " + model_path.string());
    }
  }
  const int fd = ::open(weights_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const bool sized = fd >= 0 && ::ftruncate(fd, weight_bytes) == 0;
  if (fd >= 0) ::close(fd);
  if (!sized) throw std::runtime_error("cannot write " + weights_path.string());
}

}  // namespace bufopt::zoo
