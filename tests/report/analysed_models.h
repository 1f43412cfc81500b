#pragma once
/// Real models analysed for the report tests, and the external tools some tests run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bufopt/analysis/analyze.h"
#include "bufopt/onnx/import.h"
#include "bufopt/report/model_report.h"
#include "support/run_command.h"

namespace bufopt::testing {

/// A model file and the input shapes it is analysed at.
struct ModelFile {
  std::string label;
  std::string path;
  std::map<std::string, std::vector<int64_t>> input_shapes;
};

/// One analysed model; owns everything its ModelReport points to.
struct AnalysedModel {
  std::string path;
  graph::Graph graph;
  analysis::AnalysisResult result;

  report::ModelReport report() const {
    report::ModelReport out;
    out.model_path = path;
    out.graph = &result.graph;  // the analysed graph (MODEL 4.1 views eliminated)
    out.analysis = &result;
    return out;
  }
};

inline std::unique_ptr<AnalysedModel> analyse(const ModelFile& file, const analysis::AnalysisOptions& options) {
  onnx::ImportOptions import_options;
  import_options.input_shapes = file.input_shapes;
  auto model = std::make_unique<AnalysedModel>();
  model->path = file.path;
  model->graph = onnx::import_model(file.path, import_options);
  model->result = analysis::analyze(model->graph, options);
  return model;
}

/// The committed real models (always present).
inline std::vector<ModelFile> bundled_models() {
  const std::string root = source_dir() + "/models/";
  return {
      {"embedding", root + "openwakeword/embedding_model.onnx", {}},
      {"melspectrogram", root + "openwakeword/melspectrogram.onnx", {{"input", {1, 1280}}}},
      {"cls", root + "ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx", {{"x", {1, 3, 48, 192}}}},
  };
}

/// The fetched real models (scripts/fetch_models.sh) that are present.
inline std::vector<ModelFile> fetched_models() {
  const std::string root = source_dir() + "/models/external/ppocr/";
  std::vector<ModelFile> out;
  for (const ModelFile& file : {ModelFile{"det", root + "ch_PP-OCRv4_det_infer.onnx", {{"x", {1, 3, 640, 640}}}},
                                ModelFile{"rec", root + "ch_PP-OCRv4_rec_infer.onnx", {{"x", {1, 3, 48, 320}}}}}) {
    if (std::filesystem::exists(file.path)) out.push_back(file);
  }
  return out;
}

/// Classic architectures written by bufopt-zoo (external weights), generated once per process.
inline std::vector<ModelFile> zoo_models() {
  /// The generated files, removed when the test program ends.
  struct ZooDir {
    std::string path = fresh_temp_dir("report_zoo");
    ZooDir() {
      const std::string command =
          shell_quote(BUFOPT_ZOO) + " " + shell_quote(path) + " resnet18 mobilenetv2 >/dev/null";
      if (std::system(command.c_str()) != 0) ADD_FAILURE() << "bufopt-zoo failed: " << command;
    }
    ZooDir(const ZooDir&) = delete;
    ZooDir& operator=(const ZooDir&) = delete;
    ~ZooDir() { std::filesystem::remove_all(path); }
  };
  static const ZooDir dir;
  return {{"resnet18", dir.path + "/resnet18.onnx", {}}, {"mobilenetv2", dir.path + "/mobilenetv2.onnx", {}}};
}

/// True when `tool` is on PATH.
inline bool tool_available(const std::string& tool) {
  return std::system(("command -v " + shell_quote(tool) + " >/dev/null 2>&1").c_str()) == 0;
}

/// True when BUFOPT_REQUIRE_TOOLS=1 (CI): a missing external tool is then a failure.
inline bool tools_required() {
  const char* value = std::getenv("BUFOPT_REQUIRE_TOOLS");
  return value != nullptr && std::string(value) == "1";
}

/// Skips the current test when `tool` is missing, unless tools are required (then fails).
#define BUFOPT_REQUIRE_TOOL(tool)                                                       \
  do {                                                                                  \
    if (!::bufopt::testing::tool_available(tool)) {                                     \
      if (::bufopt::testing::tools_required()) FAIL() << (tool) << " is not installed"; \
      GTEST_SKIP() << (tool) << " is not installed";                                    \
    }                                                                                   \
  } while (0)

}  // namespace bufopt::testing
