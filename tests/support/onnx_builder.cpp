#include "support/onnx_builder.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

namespace bufopt::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "bufopt-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

const graph::Buffer& buffer_named(const graph::Graph& graph, const std::string& name) {
  for (const auto& buffer : graph.buffers) {
    if (buffer.name == name) return buffer;
  }
  throw std::out_of_range("no buffer named '" + name + "'");
}

const graph::Actor& actor_named(const graph::Graph& graph, const std::string& name) {
  for (const auto& actor : graph.actors) {
    if (actor.name == name) return actor;
  }
  throw std::out_of_range("no actor named '" + name + "'");
}

bool has_buffer(const graph::Graph& graph, const std::string& name) {
  for (const auto& buffer : graph.buffers) {
    if (buffer.name == name) return true;
  }
  return false;
}

bool has_actor(const graph::Graph& graph, const std::string& name) {
  for (const auto& actor : graph.actors) {
    if (actor.name == name) return true;
  }
  return false;
}

ConvOptions ConvOptions::square(int64_t k, int64_t stride, int64_t pad) {
  ConvOptions options;
  options.kernel = {k, k};
  if (stride != 1) options.strides = {stride, stride};
  if (pad != 0) options.pads = {pad, pad, pad, pad};
  return options;
}

PoolOptions PoolOptions::square(int64_t k, int64_t stride, int64_t pad) {
  PoolOptions options;
  options.kernel = {k, k};
  if (stride != 1) options.strides = {stride, stride};
  if (pad != 0) options.pads = {pad, pad, pad, pad};
  return options;
}

Attr Attr::i(const std::string& name, int64_t value) {
  Attr attr;
  attr.proto.set_name(name);
  attr.proto.set_type(::onnx::AttributeProto::INT);
  attr.proto.set_i(value);
  return attr;
}

Attr Attr::f(const std::string& name, float value) {
  Attr attr;
  attr.proto.set_name(name);
  attr.proto.set_type(::onnx::AttributeProto::FLOAT);
  attr.proto.set_f(value);
  return attr;
}

Attr Attr::s(const std::string& name, const std::string& value) {
  Attr attr;
  attr.proto.set_name(name);
  attr.proto.set_type(::onnx::AttributeProto::STRING);
  attr.proto.set_s(value);
  return attr;
}

Attr Attr::ints(const std::string& name, const std::vector<int64_t>& values) {
  Attr attr;
  attr.proto.set_name(name);
  attr.proto.set_type(::onnx::AttributeProto::INTS);
  for (int64_t value : values) attr.proto.add_ints(value);
  return attr;
}

Attr Attr::floats(const std::string& name, const std::vector<float>& values) {
  Attr attr;
  attr.proto.set_name(name);
  attr.proto.set_type(::onnx::AttributeProto::FLOATS);
  for (float value : values) attr.proto.add_floats(value);
  return attr;
}

Attr Attr::tensor(const std::string& name, const ::onnx::TensorProto& value) {
  Attr attr;
  attr.proto.set_name(name);
  attr.proto.set_type(::onnx::AttributeProto::TENSOR);
  *attr.proto.mutable_t() = value;
  return attr;
}

namespace {

int64_t element_count(const std::vector<int64_t>& dims) {
  int64_t count = 1;
  for (int64_t dim : dims) count *= dim;
  return count;
}

::onnx::TensorProto float_tensor(const std::string& name, const std::vector<int64_t>& dims, std::vector<float> values) {
  ::onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t dim : dims) tensor.add_dims(dim);
  if (values.empty()) values.assign(static_cast<size_t>(element_count(dims)), 0.0f);
  tensor.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  return tensor;
}

::onnx::TensorProto int64_tensor(const std::string& name, const std::vector<int64_t>& dims,
                               const std::vector<int64_t>& values) {
  ::onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(::onnx::TensorProto::INT64);
  for (int64_t dim : dims) tensor.add_dims(dim);
  for (int64_t value : values) tensor.add_int64_data(value);
  return tensor;
}

}  // namespace

