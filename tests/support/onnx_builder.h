#pragma once
/// Builds small synthetic ONNX models through the protobuf API for tests, and saves them to
/// temporary files. Only test code includes this (it brings in the ONNX protobuf types).
///
///   bufopt::testing::TempDir dir;
///   bufopt::testing::OnnxBuilder b;                       // opset 13, IR 8
///   auto x = b.input("x", {1, 3, 32, 32});
///   auto y = b.relu(b.conv(x, 8, bufopt::testing::ConvOptions::square(3, 1, 1)));
///   b.output(y);
///   auto graph = bufopt::onnx::import_model(b.save(dir.file("m.onnx")), {});
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"

namespace bufopt::testing {

/// A fresh directory under the system temporary directory, removed with its contents when the
/// object goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// path() / name, as a string.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// Writes `bytes` to `path` (creating or truncating it).
void write_file(const std::string& path, const std::string& bytes);

/// One node attribute.
struct Attr {
  static Attr i(const std::string& name, int64_t value);
  static Attr f(const std::string& name, float value);
  static Attr s(const std::string& name, const std::string& value);
  static Attr ints(const std::string& name, const std::vector<int64_t>& values);
  static Attr floats(const std::string& name, const std::vector<float>& values);
  static Attr tensor(const std::string& name, const ::onnx::TensorProto& value);
  ::onnx::AttributeProto proto;
};

/// Conv / ConvTranspose attributes; an empty vector or string leaves the attribute out (ONNX's
/// default applies). Chain the setters (designated initialisers trip -Wextra on g++ 12):
///   ConvOptions::square(3, 2, 1).with_group(4).named("dw1")
struct ConvOptions {
  std::vector<int64_t> kernel{3, 3};
  std::vector<int64_t> strides;
  std::vector<int64_t> pads;
  std::vector<int64_t> dilations;
  std::string auto_pad;
  int64_t group = 1;
  bool bias = true;
  std::vector<int64_t> output_padding;  ///< ConvTranspose only
  std::string name;                     ///< node name ("" = automatic)

  /// A k x k kernel with the same stride and padding on both axes.
  static ConvOptions square(int64_t k, int64_t stride = 1, int64_t pad = 0);
  ConvOptions& with_kernel(std::vector<int64_t> value) {
    kernel = std::move(value);
    return *this;
  }
  ConvOptions& with_strides(std::vector<int64_t> value) {
    strides = std::move(value);
    return *this;
  }
  ConvOptions& with_pads(std::vector<int64_t> value) {
    pads = std::move(value);
    return *this;
  }
  ConvOptions& with_dilations(std::vector<int64_t> value) {
    dilations = std::move(value);
    return *this;
  }
  ConvOptions& with_auto_pad(std::string value) {
    auto_pad = std::move(value);
    return *this;
  }
  ConvOptions& with_group(int64_t value) {
    group = value;
    return *this;
  }
  ConvOptions& with_output_padding(std::vector<int64_t> value) {
    output_padding = std::move(value);
    return *this;
  }
  ConvOptions& without_bias() {
    bias = false;
    return *this;
  }
  ConvOptions& named(std::string value) {
    name = std::move(value);
    return *this;
  }
};

/// Pooling attributes; empty leaves the attribute out. Chain the setters like ConvOptions.
struct PoolOptions {
  std::vector<int64_t> kernel{2, 2};
  std::vector<int64_t> strides;
  std::vector<int64_t> pads;
  std::vector<int64_t> dilations;
  std::string auto_pad;
  bool ceil_mode = false;
  std::string name;

  static PoolOptions square(int64_t k, int64_t stride = 1, int64_t pad = 0);
  PoolOptions& with_kernel(std::vector<int64_t> value) {
    kernel = std::move(value);
    return *this;
  }
  PoolOptions& with_strides(std::vector<int64_t> value) {
    strides = std::move(value);
    return *this;
  }
  PoolOptions& with_pads(std::vector<int64_t> value) {
    pads = std::move(value);
    return *this;
  }
  PoolOptions& with_dilations(std::vector<int64_t> value) {
    dilations = std::move(value);
    return *this;
  }
  PoolOptions& with_auto_pad(std::string value) {
    auto_pad = std::move(value);
    return *this;
  }
  PoolOptions& with_ceil_mode() {
    ceil_mode = true;
    return *this;
  }
  PoolOptions& named(std::string value) {
    name = std::move(value);
    return *this;
  }
};

/// A model under construction. Nodes are appended in call order; the builder tracks dim 1
/// (channels) of the tensors its shorthands create, so conv() and batch_norm() can size their
/// weights. Weights are zeros (bufopt only needs their shapes).
class OnnxBuilder {
 public:
  explicit OnnxBuilder(int64_t opset = 13, int64_t ir_version = 8);

  /// A graph input of `dims`; a negative dim is symbolic (dim_param "N" for dim 0, "d<i>" else).
  std::string input(const std::string& name, const std::vector<int64_t>& dims,
                    int elem_type = ::onnx::TensorProto::FLOAT);
  /// A graph input with explicit symbolic dims: entries of `params` that are non-empty replace
  /// the dim of the same index by that dim_param.
  std::string input(const std::string& name, const std::vector<int64_t>& dims, const std::vector<std::string>& params,
                    int elem_type = ::onnx::TensorProto::FLOAT);
  /// Marks `name` as a graph output (type `elem_type`, shape left to inference; libonnx 1.12's
  /// checker then notes "Field 'shape' of 'type' is required", a warning bufopt passes on).
  void output(const std::string& name, int elem_type = ::onnx::TensorProto::FLOAT);
  /// Marks `name` as a graph output declared with shape `dims`.
  void output(const std::string& name, const std::vector<int64_t>& dims, int elem_type = ::onnx::TensorProto::FLOAT);

