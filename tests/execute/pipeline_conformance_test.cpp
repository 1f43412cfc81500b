// Pipeline-level conformance: every model of ONNX's own test data (Debian's libonnx-testdata:
// data/node, pytorch-converted, pytorch-operator, simple) that bufopt imports and the executor
// supports is planned with --stream-io and executed BY PARTS in its arena, with two plans: every
// actor at one row per firing (the finest, most rings and partial windows) and the optimizer's
// answer at R = 1.2 on mcu. Each by-parts result must equal layer by layer bit for bit and the
// expected outputs at the backend tests' tolerance (rtol 1e-3, atol 1e-7). float16 (and
// bfloat16) outputs are widened to float32 and compared at that same tolerance: the kernels
// compute in float32 and round once to the output's dtype, and one float16 rounding moves a value
// by at most 2^-11 relative (half an ulp), well within 1e-3. Unlike
// conformance_test.cpp (one node run whole), this goes through the importer (inputs in parameter
// positions bound as constants, folding, fusion), the planner, the rings and the windows.
// No supported case may fail; passes are pinned per operator (node cases) and per folder.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/platform.h"
#include "bufopt/execute/execution_check.h"
#include "bufopt/execute/plan_executor.h"
#include "bufopt/graph/float16.h"
#include "bufopt/onnx/import.h"
#include "bufopt/onnx/import_program.h"
#include "bufopt/onnx/model_file.h"
#include "bufopt/onnx/program_nodes.h"
#include "support/real_models.h"