OnnxBuilder::OnnxBuilder(int64_t opset, int64_t ir_version) {
  model_.set_ir_version(ir_version);
  model_.set_producer_name("bufopt-tests");
  auto* entry = model_.add_opset_import();
  entry->set_domain("");
  entry->set_version(opset);
  model_.mutable_graph()->set_name("test");
}

std::string OnnxBuilder::input(const std::string& name, const std::vector<int64_t>& dims, int elem_type) {
  return input(name, dims, {}, elem_type);
}

std::string OnnxBuilder::input(const std::string& name, const std::vector<int64_t>& dims,
                               const std::vector<std::string>& params, int elem_type) {
  auto* value = graph().add_input();
  value->set_name(name);
  auto* tensor_type = value->mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(elem_type);
  auto* shape = tensor_type->mutable_shape();
  for (size_t i = 0; i < dims.size(); ++i) {
    auto* dim = shape->add_dim();
    if (i < params.size() && !params[i].empty()) {
      dim->set_dim_param(params[i]);
    } else if (dims[i] < 0) {
      dim->set_dim_param(i == 0 ? "N" : "d" + std::to_string(i));
    } else {
      dim->set_dim_value(dims[i]);
    }
  }
  if (dims.size() > 1 && dims[1] > 0) channels_[name] = dims[1];
  return name;
}

void OnnxBuilder::output(const std::string& name, int elem_type) {
  auto* value = graph().add_output();
  value->set_name(name);
  value->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
}

void OnnxBuilder::output(const std::string& name, const std::vector<int64_t>& dims, int elem_type) {
  output(name, elem_type);
  auto* shape =
      graph().mutable_output(graph().output_size() - 1)->mutable_type()->mutable_tensor_type()->mutable_shape();
  for (int64_t dim : dims) shape->add_dim()->set_dim_value(dim);
}

std::string OnnxBuilder::initializer(const std::string& name, const std::vector<int64_t>& dims,
                                     std::vector<float> values) {
  *graph().add_initializer() = float_tensor(name, dims, std::move(values));
  return name;
}

std::string OnnxBuilder::initializer_int64(const std::string& name, const std::vector<int64_t>& dims,
                                           const std::vector<int64_t>& values) {
  *graph().add_initializer() = int64_tensor(name, dims, values);
  return name;
}

std::string OnnxBuilder::external_initializer(const std::string& name, const std::vector<int64_t>& dims,
                                              const std::string& location, int64_t offset, int64_t length) {
  auto* tensor = graph().add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t dim : dims) tensor->add_dims(dim);
  tensor->set_data_location(::onnx::TensorProto::EXTERNAL);
  auto add_entry = [&](const std::string& key, const std::string& value) {
    auto* entry = tensor->add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  };
  add_entry("location", location);
  add_entry("offset", std::to_string(offset));
  if (length >= 0) add_entry("length", std::to_string(length));
  return name;
}

std::string OnnxBuilder::constant(const std::string& name, const std::vector<int64_t>& dims,
                                  std::vector<float> values) {
  return node("Constant", {}, {Attr::tensor("value", float_tensor(name, dims, std::move(values)))}, name);
}

std::string OnnxBuilder::constant_int64(const std::string& name, const std::vector<int64_t>& values) {
  const std::vector<int64_t> dims{static_cast<int64_t>(values.size())};
  return node("Constant", {}, {Attr::tensor("value", int64_tensor(name, dims, values))}, name);
}

std::string OnnxBuilder::fresh_name(const std::string& op_type) {
  return op_type + "_" + std::to_string(counters_[op_type]++);
}

std::vector<std::string> OnnxBuilder::node_outputs(const std::string& op_type, const std::vector<std::string>& inputs,
                                                   const std::vector<Attr>& attributes, int outputs,
                                                   const std::string& name, const std::string& domain) {
  const std::string node_name = name.empty() ? fresh_name(op_type) : name;
  auto* node = graph().add_node();
  if (name_nodes_ || !name.empty()) node->set_name(node_name);
  node->set_op_type(op_type);
  if (!domain.empty()) node->set_domain(domain);
  for (const auto& input : inputs) node->add_input(input);
  std::vector<std::string> names;
  for (int i = 0; i < outputs; ++i) {
    names.push_back(i == 0 ? node_name + "_out" : node_name + "_out" + std::to_string(i));
    node->add_output(names.back());
  }
  for (const Attr& attribute : attributes) *node->add_attribute() = attribute.proto;
  // Element-wise shorthands and generic nodes keep the channels of their first input.
  if (!inputs.empty() && channels_.count(inputs[0])) channels_[names[0]] = channels_[inputs[0]];
  return names;
}

