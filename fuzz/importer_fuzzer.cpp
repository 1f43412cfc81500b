// libFuzzer target: the input bytes are one ONNX model file, taken through the importer and the
// whole analysis (plan, evaluation, baselines, lower bound, independent verification) and the
// JSON and text reports. Every input must end in an ImportError or a verified answer; anything
// else is a finding: a crash or sanitizer report, another exception escaping (libFuzzer reports
// it as a deadly signal), or an answer the verifier rejects.
//
// Limits are small so that each input runs in milliseconds; they only make more inputs end in
// an ImportError, the code paths are the CLI's. External data resolves in a scratch directory
// holding one file, weights.bin, so offsets and lengths are checked against a real file.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include "bufopt/analysis/analyze.h"
#include "bufopt/onnx/import.h"
#include "bufopt/report/model_report.h"

namespace {

namespace fs = std::filesystem;

/// Bytes in the scratch directory's weights.bin (what the seed models with external data name).
constexpr int64_t kWeightsBytes = 4096;

fs::path scratch_path() {
  return fs::temp_directory_path() / ("bufopt_fuzz_" + std::to_string(::getpid()));
}

void remove_scratch() {
  std::error_code ignored;
  fs::remove_all(scratch_path(), ignored);
}

/// The scratch directory external data resolves in; made once per process, removed at exit.
const std::string& external_data_dir() {
  static const std::string dir = [] {
    const fs::path path = scratch_path();
    fs::create_directories(path);
    std::ofstream weights(path / "weights.bin", std::ios::binary);
    for (int64_t i = 0; i < kWeightsBytes; ++i) weights.put(static_cast<char>(i * 7));
    std::atexit(remove_scratch);
    return path.string();
  }();
  return dir;
}

bufopt::onnx::ImportOptions fuzz_import_options() {
  bufopt::onnx::ImportOptions options;
  options.limits.max_file_bytes = 1 << 20;
  options.limits.max_nodes = 256;
  options.limits.max_rank = 8;
  options.limits.max_tensor_elements = int64_t{1} << 24;
  options.limits.max_external_bytes = kWeightsBytes * 4;
  options.limits.max_firings = 2000;
  return options;
}

void analyse(const bufopt::graph::Graph& graph) {
  bufopt::analysis::AnalysisOptions options;
  const bufopt::analysis::AnalysisResult result = bufopt::analysis::analyze(graph, options);
  if (!result.verification.ok) {
    std::fprintf(stderr, "verifier rejected the answer: %s\n",
                 result.verification.errors.empty() ? "(no reason)" : result.verification.errors.front().c_str());
    std::abort();
  }
  bufopt::report::ModelReport report;
  report.model_path = "fuzz.onnx";
  report.graph = &result.graph;  // the analysed graph (MODEL 4.1 views eliminated)
  report.analysis = &result;
  (void)bufopt::report::to_json(report);
  (void)bufopt::report::summary_text(report, {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  bufopt::graph::Graph graph;
  try {
    graph = bufopt::onnx::import_model_from_bytes(bytes, external_data_dir(), fuzz_import_options());
  } catch (const bufopt::onnx::ImportError&) {
    return 0;  // a clean refusal: what a bad model must give
  }
  analyse(graph);
  return 0;
}