namespace bufopt::execute {
namespace {

namespace fs = std::filesystem;
using graph::ConstantTensor;
using graph::DataType;

const fs::path kTestData = "/usr/share/libonnx-testdata/data";

/// What one model gave.
struct CaseOutcome {
  enum class Kind { kPassed, kFailed, kRefused, kSkipped } kind = Kind::kSkipped;
  std::string group;   ///< operator (node cases) or folder (the others)
  std::string detail;  ///< refusal reason or failure
};

std::vector<float> as_floats(const ConstantTensor& tensor) {
  if (!tensor.reals.empty() || tensor.integers.empty()) return tensor.reals;
  std::vector<float> values;
  for (int64_t value : tensor.integers) values.push_back(static_cast<float>(value));
  return values;
}

/// The first element of `got` outside rtol 1e-3 / atol 1e-7 of `want`, or an empty string.
std::string tolerance_failure(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) return fmt::format("{} values, expected {}", got.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    if (std::isnan(want[k]) && std::isnan(got[k])) continue;
    if (want[k] == got[k]) continue;  // infinities
    const double diff = std::fabs(static_cast<double>(got[k]) - want[k]);
    if (!(diff <= 1e-7 + 1e-3 * std::fabs(static_cast<double>(want[k])))) {
      return fmt::format("element {} is {}, expected {}", k, got[k], want[k]);
    }
  }
  return {};
}

/// The graph's non-initializer inputs and its outputs, by name, in model order.
struct GraphInterface {
  std::vector<std::string> inputs;
  std::vector<int> input_types;  ///< TensorProto element type, or -1 for a sequence, map or optional
  std::vector<std::string> outputs;
  std::vector<int> output_types;  ///< as input_types
  std::string single_op;  ///< the op type when the graph has one node
};

/// The element type a graph input or output declares, or -1 when it is not a tensor.
int declared_type(const ::onnx::ValueInfoProto& value) {
  return value.type().has_tensor_type() ? value.type().tensor_type().elem_type() : -1;
}

/// Why the values of a graph input or output declared `type` cannot be given to the executor,
/// or an empty string: the test data holds them, but they are no numeric tensor.
std::string non_numeric_reason(int type) {
  if (type < 0) return "a graph input or output that is a sequence, map or optional";
  if (type == ::onnx::TensorProto::STRING) return "a graph input or output of strings";
  return {};
}

/// The tensor in `file`, with bfloat16 values (stored as their uint16 bits) made real.
ConstantTensor read_declared(const fs::path& file, int declared) {
  ConstantTensor tensor = onnx::read_tensor_file(file).tensor;
  if (declared == ::onnx::TensorProto::BFLOAT16 && tensor.dtype == DataType::kUint16) {
    for (int64_t bits : tensor.integers) tensor.reals.push_back(graph::bfloat16_to_float(static_cast<uint16_t>(bits)));
    tensor.integers.clear();
    tensor.dtype = DataType::kBfloat16;
  }
  return tensor;
}

GraphInterface graph_interface(const fs::path& model_path) {
  const ::onnx::ModelProto model = onnx::read_model_file(model_path, onnx::ImportLimits{});
  GraphInterface interface;
  std::set<std::string> initializers;
  for (const auto& initializer : model.graph().initializer()) initializers.insert(initializer.name());
  for (const auto& input : model.graph().input()) {
    if (initializers.count(input.name())) continue;
    interface.inputs.push_back(input.name());
    interface.input_types.push_back(declared_type(input));
  }
  for (const auto& output : model.graph().output()) {
    interface.outputs.push_back(output.name());
    interface.output_types.push_back(declared_type(output));
  }
  if (model.graph().node_size() == 1) interface.single_op = model.graph().node(0).op_type();
  return interface;
}

/// The plans a case is executed with.
std::vector<std::pair<std::string, analysis::Evaluation>> plans_for(const graph::Graph& graph) {
  analysis::AnalysisOptions options;
  options.platform = *analysis::platform_preset("mcu");
  options.stream_io = true;
  const std::vector<int64_t> one_row(graph.actors.size(), 1);
  std::vector<std::pair<std::string, analysis::Evaluation>> plans;
  plans.emplace_back("one row each", analysis::evaluate_plan(graph, one_row, options));
  options.max_slowdown = 1.2;
  plans.emplace_back("optimized R=1.2", analysis::analyze(graph, options).evaluation);
  return plans;
}

/// Failures of `result` against the expected outputs of `data_set`.
std::vector<std::string> expected_output_failures(const ExecutionResult& result, const GraphInterface& interface,
                                                  const fs::path& data_set) {
  std::vector<std::string> failures;
  for (size_t j = 0; j < interface.outputs.size(); ++j) {
    const fs::path file = data_set / fmt::format("output_{}.pb", j);
    if (!fs::exists(file)) continue;
    const ConstantTensor want = read_declared(file, interface.output_types[j]);
    const auto got = std::find_if(result.outputs.begin(), result.outputs.end(),
                                  [&](const OutputTensor& output) { return output.name == interface.outputs[j]; });
    if (got == result.outputs.end()) {
      failures.push_back(fmt::format("output '{}' not produced", interface.outputs[j]));
      continue;
    }
    if (got->tensor.shape != want.shape) {
      failures.push_back(fmt::format("output '{}' has shape {}, expected {}", interface.outputs[j],
                                     fmt::join(got->tensor.shape, "x"), fmt::join(want.shape, "x")));
      continue;
    }
    const std::string failure = tolerance_failure(as_floats(got->tensor), as_floats(want));
    if (!failure.empty()) failures.push_back(fmt::format("output '{}': {}", interface.outputs[j], failure));
  }
  return failures;
}

/// Imports, plans and executes the model in `dir` on its test_data_set_0.
CaseOutcome run_case(const fs::path& dir, const std::string& folder) {
  CaseOutcome outcome;
  const fs::path data_set = dir / "test_data_set_0";
  if (!fs::is_directory(data_set)) return outcome;
  const GraphInterface interface = graph_interface(dir / "model.onnx");
  outcome.group = folder == "node" ? interface.single_op : folder;
  if (outcome.group.empty()) outcome.group = folder;
  for (const std::vector<int>* types : {&interface.input_types, &interface.output_types}) {
    for (int type : *types) {
      if (const std::string reason = non_numeric_reason(type); !reason.empty()) {
        outcome.kind = CaseOutcome::Kind::kRefused;
        outcome.detail = "test data: " + reason;
        return outcome;
      }
    }
  }
  onnx::ImportOptions options;
  TensorMap given;
  for (size_t i = 0; i < interface.inputs.size(); ++i) {
    const fs::path file = data_set / fmt::format("input_{}.pb", i);
    if (!fs::exists(file)) continue;  // an omitted optional input
    given[interface.inputs[i]] = read_declared(file, interface.input_types[i]);
  }
  options.input_values = given;
  onnx::ExecutableModel model;
  try {
    model = onnx::import_executable_model((dir / "model.onnx").string(), options);
  } catch (const std::exception& error) {
    outcome.kind = CaseOutcome::Kind::kRefused;
    outcome.detail = "import refused";
    return outcome;
  }
  const std::vector<std::string> unsupported = unsupported_operations(model.graph, model.program);
  if (!unsupported.empty()) {
    outcome.kind = CaseOutcome::Kind::kRefused;
    outcome.detail = unsupported.front();
    return outcome;
  }
  TensorMap activations;
  for (const auto& [name, tensor] : given) {
    if (std::find(model.bound_inputs.begin(), model.bound_inputs.end(), name) == model.bound_inputs.end()) {
      activations[name] = tensor;
    }
  }
  try {
    check_inputs(model.graph, activations);
  } catch (const std::invalid_argument& error) {
    // `bufopt run` refuses such a file (exit 2): the case's data contradicts its own model.
    outcome.kind = CaseOutcome::Kind::kRefused;
    outcome.detail = "test data: an input that does not fit the model's declared input";
    return outcome;
  }
  std::vector<std::string> failures;
  try {
    const ExecutionResult layer_by_layer = run_layer_by_layer(model.graph, model.program, activations);
    for (const auto& [plan_name, evaluation] : plans_for(model.graph)) {
      PlanExecutor executor(model.graph, model.program, evaluation);
      if (executor.arena_bytes() != evaluation.shared_bytes) failures.push_back(plan_name + ": arena size differs");
      const ExecutionResult by_parts = executor.run(activations);
      const OutputComparison comparison = compare_outputs(by_parts, layer_by_layer);
      if (!comparison.bit_identical) failures.push_back(plan_name + ": by parts != layer by layer: " + comparison.first_difference);
      for (const std::string& failure : expected_output_failures(by_parts, interface, data_set)) {
        failures.push_back(plan_name + ": " + failure);
      }
    }
  } catch (const std::exception& error) {
    failures.push_back(std::string("threw: ") + error.what());
  }
  outcome.kind = failures.empty() ? CaseOutcome::Kind::kPassed : CaseOutcome::Kind::kFailed;
  for (const std::string& failure : failures) outcome.detail += failure + "; ";
  return outcome;
}

/// Fewest passing models per operator (node cases) and per folder, as measured when this was
/// written: a case that stops passing, or a refusal that grows, fails the test.
const std::map<std::string, int>& minimum_passes() {
  static const std::map<std::string, int> kMinimum = {
#include "pipeline_conformance_minimums.inc"
  };
  return kMinimum;
}

TEST(PipelineConformance, EverySupportedModelRunsByPartsAsExpected) {
  if (!fs::is_directory(kTestData)) {
    if (testing::models_required()) FAIL() << "libonnx-testdata is not installed (" << kTestData << ")";
    GTEST_SKIP() << "libonnx-testdata is not installed (" << kTestData << "); scripts/setup.sh installs it";
  }
  struct Tally {
    int passed = 0;
    int run = 0;
    int refused = 0;
    std::map<std::string, int> reasons;
  };
  std::map<std::string, Tally> tally;
  std::vector<std::string> failures;
  for (const std::string folder : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    std::vector<fs::path> cases;
    for (const auto& entry : fs::directory_iterator(kTestData / folder)) {
      if (fs::exists(entry.path() / "model.onnx")) cases.push_back(entry.path());
    }
    std::sort(cases.begin(), cases.end());
    for (const fs::path& dir : cases) {
      CaseOutcome outcome;
      const auto start = std::chrono::steady_clock::now();
      try {
        outcome = run_case(dir, folder);
      } catch (const std::exception& error) {
        failures.push_back(fmt::format("{}/{}: {}", folder, dir.filename().string(), error.what()));
        continue;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (seconds > 2) std::cout << folder << "/" << dir.filename().string() << " took " << seconds << " s\n";
      if (outcome.kind == CaseOutcome::Kind::kSkipped) continue;
      Tally& row = tally[outcome.group];
      if (outcome.kind == CaseOutcome::Kind::kRefused) {
        ++row.refused;
        ++row.reasons[outcome.detail];
        continue;
      }
      ++row.run;
      if (outcome.kind == CaseOutcome::Kind::kPassed) {
        ++row.passed;
      } else {
        failures.push_back(fmt::format("{}/{}: {}", folder, dir.filename().string(), outcome.detail));
      }
    }
  }
  std::ostringstream table;
  table << "| operator or folder | passed | run | refused |\n"
           "|---|---:|---:|---:|\n";
  int passed = 0;
  int run = 0;
  int refused = 0;
  std::map<std::string, int> reasons;
  std::ostringstream minimums;
  for (const auto& [group, row] : tally) {
    table << fmt::format("| {} | {} | {} | {} |\n", group, row.passed, row.run, row.refused);
    passed += row.passed;
    run += row.run;
    refused += row.refused;
    for (const auto& [reason, count] : row.reasons) reasons[reason] += count;
    if (row.passed > 0) minimums << fmt::format("{{\"{}\", {}}},\n", group, row.passed);
  }
  table << fmt::format("| **all** | {} | {} | {} |\n", passed, run, refused);
  std::cout << table.str() << "\nrefusal reasons:\n";
  for (const auto& [reason, count] : reasons) std::cout << "  " << count << "  " << reason << "\n";
  if (std::getenv("BUFOPT_PRINT_MINIMUMS")) std::cout << minimums.str();
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  for (const auto& [group, minimum] : minimum_passes()) {
    const auto found = tally.find(group);
    const int got = found == tally.end() ? 0 : found->second.passed;
    EXPECT_GE(got, minimum) << group << " passes fewer models than pinned";
  }
}

}  // namespace
}  // namespace bufopt::execute