std::string OnnxBuilder::node(const std::string& op_type, const std::vector<std::string>& inputs,
                              const std::vector<Attr>& attributes, const std::string& name) {
  return node_outputs(op_type, inputs, attributes, 1, name).front();
}

std::string OnnxBuilder::weight(const std::string& name, const std::vector<int64_t>& dims) {
  return initializer(name, dims);
}

int64_t OnnxBuilder::channels(const std::string& tensor) const {
  const auto found = channels_.find(tensor);
  if (found == channels_.end()) throw std::logic_error("OnnxBuilder: channels of '" + tensor + "' unknown");
  return found->second;
}

std::string OnnxBuilder::conv_like(const std::string& op_type, const std::string& x, int64_t out_channels,
                                   const ConvOptions& options) {
  const std::string name = options.name.empty() ? fresh_name(op_type) : options.name;
  const int64_t in_channels = channels(x);
  std::vector<int64_t> weight_dims = op_type == "ConvTranspose"
                                         ? std::vector<int64_t>{in_channels, out_channels / options.group}
                                         : std::vector<int64_t>{out_channels, in_channels / options.group};
  for (int64_t k : options.kernel) weight_dims.push_back(k);
  std::vector<std::string> inputs{x, weight(name + ".weight", weight_dims)};
  if (options.bias) inputs.push_back(weight(name + ".bias", {out_channels}));
  std::vector<Attr> attributes{Attr::ints("kernel_shape", options.kernel)};
  if (!options.strides.empty()) attributes.push_back(Attr::ints("strides", options.strides));
  if (!options.pads.empty()) attributes.push_back(Attr::ints("pads", options.pads));
  if (!options.dilations.empty()) attributes.push_back(Attr::ints("dilations", options.dilations));
  if (!options.auto_pad.empty()) attributes.push_back(Attr::s("auto_pad", options.auto_pad));
  if (options.group != 1) attributes.push_back(Attr::i("group", options.group));
  if (!options.output_padding.empty()) attributes.push_back(Attr::ints("output_padding", options.output_padding));
  const std::string out = node(op_type, inputs, attributes, name);
  channels_[out] = out_channels;
  return out;
}

std::string OnnxBuilder::conv(const std::string& x, int64_t out_channels, const ConvOptions& options) {
  return conv_like("Conv", x, out_channels, options);
}

std::string OnnxBuilder::conv_transpose(const std::string& x, int64_t out_channels, const ConvOptions& options) {
  return conv_like("ConvTranspose", x, out_channels, options);
}

std::string OnnxBuilder::batch_norm(const std::string& x, const std::string& name) {
  const std::string node_name = name.empty() ? fresh_name("BatchNormalization") : name;
  const int64_t c = channels(x);
  std::vector<std::string> inputs{x};
  for (const char* part : {".scale", ".bias", ".mean", ".var"}) inputs.push_back(weight(node_name + part, {c}));
  return node("BatchNormalization", inputs, {}, node_name);
}

std::string OnnxBuilder::relu(const std::string& x, const std::string& name) {
  return node("Relu", {x}, {}, name);
}

std::string OnnxBuilder::sigmoid(const std::string& x, const std::string& name) {
  return node("Sigmoid", {x}, {}, name);
}

std::string OnnxBuilder::add(const std::string& a, const std::string& b, const std::string& name) {
  return node("Add", {a, b}, {}, name);
}

std::string OnnxBuilder::mul(const std::string& a, const std::string& b, const std::string& name) {
  return node("Mul", {a, b}, {}, name);
}

