// Inputs the fuzzer (fuzz/importer_fuzzer.cpp) found crashing, committed under
// tests/data/crashes/: each must end the way every input must, in an ImportError or in an
// analysis the verifier accepts whose reports can be written. Run under scripts/sanitize.sh,
// a memory error or undefined behaviour on any of them fails this test too.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bufopt/analysis/analyze.h"
#include "bufopt/onnx/import.h"
#include "bufopt/report/model_report.h"
#include "support/onnx_builder.h"
#include "support/run_command.h"

namespace bufopt::onnx {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> crash_inputs() {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(fs::path(testing::source_dir()) / "tests/data/crashes")) {
    if (entry.is_regular_file()) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

/// What the fuzzer does with one input, with the CLI's default limits; "" when the input ends
/// cleanly, else what went wrong.
std::string run_like_the_fuzzer(const std::string& bytes, const std::string& model_dir) {
  graph::Graph graph;
  try {
    graph = import_model_from_bytes(bytes, model_dir, {});
  } catch (const ImportError&) {
    return "";
  }
  const analysis::AnalysisOptions options;
  const analysis::AnalysisResult result = analysis::analyze(graph, options);
  if (!result.verification.ok) return "verification failed: " + result.verification.errors.front();
  report::ModelReport model_report;
  model_report.model_path = "crash.onnx";
  model_report.graph = &result.graph;  // the analysed graph (MODEL 4.1 views eliminated)
  model_report.analysis = &result;
  report::to_json(model_report);
  report::summary_text(model_report, {});
  return "";
}

TEST(CrashRegressions, EveryCommittedInputEndsCleanly) {
  const std::vector<fs::path> inputs = crash_inputs();
  ASSERT_FALSE(inputs.empty());
  // The fuzzer resolves external data in a directory holding a 4096-byte weights.bin.
  testing::TempDir dir;
  testing::write_file(dir.file("weights.bin"), std::string(4096, '\x07'));
  for (const fs::path& input : inputs) {
    SCOPED_TRACE(input.filename().string());
    std::string problem;
    try {
      problem = run_like_the_fuzzer(read_bytes(input), dir.path().string());
    } catch (const std::exception& error) {
      problem = std::string("exception: ") + error.what();
    }
    EXPECT_EQ(problem, "");
  }
}

TEST(CrashRegressions, TheCliExitsZeroOrThreeWithOneLine) {
  testing::TempDir dir;
  testing::write_file(dir.file("weights.bin"), std::string(4096, '\x07'));
  for (const fs::path& input : crash_inputs()) {
    const std::string copy = dir.file(input.filename().string());
    testing::write_file(copy, read_bytes(input));
    const testing::CommandResult result = testing::run_bufopt(testing::shell_quote(copy) + " --json -");
    EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 3) << input << ": " << result.exit_code << result.err;
    if (result.exit_code == 3) {
      EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    }
  }
}

}  // namespace
}  // namespace bufopt::onnx
