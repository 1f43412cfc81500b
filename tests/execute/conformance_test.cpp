// Kernel-level conformance: every single-node case of ONNX's own backend test data (Debian's
// libonnx-testdata, data/node/*) whose node the kernels support is run whole and compared with
// its expected outputs at the backend tests' tolerance (rtol 1e-3, atol 1e-7; float16 outputs
// widened at the same; bfloat16 outputs at rtol 1e-3 + 2^-7, one bfloat16 ulp more, argued in
// conformance_support.h). No supported case may fail; each operator has a pinned minimum of
// passes so a growing refusal list shows. Case walking, reading and comparing are shared with
// pipeline_conformance_test.cpp (conformance_support.h).
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "bufopt/execute/kernels.h"
#include "bufopt/onnx/model_file.h"
#include "bufopt/onnx/program_nodes.h"
#include "bufopt/onnx/proto_nodes.h"
#include "conformance_support.h"
#include "support/real_models.h"

namespace bufopt::execute {
namespace {

namespace fs = std::filesystem;
using conformance::read_declared;
using graph::ConstantTensor;
using graph::DataType;

const fs::path kNodeData = conformance::kTestData / "node";

bool floating(DataType type) {
  return type == DataType::kFloat32 || type == DataType::kFloat16 || type == DataType::kFloat64 ||
         type == DataType::kBfloat16;
}

/// The dtype a graph input or output declares, or nullopt for a sequence, map or optional.
std::optional<int> declared_dtype(const ::onnx::ValueInfoProto& value) {
  const int type = conformance::declared_type(value);
  return type < 0 ? std::nullopt : std::optional<int>(type);
}

/// What one case gave.
struct Outcome {
  enum class Kind { kPassed, kFailed, kRefused, kNotSingleNode } kind = Kind::kNotSingleNode;
  std::string op_type;
  std::string detail;  ///< refusal reason or failure
};

/// Runs every test_data_set_* of the single-node case in `dir`.
Outcome run_case(const fs::path& dir) {
  Outcome outcome;
  const onnx::ImportLimits limits;
  const ::onnx::ModelProto model = onnx::read_model_file(dir / "model.onnx", limits);
  const ::onnx::GraphProto& graph_proto = model.graph();
  if (graph_proto.node_size() != 1) return outcome;
  onnx::ExternalData external(dir, limits.max_external_bytes);
  const ::onnx::NodeProto& proto = graph_proto.node(0);
  const onnx::OpNode op =
      onnx::make_op_node(proto, 0, onnx::opset_versions(model), external, limits);
  const graph::OperatorNode node = onnx::to_operator_node(op, proto, external, limits);
  outcome.op_type = node.op_type;
  std::set<std::string> initializers;
  graph::ModelProgram base;
  for (const auto& initializer : graph_proto.initializer()) {
    base.constants[initializer.name()] = onnx::to_constant_tensor(initializer, external, limits);
    initializers.insert(initializer.name());
  }
  std::vector<std::string> graph_inputs;
  std::vector<int> input_types;
  for (const auto& input : graph_proto.input()) {
    if (initializers.count(input.name())) continue;
    const auto type = declared_dtype(input);
    graph_inputs.push_back(input.name());
    input_types.push_back(type.value_or(0));
    if (!type) {
      outcome.kind = Outcome::Kind::kRefused;
      outcome.detail = "an input that is not a tensor (sequence, map or optional)";
      return outcome;
    }
    base.values[input.name()].dtype = graph::dtype_from_int(*type);
  }
  std::vector<int> output_types;
  for (const auto& output : graph_proto.output()) {
    const auto type = declared_dtype(output);
    output_types.push_back(type.value_or(0));
    if (!type) {
      outcome.kind = Outcome::Kind::kRefused;
      outcome.detail = "an output that is not a tensor (sequence, map or optional)";
      return outcome;
    }
    base.values[output.name()].dtype = graph::dtype_from_int(*type);
  }
  // A case with strings or other non-numeric tensors is refused from its declared types (its
  // data cannot be read as numbers); the others are checked with their data bound.
  bool numeric = true;
  for (int type : input_types) numeric = numeric && graph::dtype_bytes(graph::dtype_from_int(type)) > 0;
  for (int type : output_types) numeric = numeric && graph::dtype_bytes(graph::dtype_from_int(type)) > 0;
  if (!numeric) {
    const auto reason = unsupported_reason(node, base);
    outcome.kind = Outcome::Kind::kRefused;
    outcome.detail = reason.value_or("a non-numeric tensor");
    return outcome;
  }
  const std::vector<fs::path> data_sets = conformance::data_sets(dir);
  if (data_sets.empty()) return outcome;
  std::vector<std::string> failures;
  for (const fs::path& data_set : data_sets) {
    graph::ModelProgram program = base;
    std::map<std::string, TensorWindow> windows;
    for (size_t i = 0; i < graph_inputs.size(); ++i) {
      const fs::path file = data_set / fmt::format("input_{}.pb", i);
      if (!fs::exists(file)) continue;  // an omitted optional input
      const ConstantTensor tensor = read_declared(file, input_types[i]);
      program.values.erase(graph_inputs[i]);
      if (floating(tensor.dtype)) {
        // Activations (and float parameters, which the kernels read as windows too).
        TensorWindow window;
        window.shape = tensor.shape;
        window.row_end = 1;
        window.data = tensor.reals;
        windows[graph_inputs[i]] = window;
        program.values[graph_inputs[i]] = graph::ValueInfo{tensor.dtype, tensor.shape, std::nullopt};
      } else {
        program.constants[graph_inputs[i]] = tensor;
      }
    }
    std::vector<ConstantTensor> expected;
    for (int j = 0; j < graph_proto.output_size(); ++j) {
      expected.push_back(read_declared(data_set / fmt::format("output_{}.pb", j), output_types[static_cast<size_t>(j)]));
      program.values[graph_proto.output(j).name()] =
          graph::ValueInfo{expected.back().dtype, expected.back().shape, std::nullopt};
    }
    if (const auto reason = unsupported_reason(node, program)) {
      outcome.kind = Outcome::Kind::kRefused;
      outcome.detail = *reason;
      return outcome;
    }
    std::vector<const TensorWindow*> inputs;
    for (const std::string& name : node.inputs) {
      const auto found = windows.find(name);
      inputs.push_back(found == windows.end() ? nullptr : &found->second);
    }
    std::vector<TensorWindow> outputs;
    for (const ConstantTensor& tensor : expected) {
      TensorWindow window;
      window.shape = tensor.shape;
      window.row_end = 1;
      outputs.push_back(window);
    }
    // The node's outputs that the graph does not expose are not requested: give only the
    // graph's (ONNX node tests list every output the node writes).
    try {
      run_node(node, program, inputs, outputs);
    } catch (const std::exception& error) {
      failures.push_back(fmt::format("{}: threw: {}", data_set.filename().string(), error.what()));
      continue;
    }
    for (size_t j = 0; j < expected.size(); ++j) {
      // float16 / bfloat16 outputs widened, at their dtype's tolerance (conformance_support.h).
      const std::string failure = conformance::tolerance_failure(outputs[j].data, expected[j]);
      if (!failure.empty()) failures.push_back(fmt::format("{} output {}: {}", data_set.filename().string(), j, failure));
    }
  }
  outcome.kind = failures.empty() ? Outcome::Kind::kPassed : Outcome::Kind::kFailed;
  for (const std::string& failure : failures) outcome.detail += failure + "; ";
  return outcome;
}

/// Fewest passing cases per operator (what the kernels passed when this was written): a case
/// that stops passing, or a refusal that grows, fails the test.
const std::map<std::string, int>& minimum_passes() {
  static const std::map<std::string, int> kMinimum = {
      {"Abs", 1}, {"Acos", 2}, {"Acosh", 2}, {"Add", 2}, {"Asin", 2}, {"Asinh", 2}, {"Atan", 2},
      {"Atanh", 2}, {"AveragePool", 12}, {"BatchNormalization", 2}, {"Cast", 16}, {"Ceil", 2}, {"Celu", 1},
      {"Clip", 8}, {"Concat", 12}, {"Conv", 6}, {"ConvTranspose", 9}, {"Cos", 2}, {"Cosh", 2},
      {"DepthToSpace", 4}, {"DequantizeLinear", 2}, {"Div", 3}, {"Dropout", 4}, {"Elu", 3}, {"Erf", 1},
      {"Exp", 2}, {"Expand", 2}, {"Flatten", 9}, {"Floor", 2}, {"Gather", 4}, {"Gemm", 11},
      {"GlobalAveragePool", 2}, {"GlobalMaxPool", 2}, {"HardSigmoid", 3}, {"HardSwish", 1}, {"Hardmax", 7},
      {"Identity", 1}, {"InstanceNormalization", 2}, {"LRN", 2}, {"LayerNormalization", 19},
      {"LeakyRelu", 3}, {"Log", 2}, {"LogSoftmax", 7}, {"MatMul", 3}, {"Max", 6}, {"MaxPool", 11},
      {"Mean", 3}, {"Min", 6}, {"Mul", 3}, {"Neg", 2}, {"PRelu", 2}, {"Pad", 1}, {"Pow", 9},
      {"QuantizeLinear", 2}, {"Reciprocal", 2}, {"ReduceL1", 8}, {"ReduceL2", 8}, {"ReduceLogSum", 5},
      {"ReduceLogSumExp", 8}, {"ReduceMax", 8}, {"ReduceMean", 8}, {"ReduceMin", 8}, {"ReduceProd", 8},
      {"ReduceSum", 10}, {"ReduceSumSquare", 8}, {"Relu", 1}, {"Reshape", 10}, {"Resize", 22}, {"Round", 1},
      {"Selu", 3}, {"Shrink", 2}, {"Sigmoid", 2}, {"Sign", 1}, {"Sin", 2}, {"Sinh", 2}, {"Slice", 8},
      {"Softmax", 7}, {"Softplus", 2}, {"Softsign", 2}, {"SpaceToDepth", 2}, {"Split", 7}, {"Sqrt", 2},
      {"Squeeze", 2}, {"Sub", 3}, {"Sum", 3}, {"Tan", 2}, {"Tanh", 2}, {"ThresholdedRelu", 3},
      {"Transpose", 7}, {"Unsqueeze", 8}, {"Upsample", 1},
  };
  return kMinimum;
}

TEST(Conformance, OnnxNodeTestsPassForEverySupportedCase) {
  if (!fs::is_directory(kNodeData)) {
    if (testing::models_required()) FAIL() << "libonnx-testdata is not installed (" << kNodeData << ")";
    GTEST_SKIP() << "libonnx-testdata is not installed (" << kNodeData << "); scripts/setup.sh installs it";
  }
  std::map<std::string, conformance::Tally> tally;
  std::vector<std::string> failures;
  for (const fs::path& dir : conformance::case_dirs(kNodeData)) {
    Outcome outcome;
    try {
      outcome = run_case(dir);
    } catch (const std::exception& error) {
      failures.push_back(fmt::format("{}: {}", dir.filename().string(), error.what()));
      continue;
    }
    if (outcome.kind == Outcome::Kind::kNotSingleNode) continue;
    conformance::Tally& row = tally[outcome.op_type];
    if (outcome.kind == Outcome::Kind::kRefused) {
      ++row.refused;
      ++row.reasons[outcome.detail];
      continue;
    }
    ++row.run;
    if (outcome.kind == Outcome::Kind::kPassed) {
      ++row.passed;
    } else {
      failures.push_back(fmt::format("{}: {}", dir.filename().string(), outcome.detail));
    }
  }
  std::cout << conformance::tally_table(tally, "operator", true);
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  conformance::expect_minimum_passes(tally, minimum_passes());
}

}  // namespace
}  // namespace bufopt::execute
