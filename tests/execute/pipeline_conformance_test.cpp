// Pipeline-level conformance: every model of ONNX's own test data (Debian's libonnx-testdata:
// data/node, pytorch-converted, pytorch-operator, simple) that bufopt imports and the executor
// supports is planned with --stream-io and executed BY PARTS in its arena, with two plans: every
// actor at one row per firing (the finest, most rings and partial windows) and the optimizer's
// answer at R = 1.2 on mcu. Each by-parts result must equal layer by layer bit for bit and the
// expected outputs at the backend tests' tolerance (rtol 1e-3, atol 1e-7). float16 and bfloat16
// outputs are widened to float32: float16 is compared at that same tolerance (adjacent float16
// values are at most 2^-10 relative apart, inside 1e-3), bfloat16 at rtol 1e-3 + 2^-7 (one
// bfloat16 ulp more: adjacent values are up to 2^-7 apart); the argument is in
// conformance_support.h, which also holds the case walking and reading shared with
// conformance_test.cpp. Unlike
// conformance_test.cpp (one node run whole), this goes through the importer (inputs in parameter
// positions bound as constants, folding, fusion), the planner, the rings and the windows.
// No supported case may fail; passes are pinned per operator (node cases) and per folder.
#include <algorithm>
#include <chrono>
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
#include "bufopt/onnx/import.h"
#include "bufopt/onnx/import_program.h"
#include "bufopt/onnx/model_file.h"
#include "bufopt/onnx/program_nodes.h"
#include "conformance_support.h"
#include "support/real_models.h"

namespace bufopt::execute {
namespace {

namespace fs = std::filesystem;
using conformance::declared_type;
using conformance::kTestData;
using conformance::read_declared;
using graph::ConstantTensor;

/// What one model gave.
struct CaseOutcome {
  enum class Kind { kPassed, kFailed, kRefused, kSkipped } kind = Kind::kSkipped;
  std::string group;   ///< operator (node cases) or folder (the others)
  std::string detail;  ///< refusal reason or failure
};

/// The graph's non-initializer inputs and its outputs, by name, in model order.
struct GraphInterface {
  std::vector<std::string> inputs;
  std::vector<int> input_types;  ///< TensorProto element type, or -1 for a sequence, map or optional
  std::vector<std::string> outputs;
  std::vector<int> output_types;  ///< as input_types
  std::string single_op;  ///< the op type when the graph has one node
};

/// Why the values of a graph input or output declared `type` cannot be given to the executor,
/// or an empty string: the test data holds them, but they are no numeric tensor.
std::string non_numeric_reason(int type) {
  if (type < 0) return "a graph input or output that is a sequence, map or optional";
  if (type == ::onnx::TensorProto::STRING) return "a graph input or output of strings";
  return {};
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
    const std::string failure = conformance::tolerance_failure(conformance::as_floats(got->tensor), want);
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
      if (executor.arena_bytes() != evaluation.shared_bytes()) failures.push_back(plan_name + ": arena size differs");
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
  std::map<std::string, conformance::Tally> tally;
  std::vector<std::string> failures;
  for (const std::string folder : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    for (const fs::path& dir : conformance::case_dirs(kTestData / folder)) {
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
      conformance::Tally& row = tally[outcome.group];
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
  std::map<std::string, int> reasons;
  std::ostringstream minimums;
  for (const auto& [group, row] : tally) {
    for (const auto& [reason, count] : row.reasons) reasons[reason] += count;
    if (row.passed > 0) minimums << fmt::format("{{\"{}\", {}}},\n", group, row.passed);
  }
  std::cout << conformance::tally_table(tally, "operator or folder", false) << "\nrefusal reasons:\n";
  for (const auto& [reason, count] : reasons) std::cout << "  " << count << "  " << reason << "\n";
  if (std::getenv("BUFOPT_PRINT_MINIMUMS")) std::cout << minimums.str();
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  conformance::expect_minimum_passes(tally, minimum_passes());
}

}  // namespace
}  // namespace bufopt::execute
