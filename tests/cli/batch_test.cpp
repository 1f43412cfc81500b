// `bufopt batch`: failure handling, one row per (model, R), deterministic order, sharding.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace bufopt::testing {
namespace {

namespace fs = std::filesystem;

using Row = std::vector<std::string>;

/// Splits one CSV line, honouring double-quoted fields.
Row split_csv_line(const std::string& line) {
  Row fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::vector<Row> parse_csv(const std::string& text) {
  std::vector<Row> rows;
  std::stringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) rows.push_back(split_csv_line(line));
  return rows;
}

/// The rows without the wall-time columns (import_s, analysis_s: the last two), which vary
/// from run to run.
std::vector<Row> without_timings(std::vector<Row> rows) {
  for (Row& row : rows) row.resize(row.size() - 2);
  return rows;
}

/// A directory with five small zoo models, the bundled openWakeWord embedding model, and two
/// broken files, made once for the whole suite.
class BatchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(fresh_temp_dir("batch_models"));
    const std::string zoo = std::string(BUFOPT_ZOO) + " " + shell_quote(*dir_) +
                            " alexnet_mms vgg16 resnet18 yolov3_tiny squeezenet1_1 >/dev/null";
    ASSERT_EQ(std::system(zoo.c_str()), 0);
    fs::copy_file(source_dir() + "/models/openwakeword/embedding_model.onnx", *dir_ + "/embedding_model.onnx");
    std::ofstream(*dir_ + "/broken.onnx", std::ios::binary) << std::string("\x08\xff\xff\xff\xff\x0f garbage \x12\x99");
    std::ofstream(*dir_ + "/empty.onnx", std::ios::binary);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }

  static const std::string& dir() { return *dir_; }
  static constexpr size_t kModels = 8;

 private:
  static std::string* dir_;
};

std::string* BatchTest::dir_ = nullptr;

TEST_F(BatchTest, BrokenFilesGetFailedRowsAndExitFive) {
  const std::string out = fresh_temp_dir("batch_out");
  const CommandResult result = run_bufopt("batch " + shell_quote(dir()) + " --csv " + shell_quote(out + "/rows.csv") +
                                          " --jsonl " + shell_quote(out + "/rows.jsonl") + " --jobs 2");
  EXPECT_EQ(result.exit_code, 5) << result.err;
  const std::vector<Row> rows = parse_csv(read_file(out + "/rows.csv"));
  ASSERT_EQ(rows.size(), kModels + 1);
  const Row& header = rows[0];
  const auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  ASSERT_LT(column("shared_bytes"), header.size());
  int failed = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& row = rows[i];
    ASSERT_EQ(row.size(), header.size());
    const bool broken = row[column("model")].ends_with("broken.onnx") || row[column("model")].ends_with("empty.onnx");
    EXPECT_EQ(row[column("status")], broken ? "failed" : "ok") << row[column("model")];
    if (broken) {
      ++failed;
      EXPECT_EQ(row[column("exit_code")], "3");
      EXPECT_FALSE(row[column("error")].empty());
      EXPECT_TRUE(row[column("shared_bytes")].empty());
    } else {
      EXPECT_EQ(row[column("exit_code")], "0");
      EXPECT_GT(std::stoll(row[column("shared_bytes")]), 0);
      EXPECT_LE(std::stoll(row[column("lower_bound_bytes")]), std::stoll(row[column("shared_bytes")]));
      EXPECT_LE(std::stod(row[column("slowdown")]), 1.2 + 1e-9);
    }
  }
  EXPECT_EQ(failed, 2);
  // The JSON lines say the same.
  std::stringstream jsonl(read_file(out + "/rows.jsonl"));
  std::string line;
  size_t lines = 0;
  while (std::getline(jsonl, line)) {
    const nlohmann::json row = nlohmann::json::parse(line);
    const Row& csv_row = rows[++lines];
    EXPECT_EQ(row["model"], csv_row[column("model")]);
    EXPECT_EQ(row["status"], csv_row[column("status")]);
    if (row["status"] == "ok") {
      EXPECT_EQ(std::to_string(row["shared_bytes"].get<int64_t>()), csv_row[column("shared_bytes")]);
    } else {
      EXPECT_TRUE(row["shared_bytes"].is_null());
    }
  }
  EXPECT_EQ(lines, kModels);
  // Progress on a non-terminal: one plain line per model.
  EXPECT_NE(result.err.find("[8/8]"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("FAILED"), std::string::npos);
  fs::remove_all(out);
}

TEST_F(BatchTest, AllGoodModelsExitZeroAndPrintATable) {
  const CommandResult result = run_bufopt("batch " + shell_quote(dir() + "/resnet18.onnx") + " " +
                                          shell_quote(dir() + "/vgg16.onnx") + " --quiet");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(result.out.empty());  // --quiet: the final line only, on stderr
  const CommandResult table = run_bufopt("batch " + shell_quote(dir() + "/vgg16.onnx"));
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("vgg16.onnx"), std::string::npos);
  EXPECT_NE(table.out.find("arena"), std::string::npos);
}

