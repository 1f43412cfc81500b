// End-to-end tests of the command line: exit codes, one-line errors, outputs (MODEL 9).
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace bufopt::testing {
namespace {

namespace fs = std::filesystem;

std::string bundled_model() { return source_dir() + "/models/openwakeword/embedding_model.onnx"; }

int count_lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

std::string write_file(const std::string& dir, const std::string& name, const std::string& content) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(Cli, VersionAndHelp) {
  CommandResult version = run_bufopt("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("bufopt "), std::string::npos);
  CommandResult help = run_bufopt("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--max-slowdown"), std::string::npos);
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos);
  EXPECT_EQ(run_bufopt("inspect --help").exit_code, 0);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_bufopt("--no-such-flag " + shell_quote(bundled_model())).exit_code, 2);
  EXPECT_EQ(run_bufopt(shell_quote(bundled_model()) + " --max-slowdown 0.5").exit_code, 2);
  EXPECT_EQ(run_bufopt(shell_quote(bundled_model()) + " --max-slowdown abc").exit_code, 2);
  EXPECT_EQ(run_bufopt(shell_quote(bundled_model()) + " --platform nowhere").exit_code, 2);
  EXPECT_EQ(run_bufopt(shell_quote(bundled_model()) + " --budget 12XB").exit_code, 2);
  EXPECT_EQ(run_bufopt(shell_quote(bundled_model()) + " --input-shape x=1xAx3").exit_code, 2);
  EXPECT_EQ(run_bufopt("").exit_code, 2);
}

TEST(Cli, BadModelsExitThreeWithOneLineNamingTheFile) {
  const std::string dir = fresh_temp_dir("cli_bad");
  const std::vector<std::string> paths = {
      dir + "/missing.onnx",
      write_file(dir, "empty.onnx", ""),
      write_file(dir, "garbage.onnx", std::string("\x08\xff\xff\xff\xff\x0f garbage \x12\x99")),
  };
  for (const std::string& path : paths) {
    for (const std::string& command : {std::string(""), std::string("inspect ")}) {
      CommandResult result = run_bufopt(command + shell_quote(path));
      EXPECT_EQ(result.exit_code, 3) << path << ": " << result.err;
      EXPECT_EQ(count_lines(result.err), 1) << result.err;
      EXPECT_NE(result.err.find(path), std::string::npos) << result.err;
      EXPECT_TRUE(result.out.empty());
    }
  }
  fs::remove_all(dir);
}

TEST(Cli, AnalysesBundledModelAndWritesVerifiedJson) {
  const std::string dir = fresh_temp_dir("cli_json");
  const std::string json_path = dir + "/report.json";
  CommandResult result = run_bufopt(shell_quote(bundled_model()) + " --max-slowdown 1.2 --json " + shell_quote(json_path));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("shared arena"), std::string::npos);
  std::ifstream file(json_path);
  const nlohmann::json doc = nlohmann::json::parse(file);
  EXPECT_EQ(doc["schema_version"], 2);
  EXPECT_EQ(doc["mode"], "sequential");
  const auto& summary = doc["summary"];
  EXPECT_TRUE(summary["verified"].get<bool>());
  EXPECT_LE(summary["slowdown"].get<double>(), 1.2 + 1e-9);
  EXPECT_LE(summary["lower_bound_bytes"].get<int64_t>(), summary["shared_bytes"].get<int64_t>());
  EXPECT_LE(summary["shared_bytes"].get<int64_t>(), summary["baseline_shared_bytes"].get<int64_t>());
  int64_t fifo_sum = 0;
  for (const auto& buffer : doc["buffers"]) {
    for (const char* field : {"name", "producer", "consumers", "shape", "dtype", "streaming_axis", "row_bytes",
                              "tensor_bytes", "io", "capacity_rows", "bytes", "offset", "lifetime"}) {
      EXPECT_TRUE(buffer.contains(field)) << field;
    }
    fifo_sum += buffer["bytes"].get<int64_t>();
  }
  EXPECT_EQ(fifo_sum, summary["fifo_bytes"].get<int64_t>());
  for (const auto& actor : doc["actors"]) {
    for (const char* field : {"name", "op_type", "fused", "macs", "granularity", "phases"}) {
      EXPECT_TRUE(actor.contains(field)) << field;
    }
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left
  fs::remove_all(dir);
}