std::string OnnxBuilder::pool(const std::string& op_type, const std::string& x, const PoolOptions& options) {
  std::vector<Attr> attributes{Attr::ints("kernel_shape", options.kernel)};
  if (!options.strides.empty()) attributes.push_back(Attr::ints("strides", options.strides));
  if (!options.pads.empty()) attributes.push_back(Attr::ints("pads", options.pads));
  if (!options.dilations.empty()) attributes.push_back(Attr::ints("dilations", options.dilations));
  if (!options.auto_pad.empty()) attributes.push_back(Attr::s("auto_pad", options.auto_pad));
  if (options.ceil_mode) attributes.push_back(Attr::i("ceil_mode", 1));
  return node(op_type, {x}, attributes, options.name);
}

std::string OnnxBuilder::max_pool(const std::string& x, const PoolOptions& options) {
  return pool("MaxPool", x, options);
}

std::string OnnxBuilder::average_pool(const std::string& x, const PoolOptions& options) {
  return pool("AveragePool", x, options);
}

std::string OnnxBuilder::global_average_pool(const std::string& x, const std::string& name) {
  return node("GlobalAveragePool", {x}, {}, name);
}

std::string OnnxBuilder::concat(const std::vector<std::string>& inputs, int64_t axis, const std::string& name) {
  const std::string out = node("Concat", inputs, {Attr::i("axis", axis)}, name);
  if (axis == 1) {
    int64_t total = 0;
    for (const auto& input : inputs) total += channels_.count(input) ? channels_[input] : 0;
    channels_[out] = total;
  }
  return out;
}

std::string OnnxBuilder::reshape(const std::string& x, const std::vector<int64_t>& shape, const std::string& name) {
  const std::string node_name = name.empty() ? fresh_name("Reshape") : name;
  const std::string target = initializer_int64(node_name + ".shape", {static_cast<int64_t>(shape.size())}, shape);
  const std::string out = node("Reshape", {x, target}, {}, node_name);
  channels_.erase(out);
  if (shape.size() > 1 && shape[1] > 0) channels_[out] = shape[1];
  return out;
}

std::string OnnxBuilder::transpose(const std::string& x, const std::vector<int64_t>& perm, const std::string& name) {
  const std::string out = node("Transpose", {x}, {Attr::ints("perm", perm)}, name);
  if (perm.size() < 2 || perm[1] != 1) channels_.erase(out);  // dim 1 moved: channels unknown
  return out;
}

std::string OnnxBuilder::flatten(const std::string& x, int64_t axis, const std::string& name) {
  const std::string out = node("Flatten", {x}, {Attr::i("axis", axis)}, name);
  channels_.erase(out);
  return out;
}

std::string OnnxBuilder::bytes() const {
  std::string serialized;
  if (!model_.SerializeToString(&serialized)) throw std::runtime_error("OnnxBuilder: serialisation failed");
  return serialized;
}

std::string OnnxBuilder::save(const std::string& path) const {
  write_file(path, bytes());
  return path;
}

graph::Graph import_built(const OnnxBuilder& builder, const onnx::ImportOptions& options) {
  TempDir dir;
  return onnx::import_model(builder.save(dir.file("model.onnx")), options);
}

graph::Graph import_unfused(const OnnxBuilder& builder) {
  onnx::ImportOptions options;
  options.fuse = false;
  return import_built(builder, options);
}

std::string import_error(const OnnxBuilder& builder, const onnx::ImportOptions& options) {
  try {
    import_built(builder, options);
  } catch (const onnx::ImportError& error) {
    return error.what();
  }
  return "no error";
}

OnnxBuilder cycle_model() {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  builder.node("Add", {x, "loop_b"}, {}, "loop_a");
  builder.graph().mutable_node(0)->set_output(0, "loop_a");
  builder.node("Relu", {"loop_a"}, {}, "loop_relu");
  builder.graph().mutable_node(1)->set_output(0, "loop_b");
  builder.output("loop_b");
  return builder;
}

OnnxBuilder missing_input_model() {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  builder.output(builder.add(x, "ghost", "adder"));
  return builder;
}

}  // namespace bufopt::testing