TEST_F(BatchTest, OneRowPerModelAndSlowdownSortedByPathThenR) {
  const CommandResult result = run_bufopt("batch " + shell_quote(dir()) + " --max-slowdown 2,1.05 -R 1.2 --csv -");
  EXPECT_EQ(result.exit_code, 5) << result.err;
  const std::vector<Row> rows = parse_csv(result.out);
  ASSERT_EQ(rows.size(), 3 * kModels + 1);
  std::vector<std::pair<std::string, double>> keys;
  for (size_t i = 1; i < rows.size(); ++i) keys.emplace_back(rows[i][0], std::stod(rows[i][2]));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(std::set(keys.begin(), keys.end()).size(), keys.size());
  EXPECT_EQ(keys[0].second, 1.05);
  EXPECT_EQ(keys[1].second, 1.2);
  EXPECT_EQ(keys[2].second, 2);
}

TEST_F(BatchTest, RowsDoNotDependOnTheNumberOfJobs) {
  const std::string args = "batch " + shell_quote(dir()) + " -R 1.1,1.5 --csv - --jobs ";
  const CommandResult one = run_bufopt(args + "1");
  const CommandResult three = run_bufopt(args + "3");
  EXPECT_EQ(one.exit_code, 5);
  EXPECT_EQ(without_timings(parse_csv(one.out)), without_timings(parse_csv(three.out)));
}

TEST_F(BatchTest, ShardsPartitionTheInputsAndConcatenateIntoTheWholeRun) {
  const std::string args = "batch " + shell_quote(dir()) + " --csv - --jobs 2";
  const CommandResult whole = run_bufopt(args);
  const std::vector<Row> whole_rows = without_timings(parse_csv(whole.out));
  for (int count : {1, 3, 5, 11}) {
    std::vector<Row> concatenated;
    std::set<std::string> seen;
    for (int index = 1; index <= count; ++index) {
      const CommandResult shard = run_bufopt(args + " --shard " + std::to_string(index) + "/" + std::to_string(count));
      const std::vector<Row> rows = without_timings(parse_csv(shard.out));
      const bool has_header = !rows.empty() && rows[0][0] == "model";
      EXPECT_EQ(has_header, index == 1) << index << "/" << count;  // only shard 1 writes the header
      for (size_t i = has_header ? 1 : 0; i < rows.size(); ++i) {
        EXPECT_TRUE(seen.insert(rows[i][0]).second) << rows[i][0] << " in two shards";
      }
      const bool any_failed = std::any_of(rows.begin(), rows.end(), [](const Row& row) { return row[3] == "failed"; });
      EXPECT_EQ(shard.exit_code, any_failed ? 5 : 0);
      concatenated.insert(concatenated.end(), rows.begin(), rows.end());
    }
    EXPECT_EQ(seen.size(), kModels) << count << " shards";
    EXPECT_EQ(concatenated, whole_rows) << count << " shards";
  }
}

TEST_F(BatchTest, InputShapesApplyToTheModelsTheirPatternMatches) {
  const std::string mel = source_dir() + "/models/openwakeword/melspectrogram.onnx";
  // The model has a dynamic input: without a shape its row fails, with one it is analysed.
  const CommandResult without = run_bufopt("batch " + shell_quote(mel) + " --csv -");
  EXPECT_EQ(without.exit_code, 5);
  EXPECT_NE(without.out.find("--input-shape"), std::string::npos) << without.out;
  const CommandResult with = run_bufopt("batch " + shell_quote(mel) + " " + shell_quote(dir() + "/vgg16.onnx") +
                                        " --input-shape 'melspectrogram.onnx:input=1x1280' --csv -");
  EXPECT_EQ(with.exit_code, 0) << with.out << with.err;
  // A pattern that matches nothing applies to nothing; an unqualified shape applies to all.
  EXPECT_EQ(run_bufopt("batch " + shell_quote(mel) + " --input-shape 'other.onnx:input=1x1280' -q").exit_code, 5);
  EXPECT_EQ(run_bufopt("batch " + shell_quote(mel) + " --input-shape input=1x1280 -q").exit_code, 0);
}

TEST_F(BatchTest, UsageErrorsExitTwo) {
  const std::string model = shell_quote(dir() + "/vgg16.onnx");
  for (const char* bad : {"--shard 0/2", "--shard 3/2", "--shard 2", "--shard a/b", "--max-slowdown 0.5",
                          "--max-slowdown 1.2,x", "--jobs 0", "--input-shape x=1xAx3", "--platform nowhere"}) {
    const CommandResult result = run_bufopt("batch " + model + " " + bad);
    EXPECT_EQ(result.exit_code, 2) << bad << ": " << result.err;
  }
  const std::string empty = fresh_temp_dir("batch_empty");
  EXPECT_EQ(run_bufopt("batch " + shell_quote(empty)).exit_code, 2);
  EXPECT_EQ(run_bufopt("batch").exit_code, 2);
  fs::remove_all(empty);
}

TEST_F(BatchTest, MissingFileIsAFailedRowNotAnAbort) {
  const CommandResult result =
      run_bufopt("batch " + shell_quote(dir() + "/vgg16.onnx") + " " + shell_quote(dir() + "/nope.onnx") + " --csv -");
  EXPECT_EQ(result.exit_code, 5);
  const std::vector<Row> rows = parse_csv(result.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[1][0].ends_with("nope.onnx"));
  EXPECT_EQ(rows[1][3], "failed");
  EXPECT_EQ(rows[2][3], "ok");
}

}  // namespace
}  // namespace bufopt::testing