  /// A float initializer (zeros unless `values` is given).
  std::string initializer(const std::string& name, const std::vector<int64_t>& dims, std::vector<float> values = {});
  /// An int64 initializer.
  std::string initializer_int64(const std::string& name, const std::vector<int64_t>& dims,
                                const std::vector<int64_t>& values);
  /// A float initializer stored as external data in `location` (relative to the model file)
  /// at `offset`; `length` < 0 leaves the length entry out.
  std::string external_initializer(const std::string& name, const std::vector<int64_t>& dims,
                                   const std::string& location, int64_t offset = 0, int64_t length = -1);
  /// A Constant node holding a float tensor (zeros unless `values` is given); returns its output.
  std::string constant(const std::string& name, const std::vector<int64_t>& dims, std::vector<float> values = {});
  /// A Constant node holding a 1-D int64 tensor.
  std::string constant_int64(const std::string& name, const std::vector<int64_t>& values);

  /// A generic node with `outputs` outputs named "<node name>_out" (or "..._out<i>" for i > 0).
  /// Returns every output name.
  std::vector<std::string> node_outputs(const std::string& op_type, const std::vector<std::string>& inputs,
                                        const std::vector<Attr>& attributes = {}, int outputs = 1,
                                        const std::string& name = "", const std::string& domain = "");
  /// A generic single-output node; returns its output.
  std::string node(const std::string& op_type, const std::vector<std::string>& inputs,
                   const std::vector<Attr>& attributes = {}, const std::string& name = "");

  // Shorthands. Each returns the output tensor name.
  std::string conv(const std::string& x, int64_t out_channels, const ConvOptions& options = {});
  std::string conv_transpose(const std::string& x, int64_t out_channels, const ConvOptions& options = {});
  std::string batch_norm(const std::string& x, const std::string& name = "");
  std::string relu(const std::string& x, const std::string& name = "");
  std::string sigmoid(const std::string& x, const std::string& name = "");
  std::string add(const std::string& a, const std::string& b, const std::string& name = "");
  std::string mul(const std::string& a, const std::string& b, const std::string& name = "");
  std::string max_pool(const std::string& x, const PoolOptions& options = {});
  std::string average_pool(const std::string& x, const PoolOptions& options = {});
  std::string global_average_pool(const std::string& x, const std::string& name = "");
  std::string concat(const std::vector<std::string>& inputs, int64_t axis, const std::string& name = "");
  /// Reshape to `shape`, given as an int64 initializer.
  std::string reshape(const std::string& x, const std::vector<int64_t>& shape, const std::string& name = "");
  std::string transpose(const std::string& x, const std::vector<int64_t>& perm, const std::string& name = "");
  std::string flatten(const std::string& x, int64_t axis = 1, const std::string& name = "");

  /// Channels (dim 1) tracked for `tensor`; set_channels() records it for tensors made by node().
  int64_t channels(const std::string& tensor) const;
  void set_channels(const std::string& tensor, int64_t value) { channels_[tensor] = value; }
  /// When false, nodes get no name (the importer then names them "<op_type>_<index>").
  void name_nodes(bool enabled) { name_nodes_ = enabled; }

  ::onnx::ModelProto& model() { return model_; }
  ::onnx::GraphProto& graph() { return *model_.mutable_graph(); }
  /// The serialised model.
  std::string bytes() const;
  /// Writes the model to `path`; returns `path`.
  std::string save(const std::string& path) const;

 private:
  std::string fresh_name(const std::string& op_type);
  std::string weight(const std::string& name, const std::vector<int64_t>& dims);
  std::string conv_like(const std::string& op_type, const std::string& x, int64_t out_channels,
                        const ConvOptions& options);
  std::string pool(const std::string& op_type, const std::string& x, const PoolOptions& options);

  ::onnx::ModelProto model_;
  std::map<std::string, int64_t> channels_;
  std::map<std::string, int> counters_;
  bool name_nodes_ = true;
};

/// Structurally invalid models the importer and the CLI must refuse (exit 3), one builder each
/// so both test suites check the same model:
/// a = Add(x, b), b = Relu(a): a cycle through nodes "loop_a" and "loop_relu";
OnnxBuilder cycle_model();
/// node "adder" reads tensor "ghost", which no node, input or initializer produces.
OnnxBuilder missing_input_model();

/// Saves the model of `builder` into a temporary directory and imports it with `options`.
graph::Graph import_built(const OnnxBuilder& builder, const onnx::ImportOptions& options);
/// The same with fusion off (--no-fuse): every node is an actor.
graph::Graph import_unfused(const OnnxBuilder& builder);
/// The ImportError message importing `builder`'s model gives ("no error" when it imports).
std::string import_error(const OnnxBuilder& builder, const onnx::ImportOptions& options = {});

/// The buffer / actor of `graph` named `name`; throws std::out_of_range when there is none.
const graph::Buffer& buffer_named(const graph::Graph& graph, const std::string& name);
const graph::Actor& actor_named(const graph::Graph& graph, const std::string& name);
/// True when `graph` has a buffer / an actor named `name`.
bool has_buffer(const graph::Graph& graph, const std::string& name);
bool has_actor(const graph::Graph& graph, const std::string& name);

}  // namespace bufopt::testing
