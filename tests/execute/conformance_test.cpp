// Kernel-level conformance: every single-node case of ONNX's own backend test data (Debian's
// libonnx-testdata, data/node/*) whose node the kernels support is run whole and compared with
// its expected outputs at the backend tests' tolerance (rtol 1e-3, atol 1e-7). No supported
// case may fail; each operator has a pinned minimum of passes so a growing refusal list shows.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "bufopt/execute/kernels.h"
#include "bufopt/graph/float16.h"
#include "bufopt/onnx/model_file.h"
#include "bufopt/onnx/program_nodes.h"
#include "bufopt/onnx/proto_nodes.h"
#include "support/real_models.h"

namespace bufopt::execute {
namespace {

namespace fs = std::filesystem;
using graph::ConstantTensor;
using graph::DataType;

const fs::path kNodeData = "/usr/share/libonnx-testdata/data/node";

bool floating(DataType type) {
  return type == DataType::kFloat32 || type == DataType::kFloat16 || type == DataType::kFloat64 ||
         type == DataType::kBfloat16;
}

std::vector<float> as_floats(const ConstantTensor& tensor) {
  if (!tensor.reals.empty() || tensor.integers.empty()) return tensor.reals;
  std::vector<float> values;
  for (int64_t value : tensor.integers) values.push_back(static_cast<float>(value));
  return values;
}

/// The tensor `file` holds, read as the graph declares it: ONNX stores bfloat16 test values
/// as their uint16 bit patterns.
ConstantTensor read_declared(const fs::path& file, int declared) {
  ConstantTensor tensor = onnx::read_tensor_file(file).tensor;
  if (declared == ::onnx::TensorProto::BFLOAT16 && tensor.dtype == DataType::kUint16) {
    for (int64_t bits : tensor.integers) tensor.reals.push_back(graph::bfloat16_to_float(static_cast<uint16_t>(bits)));
    tensor.integers.clear();
    tensor.dtype = DataType::kBfloat16;
  }
  return tensor;
}

/// The dtype a graph input or output declares, or nullopt for a sequence, map or optional.
std::optional<int> declared_dtype(const ::onnx::ValueInfoProto& value) {
  if (!value.type().has_tensor_type()) return std::nullopt;
  return value.type().tensor_type().elem_type();
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
  std::vector<fs::path> data_sets;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory() && entry.path().filename().string().rfind("test_data_set_", 0) == 0) {
      data_sets.push_back(entry.path());
    }
  }
  std::sort(data_sets.begin(), data_sets.end());
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
      const std::vector<float> want = as_floats(expected[j]);
      const std::vector<float>& got = outputs[j].data;
      if (got.size() != want.size()) {
        failures.push_back(fmt::format("output {}: {} values, expected {}", j, got.size(), want.size()));
        continue;
      }
      double worst = 0;
      size_t worst_at = 0;
      bool bad = false;
      for (size_t k = 0; k < want.size(); ++k) {
        if (std::isnan(want[k]) && std::isnan(got[k])) continue;
        if (want[k] == got[k]) continue;  // infinities
        const double diff = std::fabs(static_cast<double>(got[k]) - want[k]);
        // The same for float16 / bfloat16 outputs, widened: one rounding to the output dtype
        // moves a value by at most half a float16 ulp (2^-11 relative < 1e-3).
        const double allowed = 1e-7 + 1e-3 * std::fabs(static_cast<double>(want[k]));
        if (!(diff <= allowed)) {
          bad = true;
          if (!(diff <= worst)) {
            worst = diff;
            worst_at = k;
          }
        }
      }
      if (bad) {
        failures.push_back(fmt::format("{} output {}: element {} is {}, expected {}", data_set.filename().string(),
                                       j, worst_at, got[worst_at], want[worst_at]));
      }
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
      {"Atanh", 2}, {"AveragePool", 12}, {"BatchNormalization", 2}, {"Cast", 14}, {"Ceil", 2}, {"Celu", 1},
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
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(kNodeData)) {
    if (fs::exists(entry.path() / "model.onnx")) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  struct Tally {
    int passed = 0;
    int run = 0;
    int refused = 0;
    std::set<std::string> reasons;
  };
  std::map<std::string, Tally> tally;
  std::vector<std::string> failures;
  for (const fs::path& dir : cases) {
    Outcome outcome;
    try {
      outcome = run_case(dir);
    } catch (const std::exception& error) {
      failures.push_back(fmt::format("{}: {}", dir.filename().string(), error.what()));
      continue;
    }
    if (outcome.kind == Outcome::Kind::kNotSingleNode) continue;
    Tally& row = tally[outcome.op_type];
    if (outcome.kind == Outcome::Kind::kRefused) {
      ++row.refused;
      row.reasons.insert(outcome.detail);
      continue;
    }
    ++row.run;
    if (outcome.kind == Outcome::Kind::kPassed) {
      ++row.passed;
    } else {
      failures.push_back(fmt::format("{}: {}", dir.filename().string(), outcome.detail));
    }
  }
  std::ostringstream table;
  table << "| operator | passed | run | refused | refusal reasons |\n|---|---:|---:|---:|---|\n";
  int passed = 0;
  int run = 0;
  int refused = 0;
  for (const auto& [op, row] : tally) {
    if (row.run == 0 && row.refused == 0) continue;
    std::string reasons;
    for (const std::string& reason : row.reasons) reasons += (reasons.empty() ? "" : "; ") + reason;
    table << fmt::format("| {} | {} | {} | {} | {} |\n", op, row.passed, row.run, row.refused, reasons);
    passed += row.passed;
    run += row.run;
    refused += row.refused;
  }
  table << fmt::format("| **all** | {} | {} | {} | |\n", passed, run, refused);
  std::cout << table.str();
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  for (const auto& [op, minimum] : minimum_passes()) {
    const auto found = tally.find(op);
    const int got = found == tally.end() ? 0 : found->second.passed;
    EXPECT_GE(got, minimum) << op << " passes fewer cases than pinned";
  }
}

}  // namespace
}  // namespace bufopt::execute
