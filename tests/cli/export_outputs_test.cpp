// The extra outputs from the command line: --svg, -o, --export-sdf3, --export-dot and
// `bufopt pareto`; the annotated model read back by `inspect`; the input never overwritten.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bufopt/report/annotations.h"
#include "support/run_command.h"

namespace bufopt::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string bundled_model() { return source_dir() + "/models/openwakeword/embedding_model.onnx"; }

size_t files_in(const std::string& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(ExportOutputs, WritesEveryOutputAtomicallyAndLeavesTheInputAlone) {
  const std::string dir = fresh_temp_dir("cli_exports");
  const std::string before = read_file(bundled_model());
  const CommandResult result =
      run_bufopt(shell_quote(bundled_model()) + " --svg " + shell_quote(dir + "/plot.svg") + " --export-sdf3 " +
                 shell_quote(dir + "/plan.xml") + " --export-dot " + shell_quote(dir + "/plan.dot") + " -o " +
                 shell_quote(dir + "/annotated.onnx") + " --json " + shell_quote(dir + "/report.json"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(files_in(dir), 5u) << "one file per output, no temporary left behind";
  EXPECT_EQ(read_file(bundled_model()), before);
  EXPECT_TRUE(read_file(dir + "/plot.svg").starts_with("<?xml"));
  EXPECT_NE(read_file(dir + "/plan.xml").find("<sdf3 type=\"csdf\""), std::string::npos);
  EXPECT_TRUE(read_file(dir + "/plan.dot").starts_with("digraph"));
  const json doc = json::parse(read_file(dir + "/report.json"));
  ASSERT_TRUE(doc.contains("pareto")) << "--svg computes the front, and the JSON carries it";
  EXPECT_GE(doc["pareto"]["samples"].size(), 12u);
  fs::remove_all(dir);
}

TEST(ExportOutputs, AnnotatedModelReadsBackThroughInspect) {
  const std::string dir = fresh_temp_dir("cli_annotated");
  const std::string annotated = dir + "/annotated.onnx";
  const CommandResult analysed =
      run_bufopt(shell_quote(bundled_model()) + " -R 1.1 -o " + shell_quote(annotated) + " --json -");
  ASSERT_EQ(analysed.exit_code, 0) << analysed.err;
  const json report = json::parse(analysed.out);

  const CommandResult text = run_bufopt("inspect " + shell_quote(annotated));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("bufopt annotations"), std::string::npos);
  EXPECT_NE(text.out.find("bufopt.shared_bytes = " + std::to_string(report["summary"]["shared_bytes"].get<int64_t>())),
            std::string::npos);
  EXPECT_NE(text.out.find("bufopt.max_slowdown = 1.1"), std::string::npos);

  const CommandResult inspected = run_bufopt("inspect " + shell_quote(annotated) + " --json -");
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  const json annotations = json::parse(inspected.out)["annotations"];
  for (const json& buffer : report["buffers"]) {
    const std::string key = "bufopt.buffer." + buffer["name"].get<std::string>();
    ASSERT_TRUE(annotations.contains(key)) << key;
    const auto parsed = report::parse_buffer_annotation(annotations[key].get<std::string>());
    ASSERT_TRUE(parsed) << annotations[key];
    if (buffer["capacity_rows"].is_null()) {
      EXPECT_FALSE(parsed->counted);
      continue;
    }
    EXPECT_EQ(parsed->capacity_rows, buffer["capacity_rows"].get<int64_t>()) << key;
    EXPECT_EQ(parsed->bytes, buffer["bytes"].get<int64_t>()) << key;
    EXPECT_EQ(parsed->offset, buffer["offset"].get<int64_t>()) << key;
  }
  // The copy is the same model: analysing it gives the same answer, and annotating it again
  // replaces the annotations instead of adding a second set.
  const std::string again = dir + "/again.onnx";
  const CommandResult second = run_bufopt(shell_quote(annotated) + " -R 1.1 -o " + shell_quote(again) + " --json -");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(json::parse(second.out)["summary"], report["summary"]);
  const json reread = json::parse(run_bufopt("inspect " + shell_quote(again) + " --json -").out)["annotations"];
  EXPECT_EQ(reread.size(), annotations.size());
  fs::remove_all(dir);
}

TEST(ExportOutputs, RefusesToOverwriteTheInputModel) {
  const std::string dir = fresh_temp_dir("cli_overwrite");
  const std::string model = dir + "/model.onnx";
  fs::copy_file(bundled_model(), model);
  fs::create_directory(dir + "/sub");
  fs::create_symlink(model, dir + "/link.onnx");
  fs::create_hard_link(model, dir + "/hard.onnx");
  const std::string before = read_file(model);
  for (const std::string& target : {model, dir + "/sub/../model.onnx", dir + "/link.onnx", dir + "/hard.onnx"}) {
    const CommandResult result = run_bufopt(shell_quote(model) + " -q -o " + shell_quote(target));
    EXPECT_EQ(result.exit_code, 2) << target << ": " << result.err;
    EXPECT_NE(result.err.find("never overwrites its input"), std::string::npos) << result.err;
    EXPECT_EQ(read_file(model), before) << target;
  }
  EXPECT_EQ(run_bufopt(shell_quote(model) + " -q --svg " + shell_quote(model)).exit_code, 2);
  EXPECT_EQ(run_bufopt(shell_quote(model) + " -q -o -").exit_code, 2);
  EXPECT_TRUE(fs::is_symlink(dir + "/link.onnx"));
  EXPECT_EQ(read_file(model), before);
  fs::remove_all(dir);
}

TEST(ExportOutputs, ParetoCommandPrintsTheFrontAndDrawsIt) {
  const std::string dir = fresh_temp_dir("cli_pareto");
  const CommandResult text = run_bufopt("pareto " + shell_quote(bundled_model()) + " --samples 6 --svg " +
                                        shell_quote(dir + "/front.svg"));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("max R"), std::string::npos);
  EXPECT_NE(text.out.find("lower bound"), std::string::npos);
  EXPECT_TRUE(read_file(dir + "/front.svg").starts_with("<?xml"));
  const CommandResult json_out = run_bufopt("pareto " + shell_quote(bundled_model()) + " --samples 6 --json -");
  ASSERT_EQ(json_out.exit_code, 0) << json_out.err;
  const json doc = json::parse(json_out.out);
  // The 6 samples plus the marked R = 1.2 (unless it is one of them).
  const json& samples = doc["pareto"]["samples"];
  EXPECT_GE(samples.size(), 6u);
  EXPECT_LE(samples.size(), 7u);
  EXPECT_EQ(samples[0]["max_slowdown"], 1.0);
  EXPECT_TRUE(std::any_of(samples.begin(), samples.end(),
                          [](const json& sample) { return sample["max_slowdown"].get<double>() == 1.2; }));
  EXPECT_EQ(run_bufopt("pareto " + shell_quote(bundled_model()) + " --samples 1").exit_code, 2);
  EXPECT_EQ(run_bufopt("pareto --help").exit_code, 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace bufopt::testing