TEST(Cli, InspectJsonHasNoAnalysisFields) {
  CommandResult result = run_bufopt("inspect " + shell_quote(bundled_model()) + " --json -");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json doc = nlohmann::json::parse(result.out);
  EXPECT_TRUE(doc["summary"].contains("baseline_shared_bytes"));
  EXPECT_FALSE(doc["summary"].contains("shared_bytes"));
  ASSERT_FALSE(doc["buffers"].empty());
  EXPECT_FALSE(doc["buffers"][0].contains("capacity_rows"));
}

TEST(Cli, BudgetTooSmallExitsFour) {
  CommandResult result = run_bufopt(shell_quote(bundled_model()) + " --budget 1KiB -q");
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("--budget"), std::string::npos);
  EXPECT_EQ(run_bufopt(shell_quote(bundled_model()) + " --budget 1GiB -q").exit_code, 0);
}

TEST(Cli, CsvHasOneRowPerBuffer) {
  CommandResult csv = run_bufopt(shell_quote(bundled_model()) + " --csv -");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  CommandResult json = run_bufopt(shell_quote(bundled_model()) + " --json -");
  ASSERT_EQ(json.exit_code, 0);
  const size_t buffers = nlohmann::json::parse(json.out)["buffers"].size();
  EXPECT_EQ(static_cast<size_t>(count_lines(csv.out)), buffers + 1);
}

TEST(Cli, OutputIsDeterministic) {
  const std::string args = shell_quote(bundled_model()) + " --platform mcu --json -";
  EXPECT_EQ(run_bufopt(args).out, run_bufopt(args).out);
}

TEST(Cli, ViewsShareStorageAndNoInplaceGivesThePlainFifoModel) {
  // melspectrogram: two Unsqueezes between its Convs keep every byte (MODEL 4.1 views).
  const std::string model = shell_quote(source_dir() + "/models/openwakeword/melspectrogram.onnx");
  const std::string flags = " --input-shape input=1x1280 --platform cpu -R 1.2 --json -";
  const CommandResult views = run_bufopt("run " + model + flags);
  ASSERT_EQ(views.exit_code, 0) << views.err;  // executed by parts bit-identical, in the arena
  const CommandResult fifo = run_bufopt("run " + model + flags + " --no-inplace");
  ASSERT_EQ(fifo.exit_code, 0) << fifo.err;
  const nlohmann::json with_views = nlohmann::json::parse(views.out);
  const nlohmann::json plain = nlohmann::json::parse(fifo.out);
  EXPECT_EQ(with_views["summary"]["storage"], "inplace");
  EXPECT_EQ(plain["summary"]["storage"], "fifo");
  // A view's output has no producer (its actor is gone); a buffer written in place keeps its writer.
  int views_shared = 0;
  for (const auto& buffer : with_views["buffers"]) {
    views_shared += !buffer["storage_of"].is_null() && buffer["producer"].is_null() ? 1 : 0;
  }
  EXPECT_EQ(views_shared, 2);
  for (const auto& buffer : plain["buffers"]) EXPECT_TRUE(buffer["storage_of"].is_null());
  EXPECT_LT(with_views["summary"]["shared_bytes"].get<int64_t>(), plain["summary"]["shared_bytes"].get<int64_t>());
  EXPECT_EQ(with_views["execution"]["arena_bytes"], with_views["summary"]["shared_bytes"]);
  EXPECT_EQ(with_views["summary"]["baseline_bytes"], plain["summary"]["baseline_bytes"]);
  // -v says which buffers share storage and why.
  const CommandResult verbose = run_bufopt(model + " --input-shape input=1x1280 -v");
  EXPECT_NE(verbose.out.find("shared storage (2 view(s)"), std::string::npos) << verbose.out;
  EXPECT_NE(
      verbose.out.find("is a view of 'onnx::Unsqueeze_6' (Unsqueeze 'Unsqueeze_5'): same bytes in the row layout"),
      std::string::npos)
      << verbose.out;
}

}  // namespace
}  // namespace bufopt::testing
