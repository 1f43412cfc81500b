// Import and analysis time on generated classic CNNs and the real bundled models, with the
// resulting memory figures as counters (ANCHORS.md settings: int8, streamed I/O, mcu, R = 1.2).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bufopt/analysis/analyze.h"
#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"

namespace {

namespace fs = std::filesystem;

/// Generated models live in one temp directory per run of the benchmark program.
std::string zoo_model(const std::string& name) {
  static const fs::path dir = fs::temp_directory_path() / "bufopt_bench_zoo";
  const fs::path model = dir / (name + ".onnx");
  if (!fs::exists(model)) {
    const std::string command = std::string(BUFOPT_ZOO) + " " + dir.string() + " " + name + " >/dev/null";
    if (std::system(command.c_str()) != 0) std::abort();
  }
  return model.string();
}

bufopt::graph::Graph load(const std::string& path, int64_t activation_bytes) {
  bufopt::onnx::ImportOptions options;
  bufopt::graph::Graph graph = bufopt::onnx::import_model(path, options);
  if (activation_bytes > 0) bufopt::graph::set_activation_bytes(graph, activation_bytes);
  return graph;
}

void BM_Import(benchmark::State& state, const std::string& name) {
  const std::string path = zoo_model(name);
  for (auto _ : state) benchmark::DoNotOptimize(load(path, 0));
}

/// The full analysis (optimizer + baselines + bound + verifier) at the ANCHORS.md settings.
void BM_AnalyzeAnchor(benchmark::State& state, const std::string& name) {
  const bufopt::graph::Graph graph = load(zoo_model(name), 1);
  bufopt::analysis::AnalysisOptions options;
  options.platform = *bufopt::analysis::platform_preset("mcu");
  options.max_slowdown = 1.2;
  options.stream_io = true;
  bufopt::analysis::AnalysisResult result;
  for (auto _ : state) result = bufopt::analysis::analyze(graph, options);
  state.counters["arena_bytes"] = static_cast<double>(result.evaluation.shared_bytes());
  state.counters["fifo_bytes"] = static_cast<double>(result.evaluation.fifo_bytes);
  state.counters["baseline_shared_bytes"] = static_cast<double>(result.baselines.baseline_shared_bytes);
  state.counters["lower_bound_bytes"] = static_cast<double>(result.lower_bound_bytes);
  state.counters["slowdown"] = result.evaluation.slowdown;
  state.counters["verified"] = result.verification.ok ? 1 : 0;
}

/// The default analysis (cpu preset, model's own types, R = 1.2) of a real model file.
void BM_AnalyzeFile(benchmark::State& state, const std::string& relative_path, const std::string& input,
                    const std::vector<int64_t>& shape) {
  const std::string path = std::string(BUFOPT_SOURCE_DIR) + "/" + relative_path;
  if (!fs::exists(path)) {
    state.SkipWithError("model not present (run scripts/fetch_models.sh)");
    return;
  }
  bufopt::onnx::ImportOptions import_options;
  import_options.input_shapes[input] = shape;
  const bufopt::graph::Graph graph = bufopt::onnx::import_model(path, import_options);
  bufopt::analysis::AnalysisOptions options;
  bufopt::analysis::AnalysisResult result;
  for (auto _ : state) result = bufopt::analysis::analyze(graph, options);
  state.counters["arena_bytes"] = static_cast<double>(result.evaluation.shared_bytes());
  state.counters["baseline_shared_bytes"] = static_cast<double>(result.baselines.baseline_shared_bytes);
  state.counters["verified"] = result.verification.ok ? 1 : 0;
}

}  // namespace

BENCHMARK_CAPTURE(BM_Import, mobilenetv2, std::string("mobilenetv2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Import, resnet50, std::string("resnet50"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AnalyzeAnchor, mobilenetv2, std::string("mobilenetv2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AnalyzeAnchor, resnet50, std::string("resnet50"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AnalyzeAnchor, resnet152, std::string("resnet152"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AnalyzeAnchor, densenet121, std::string("densenet121"))->Unit(benchmark::kMillisecond);

/// Import of a real model file at a fixed input shape.
void BM_ImportFile(benchmark::State& state, const std::string& relative_path, const std::string& input,
                   const std::vector<int64_t>& shape) {
  const std::string path = std::string(BUFOPT_SOURCE_DIR) + "/" + relative_path;
  if (!fs::exists(path)) {
    state.SkipWithError("model not present (run scripts/fetch_models.sh)");
    return;
  }
  bufopt::onnx::ImportOptions options;
  options.input_shapes[input] = shape;
  for (auto _ : state) benchmark::DoNotOptimize(bufopt::onnx::import_model(path, options));
}

BENCHMARK_CAPTURE(BM_ImportFile, ppocr_det_640, std::string("models/external/ppocr/ch_PP-OCRv4_det_infer.onnx"),
                  std::string("x"), std::vector<int64_t>{1, 3, 640, 640})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AnalyzeFile, ppocr_det_640, std::string("models/external/ppocr/ch_PP-OCRv4_det_infer.onnx"),
                  std::string("x"), std::vector<int64_t>{1, 3, 640, 640})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
