// Import, analysis and whole-run time of every zoo model; how the analysis time grows with the
// input resolution and the depth; and bufopt against the reference method's own figures.
//
//   bufopt_zoo_bench [--benchmark_filter=...]   (figures recorded in BENCHMARKS.md)
//
// Models are generated once per run into a temporary directory (sparse weights: no disk cost).
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/time_model.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "zoo/mms_ga.h"
#include "zoo/zoo.h"

namespace {

namespace fs = std::filesystem;

/// Generated models of this run, by request ("resnet50", "resnet50@448").
class ZooDirectory {
 public:
  ZooDirectory() : dir_(fs::temp_directory_path() / ("bufopt_zoo_bench_" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~ZooDirectory() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  const std::string& path(const std::string& request) {
    auto found = paths_.find(request);
    if (found == paths_.end()) {
      const auto model = bufopt::zoo::write_model(dir_, bufopt::zoo::parse_request(request));
      found = paths_.emplace(request, model.model_path.string()).first;
    }
    return found->second;
  }

 private:
  fs::path dir_;
  std::map<std::string, std::string> paths_;
};

ZooDirectory& zoo() {
  static ZooDirectory directory;
  return directory;
}

bufopt::graph::Graph load(const std::string& request) {
  return bufopt::onnx::import_model(zoo().path(request), {});
}

/// Default settings: `cpu` preset, R = 1.2, the model's own types, graph I/O not counted.
bufopt::analysis::AnalysisOptions default_options() {
  bufopt::analysis::AnalysisOptions options;
  options.max_slowdown = 1.2;
  return options;
}

/// Firings when every actor fires once per phase row (dataflow::phase_rows): the size of the search space's largest
/// schedule, whatever R allows.
int64_t row_firings(const bufopt::graph::Graph& graph) {
  int64_t firings = 0;
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    firings += graph.actors[a].barrier ? 1 : bufopt::dataflow::phase_rows(graph, static_cast<bufopt::graph::ActorId>(a));
  }
  return firings;
}

void report_answer(benchmark::State& state, const bufopt::graph::Graph& graph,
                   const bufopt::analysis::AnalysisResult& result) {
  const auto firings = static_cast<double>(result.evaluation.schedule.firings.size());
  state.counters["firings"] = firings;
  // Seconds of analysis per firing: flat when the time grows linearly in the firings.
  state.counters["time_per_firing"] =
      benchmark::Counter(firings, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  const auto rows = static_cast<double>(row_firings(graph));
  state.counters["row_firings"] = rows;
  state.counters["time_per_row_firing"] =
      benchmark::Counter(rows, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["arena_bytes"] = static_cast<double>(result.evaluation.shared_bytes());
  state.counters["verified"] = result.verification.ok ? 1 : 0;
}

void BM_Import(benchmark::State& state, const std::string& request) {
  const std::string& path = zoo().path(request);
  for (auto _ : state) benchmark::DoNotOptimize(bufopt::onnx::import_model(path, {}));
}

void BM_Analyze(benchmark::State& state, const std::string& request) {
  const bufopt::graph::Graph graph = load(request);
  bufopt::analysis::AnalysisResult result;
  for (auto _ : state) result = bufopt::analysis::analyze(graph, default_options());
  report_answer(state, graph, result);
  state.counters["actors"] = static_cast<double>(graph.actors.size());
}

/// The optimizer alone, with the number of candidates it scored: time per (candidate x row
/// firing) stays flat when each candidate costs time linear in the firings.
void BM_Optimize(benchmark::State& state, const std::string& request) {
  const bufopt::graph::Graph graph = load(request);
  bufopt::analysis::OptimizerStats stats;
  for (auto _ : state) benchmark::DoNotOptimize(bufopt::analysis::optimize(graph, default_options(), {}, &stats));
  const int candidates = stats.threshold_evaluations + stats.local_evaluations;
  const auto rows = static_cast<double>(row_firings(graph));
  state.counters["row_firings"] = rows;
  state.counters["threshold_candidates"] = stats.threshold_evaluations;
  state.counters["local_candidates"] = stats.local_evaluations;
  state.counters["time_per_row_firing"] =
      benchmark::Counter(rows, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["time_per_candidate_row_firing"] = benchmark::Counter(
      rows * candidates, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

/// What `bufopt MODEL` does apart from printing: import, optimise, baselines, bound, verify.
void BM_WholeRun(benchmark::State& state, const std::string& request) {
  const std::string& path = zoo().path(request);
  bufopt::analysis::AnalysisResult result;
  bufopt::graph::Graph graph;
  for (auto _ : state) {
    graph = bufopt::onnx::import_model(path, {});
    result = bufopt::analysis::analyze(graph, default_options());
  }
  report_answer(state, graph, result);
}

/// bufopt at the same time loss: firing_overhead_s = 0.5 us (bench/platforms/mms_ga.json) and
/// R = 1 + loss / baseline_time_s, i.e. loss / 0.5 us extra firings; fp32, I/O not counted.
void BM_MmsGa(benchmark::State& state, const bufopt::zoo::MmsGaPoint& point) {
  const bufopt::graph::Graph graph = load(point.model);
  bufopt::analysis::AnalysisOptions options;
  options.platform.name = "mms_ga";
  options.platform.firing_overhead_s = bufopt::zoo::kMmsGaPhaseDelaySeconds;
  options.max_slowdown = 1 + point.loss_ms * 1e-3 / bufopt::analysis::baseline_time_seconds(graph, options.platform);
  bufopt::analysis::AnalysisResult result;
  for (auto _ : state) result = bufopt::analysis::analyze(graph, options);
  const double ours = static_cast<double>(result.evaluation.shared_bytes()) / 1e6;
  state.counters["bufopt_MB"] = ours;
  state.counters["mms_ga_MB"] = point.megabytes;
  state.counters["mms_over_bufopt"] = point.megabytes / ours;
  int64_t extra = 0;
  for (int64_t phases : result.evaluation.phases()) extra += phases - 1;
  state.counters["extra_firings"] = static_cast<double>(extra);
  state.counters["allowed_extra"] = std::floor(point.loss_ms * 1e-3 / bufopt::zoo::kMmsGaPhaseDelaySeconds + 1e-6);
  state.counters["verified"] = result.verification.ok ? 1 : 0;
}

void register_benchmarks() {
  for (const bufopt::zoo::Architecture& architecture : bufopt::zoo::architectures()) {
    const std::string& name = architecture.name;
    benchmark::RegisterBenchmark(("import/" + name).c_str(), BM_Import, name)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("analyze/" + name).c_str(), BM_Analyze, name)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("whole_run/" + name).c_str(), BM_WholeRun, name)->Unit(benchmark::kMillisecond);
  }
  for (const char* name : {"resnet50", "mobilenetv2"}) {
    for (int size : {224, 448, 896}) {
      const std::string request = std::string(name) + "@" + std::to_string(size);
      benchmark::RegisterBenchmark(("scale_resolution/" + request).c_str(), BM_Analyze, request)
          ->Unit(benchmark::kMillisecond);
    }
  }
  for (const char* name : {"resnet18", "resnet50", "resnet101", "resnet152"}) {
    benchmark::RegisterBenchmark((std::string("scale_depth/") + name).c_str(), BM_Analyze, std::string(name))
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("scale_optimizer/") + name).c_str(), BM_Optimize, std::string(name))
        ->Unit(benchmark::kMillisecond);
  }
  for (const bufopt::zoo::MmsGaPoint& point : bufopt::zoo::mms_ga_points()) {
    benchmark::RegisterBenchmark((std::string("mms_ga/") + point.model).c_str(), BM_MmsGa, point)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
