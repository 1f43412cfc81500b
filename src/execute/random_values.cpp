#include "bufopt/execute/random_values.h"

#include <cmath>
#include <functional>
#include <set>
#include <string>

namespace bufopt::execute {

namespace {

using graph::DataType;

/// splitmix64 (Steele, Lea, Flood 2014): a tiny generator whose output is fixed by its seed.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1) with 24 bits (exact in float).
  float unit() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
  /// Uniform in [low, high).
  float uniform(float low, float high) { return low + (high - low) * unit(); }

 private:
  uint64_t state_;
};

bool floating(DataType dtype) {
  return dtype == DataType::kFloat32 || dtype == DataType::kFloat16 || dtype == DataType::kBfloat16 ||
         dtype == DataType::kFloat64;
}

/// A seed for one named item: `seed` mixed with a hash of the name that does not depend on
/// the standard library (FNV-1a).
uint64_t mix(uint64_t seed, const std::string& name) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) hash = (hash ^ c) * 0x100000001b3ULL;
  return seed ^ (hash * 0x9e3779b97f4a7c15ULL);
}

/// The value range [low, high) of a weight read as input `port` of `node`, or nothing to keep
/// the stored values.
struct WeightRange {
  bool replace = false;
  float low = 0;
  float high = 0;
};

WeightRange weight_range(const graph::OperatorNode& node, size_t port, const graph::ConstantTensor& tensor) {
  const std::string& op = node.op_type;
  auto symmetric = [](double a) { return WeightRange{true, static_cast<float>(-a), static_cast<float>(a)}; };
  const int64_t elements = std::max<int64_t>(tensor.elements(), 1);
  if (op == "Conv" || op == "ConvTranspose") {
    if (port == 1) {
      // Conv W [M, C/g, k...]: fan_in C/g * k...; ConvTranspose W [C, M/g, k...]: the same count.
      const int64_t fan_in = tensor.shape.empty() ? 1 : std::max<int64_t>(elements / tensor.shape[0], 1);
      return symmetric(1.0 / std::sqrt(static_cast<double>(fan_in)));
    }
    if (port == 2) return symmetric(0.1);
  }
  if (op == "Gemm" || op == "MatMul") {
    if (port <= 1) {
      int64_t fan_in = tensor.shape.size() >= 2 ? tensor.shape[tensor.shape.size() - 2] : elements;
      const auto trans = node.attributes.find(port == 0 ? "transA" : "transB");
      if (op == "Gemm" && trans != node.attributes.end() && trans->second.i != 0 && tensor.shape.size() == 2) {
        fan_in = tensor.shape[1];
      }
      if (port == 0) fan_in = tensor.shape.empty() ? 1 : tensor.shape.back();
      return symmetric(1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fan_in, 1))));
    }
    if (port == 2) return symmetric(0.1);
  }
  if (op == "BatchNormalization") {
    if (port == 1 || port == 4) return {true, 0.5f, 1.5f};
    if (port == 2 || port == 3) return symmetric(0.1);
  }
  if (op == "InstanceNormalization" || op == "LayerNormalization") {
    if (port == 1) return {true, 0.5f, 1.5f};
    if (port == 2) return symmetric(0.1);
  }
  if (op == "Add" || op == "Sub") return symmetric(0.1);
  if (op == "Mul" || op == "Div") return {true, 0.5f, 1.5f};
  if (op == "PRelu" && port == 1) return {true, 0.0f, 0.5f};
  return {};
}

}  // namespace

graph::ConstantTensor random_tensor(DataType dtype, const std::vector<int64_t>& shape, uint64_t seed) {
  graph::ConstantTensor tensor;
  tensor.dtype = dtype;
  tensor.shape = shape;
  const auto n = static_cast<size_t>(tensor.elements());
  SplitMix64 random(seed);
  if (floating(dtype)) {
    tensor.reals.resize(n);
    for (float& value : tensor.reals) value = random.uniform(-1.0f, 1.0f);
    return tensor;
  }
  tensor.integers.resize(n);
  for (int64_t& value : tensor.integers) {
    const uint64_t bits = random.next() >> 32;
    switch (dtype) {
      case DataType::kInt8: value = static_cast<int64_t>(bits % 256) - 128; break;
      case DataType::kUint8: value = static_cast<int64_t>(bits % 256); break;
      case DataType::kBool: value = static_cast<int64_t>(bits % 2); break;
      default: value = static_cast<int64_t>(bits % 4); break;
    }
  }
  return tensor;
}

TensorMap random_inputs(const graph::Graph& graph, const TensorMap& given, uint64_t seed) {
  TensorMap inputs = given;
  uint64_t position = 0;
  for (const graph::Buffer& buffer : graph.buffers) {
    if (buffer.io != graph::IoRole::kInput) continue;
    ++position;
    if (inputs.count(buffer.name)) continue;
    inputs[buffer.name] = random_tensor(buffer.dtype, buffer.shape, seed * 0x100000001b3ULL + position);
  }
  return inputs;
}

int64_t randomize_weights(graph::ModelProgram& program, uint64_t seed) {
  std::set<std::string> done;
  int64_t replaced = 0;
  for (const graph::ActorProgram& actor : program.actors) {
    for (const graph::OperatorNode& node : actor.nodes) {
      for (size_t port = 0; port < node.inputs.size(); ++port) {
        const std::string& name = node.inputs[port];
        const auto found = program.constants.find(name);
        if (found == program.constants.end() || done.count(name)) continue;
        graph::ConstantTensor& tensor = found->second;
        if (!floating(tensor.dtype)) continue;
        const WeightRange range = weight_range(node, port, tensor);
        done.insert(name);  // the first reader decides, once
        if (!range.replace) continue;
        SplitMix64 random(mix(seed, name));
        tensor.reals.resize(static_cast<size_t>(tensor.elements()));
        for (float& value : tensor.reals) value = random.uniform(range.low, range.high);
        ++replaced;
      }
    }
  }
  return replaced;
}

}  // namespace bufopt::execute
