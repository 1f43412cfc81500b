#pragma once
/// Shared set-up of the executor tests: a model imported for execution with seeded dense
/// weights and inputs, planned, executed by parts and layer by layer.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/platform.h"
#include "bufopt/execute/execution_check.h"
#include "bufopt/execute/plan_executor.h"
#include "bufopt/execute/random_values.h"
#include "bufopt/graph/views.h"
#include "bufopt/onnx/import_program.h"

namespace bufopt::testing {

/// Which plan to execute.
enum class PlanKind {
  kOptimized,   ///< analysis::analyze's answer at the given R
  kOneRowEach,  ///< every actor one output row per firing (the finest plan), pull order
};

/// How one execution is set up.
struct ExecutionSetting {
  double max_slowdown = 1.2;
  std::string platform = "cpu";
  bool stream_io = false;
  PlanKind plan = PlanKind::kOptimized;
};

inline std::string describe(const ExecutionSetting& setting) {
  return std::string(setting.plan == PlanKind::kOneRowEach ? "one row each" : "optimized") +
         " R=" + std::to_string(setting.max_slowdown) + " " + setting.platform +
         (setting.stream_io ? " --stream-io" : "");
}

/// The cpu preset at slowdown bound `r`, with MODEL 4.1's rules or the plain FIFO model.
inline analysis::AnalysisOptions cpu_options(double r, bool inplace) {
  analysis::AnalysisOptions options;
  options.platform = *analysis::platform_preset("cpu");
  options.max_slowdown = r;
  options.inplace = inplace;
  return options;
}

/// The model with dense weights from a fixed seed (the builder's and the zoo's are zeros).
inline onnx::ExecutableModel executable(const std::string& path, const onnx::ImportOptions& options = {}) {
  onnx::ExecutableModel model = onnx::import_executable_model(path, options);
  execute::randomize_weights(model.program, 7);
  return model;
}

/// The plan `setting` asks for.
inline analysis::Evaluation plan_for(const graph::Graph& graph, const ExecutionSetting& setting) {
  analysis::AnalysisOptions options;
  options.platform = *analysis::platform_preset(setting.platform);
  options.max_slowdown = setting.max_slowdown;
  options.stream_io = setting.stream_io;
  // A plan of `graph` itself (callers pair it with the model's graph and program): no views.
  options.inplace = false;
  if (setting.plan == PlanKind::kOneRowEach) {
    const std::vector<int64_t> one_row(graph.actors.size(), 1);
    return analysis::evaluate_plan(graph, one_row, options);
  }
  return analysis::analyze(graph, options).evaluation;
}

/// Largest |value| over every floating output element.
inline double largest_magnitude(const execute::ExecutionResult& result) {
  double largest = 0;
  for (const execute::OutputTensor& output : result.outputs) {
    for (float value : output.tensor.reals) largest = std::max(largest, static_cast<double>(std::fabs(value)));
  }
  return largest;
}

/// Executes `evaluation`, a plan of `analysed` (the analysed graph of `model`: views eliminated,
/// analysis::AnalysisResult::graph, or the model's own), by parts, and `model` layer by layer, on
/// inputs from `seed`: identical bits, an allocation of exactly shared_bytes, one firing per
/// step of the order, and outputs that are not all zero (identical zeros would prove nothing).
inline void expect_plan_executes(const onnx::ExecutableModel& model, const graph::Graph& analysed,
                                 const analysis::Evaluation& evaluation, uint64_t seed = 3) {
  const graph::ModelProgram program = graph::without_view_actors(model.program, analysed);
  const execute::TensorMap inputs = execute::random_inputs(model.graph, {}, seed);
  execute::PlanExecutor executor(analysed, program, evaluation);
  EXPECT_EQ(executor.arena_bytes(), evaluation.shared_bytes());
  const execute::ExecutionResult by_parts = executor.run(inputs);
  const execute::ExecutionResult layer_by_layer = execute::run_layer_by_layer(model.graph, model.program, inputs);
  EXPECT_EQ(by_parts.firings, static_cast<int64_t>(evaluation.schedule.firings.size()));
  const execute::OutputComparison comparison = execute::compare_outputs(by_parts, layer_by_layer);
  EXPECT_TRUE(comparison.bit_identical) << comparison.first_difference;
  EXPECT_EQ(comparison.max_abs_diff, 0.0);
  EXPECT_GT(largest_magnitude(by_parts), 0.0);
}

/// Executes `model` under `setting` by parts and layer by layer (expect_plan_executes).
inline void expect_by_parts_equals_layer_by_layer(const onnx::ExecutableModel& model,
                                                  const ExecutionSetting& setting) {
  SCOPED_TRACE(describe(setting));
  // The optimized plan with MODEL 4.1's rules (on by default): executed on the analysed graph.
  if (setting.plan == PlanKind::kOptimized) {
    analysis::AnalysisOptions options;
    options.platform = *analysis::platform_preset(setting.platform);
    options.max_slowdown = setting.max_slowdown;
    options.stream_io = setting.stream_io;
    const analysis::AnalysisResult analysed = analysis::analyze(model.graph, options);
    expect_plan_executes(model, analysed.graph, analysed.evaluation);
    return;
  }
  expect_plan_executes(model, model.graph, plan_for(model.graph, setting));
}

}  // namespace bufopt::testing
