// `bufopt run`: the proof by execution end to end (exit codes, JSON, input and output files).
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bufopt/execute/npy_file.h"
#include "bufopt/execute/random_values.h"
#include "bufopt/onnx/program_nodes.h"
#include "support/onnx_builder.h"
#include "support/run_command.h"

namespace bufopt::testing {
namespace {

namespace fs = std::filesystem;

std::string embedding() { return shell_quote(source_dir() + "/models/openwakeword/embedding_model.onnx"); }

int count_lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

TEST(RunCli, ProvesByPartsEqualsLayerByLayerInTheJson) {
  const CommandResult text = run_bufopt("run " + embedding() + " -q");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("by parts == layer by layer, bit-identical"), std::string::npos) << text.out;
  const CommandResult result = run_bufopt("run " + embedding() + " --json -");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto doc = nlohmann::json::parse(result.out);
  const auto& execution = doc.at("execution");
  EXPECT_EQ(execution.at("arena_bytes"), doc.at("summary").at("shared_bytes"));
  EXPECT_EQ(execution.at("firings"), doc.at("summary").at("firings"));
  EXPECT_EQ(execution.at("bit_identical"), true);
  EXPECT_EQ(execution.at("max_abs_diff"), 0.0);
  ASSERT_EQ(execution.at("outputs").size(), 1u);
  EXPECT_EQ(execution.at("outputs")[0].at("dtype"), "float32");
  EXPECT_TRUE(execution.at("outputs")[0].at("file").is_null());
  for (const char* key : {"seconds_by_parts", "seconds_layer_by_layer", "measured_slowdown"}) {
    EXPECT_TRUE(execution.at("timing").contains(key)) << key;
  }
}

TEST(RunCli, MemoryOutsideTheArenaIsReported) {
  // x [1,2,6,4] -> Conv1x1 to 3 (with bias) -> GlobalAveragePool -> y [1,3,1,1]: the figures
  // derived as in PlanExecutor.OutsideArenaIsWhatTheExecutorHolds; the scratch depends on the
  // plan's rows per firing, between one row and the whole tensors.
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 2, 6, 4});
  b.output(b.global_average_pool(b.conv(x, 3, ConvOptions::square(1))));
  TempDir dir;
  const std::string model = shell_quote(b.save(dir.file("m.onnx")));
  const CommandResult result = run_bufopt("run " + model + " --random-weights 1 --json -");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto outside = nlohmann::json::parse(result.out).at("execution").at("outside_arena");
  EXPECT_EQ(outside.at("io_bytes"), 48 * 4 + 3 * 4);      // x and y, held by the application
  EXPECT_EQ(outside.at("weight_bytes"), 9 * 4);           // W [3,2,1,1] and the bias [3]
  EXPECT_EQ(outside.at("accumulator_bytes"), 3 * 4);      // one float per channel
  EXPECT_EQ(outside.at("stream_staging_bytes"), 0);
  EXPECT_GE(outside.at("scratch_peak_bytes"), 20 * 4);    // at least one Conv row in and out
  EXPECT_LE(outside.at("scratch_peak_bytes"), 120 * 4);   // at most all of x and the Conv's output
  const CommandResult streamed = run_bufopt("run " + model + " --random-weights 1 --stream-io --json -");
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  const auto streamed_outside = nlohmann::json::parse(streamed.out).at("execution").at("outside_arena");
  EXPECT_EQ(streamed_outside.at("io_bytes"), 0);
  EXPECT_EQ(streamed_outside.at("stream_staging_bytes"), 48 * 4 + 3 * 4);
  const CommandResult text = run_bufopt("run " + model + " --random-weights 1");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Outside the arena: 204 B application-held I/O, 36 B weights"), std::string::npos)
      << text.out;
}

TEST(RunCli, JsonApartFromTimingIsDeterministic) {
  auto without_timing = [](const std::string& out) {
    auto doc = nlohmann::json::parse(out);
    doc["execution"].erase("timing");
    return doc.dump();
  };
  const CommandResult first = run_bufopt("run " + embedding() + " --json - --seed 4 --platform mcu");
  const CommandResult second = run_bufopt("run " + embedding() + " --json - --seed 4 --platform mcu");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(without_timing(first.out), without_timing(second.out));
}

TEST(RunCli, OutputsAreWrittenAndDependOnTheSeed) {
  const std::string dir = fresh_temp_dir("run_outputs");
  const CommandResult a = run_bufopt("run " + embedding() + " -q --seed 1 --outputs " + shell_quote(dir + "/a"));
  const CommandResult b = run_bufopt("run " + embedding() + " -q --seed 1 --outputs " + shell_quote(dir + "/b"));
  const CommandResult c = run_bufopt("run " + embedding() + " -q --seed 2 --outputs " + shell_quote(dir + "/c"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(c.exit_code, 0) << c.err;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir + "/a")) files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".npy");
  const std::string name = files[0].filename().string();
  const graph::ConstantTensor output = execute::parse_npy(read_file(files[0]));
  EXPECT_EQ(output.dtype, graph::DataType::kFloat32);
  EXPECT_FALSE(output.reals.empty());
  EXPECT_EQ(read_file(files[0]), read_file(dir + "/b/" + name));
  EXPECT_NE(read_file(files[0]), read_file(dir + "/c/" + name));
}

TEST(RunCli, NpyAndProtobufInputsGiveTheSameOutputs) {
  const std::string dir = fresh_temp_dir("run_inputs");
  const graph::ConstantTensor input = execute::random_tensor(graph::DataType::kFloat32, {1, 76, 32, 1}, 11);
  {
    std::ofstream(dir + "/x.npy", std::ios::binary) << execute::serialize_npy(input);
  }
  onnx::write_tensor_file(dir + "/x.pb", "input_1", input);
  const CommandResult npy =
      run_bufopt("run " + embedding() + " -q --input input_1=" + shell_quote(dir + "/x.npy") + " --outputs " + shell_quote(dir + "/npy"));
  const CommandResult pb =
      run_bufopt("run " + embedding() + " -q --input input_1=" + shell_quote(dir + "/x.pb") + " --outputs " + shell_quote(dir + "/pb"));
  ASSERT_EQ(npy.exit_code, 0) << npy.err;
  ASSERT_EQ(pb.exit_code, 0) << pb.err;
  std::vector<fs::path> npy_files;
  std::vector<fs::path> pb_files;
  for (const auto& entry : fs::directory_iterator(dir + "/npy")) npy_files.push_back(entry.path());
  for (const auto& entry : fs::directory_iterator(dir + "/pb")) pb_files.push_back(entry.path());
  ASSERT_EQ(npy_files.size(), 1u);
  ASSERT_EQ(pb_files.size(), 1u);
  EXPECT_EQ(pb_files[0].extension(), ".pb");  // outputs in the inputs' format
  const graph::ConstantTensor from_npy = execute::parse_npy(read_file(npy_files[0]));
  const onnx::NamedTensor from_pb = onnx::read_tensor_file(pb_files[0]);
  EXPECT_EQ(from_pb.tensor, from_npy);
  // A given input is used: a random one gives other outputs.
  const CommandResult random = run_bufopt("run " + embedding() + " -q --seed 11 --outputs " + shell_quote(dir + "/random"));
  ASSERT_EQ(random.exit_code, 0) << random.err;
  EXPECT_NE(read_file(dir + "/random/" + npy_files[0].filename().string()), read_file(npy_files[0]));
}

TEST(RunCli, UsageErrorsExitTwoWithOneLine) {
  const std::string dir = fresh_temp_dir("run_usage");
  {
    std::ofstream(dir + "/wrong.npy", std::ios::binary)
        << execute::serialize_npy(execute::random_tensor(graph::DataType::kFloat32, {1, 75, 32, 1}, 1));
    std::ofstream(dir + "/int.npy", std::ios::binary)
        << execute::serialize_npy(execute::random_tensor(graph::DataType::kInt64, {1, 76, 32, 1}, 1));
    std::ofstream(dir + "/junk.npy", std::ios::binary) << "junk";
  }
  struct Case {
    std::string args;
    std::string expected;
  };
  const Case cases[] = {
      {"--mode pipelined", "sequential"},
      {"--activation-bytes 1", "--activation-bytes"},
      {"--input input_1=" + shell_quote(dir + "/wrong.npy"), "wrong.npy"},
      {"--input input_1=" + shell_quote(dir + "/int.npy"), "int.npy"},
      {"--input input_1=" + shell_quote(dir + "/junk.npy"), "junk.npy"},
      {"--input nosuch=" + shell_quote(dir + "/wrong.npy"), "nosuch"},
      {"--input input_1", "NAME=FILE"},
  };
  for (const Case& c : cases) {
    const CommandResult result = run_bufopt("run " + embedding() + " " + c.args);
    EXPECT_EQ(result.exit_code, 2) << c.args << ": " << result.err;
    EXPECT_EQ(count_lines(result.err), 1) << c.args << ": " << result.err;
    EXPECT_NE(result.err.find(c.expected), std::string::npos) << c.args << ": " << result.err;
  }
}

TEST(RunCli, UnsupportedOperatorsExitSixInOneLine) {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 2, 8, 8});
  const std::string y = b.node_outputs("Foo", {b.relu(x)}, {}, 1, "custom", "com.example").front();
  b.output(b.node("NoSuchOp", {y}, {}, "mystery"));
  TempDir dir;
  const CommandResult result = run_bufopt("run " + shell_quote(b.save(dir.file("m.onnx"))));
  EXPECT_EQ(result.exit_code, 6) << result.err;
  std::string errors;
  for (size_t at = 0; at < result.err.size();) {  // the warnings the import logs aside
    const size_t end = result.err.find('\n', at);
    const std::string line = result.err.substr(at, end - at);
    if (line.find("error") != std::string::npos) errors += line + "\n";
    at = end == std::string::npos ? result.err.size() : end + 1;
  }
  EXPECT_EQ(count_lines(errors), 1) << result.err;
  EXPECT_NE(errors.find("com.example.Foo"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'custom'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'mystery'"), std::string::npos) << errors;
}

TEST(RunCli, StreamIoAndRandomWeightsRun) {
  OnnxBuilder b;
  std::string x = b.input("x", {1, 3, 12, 8});
  x = b.relu(b.conv(x, 4, ConvOptions::square(3, 2, 1)));
  b.output(b.conv(x, 2, ConvOptions::square(3, 1, 1)));
  TempDir dir;
  const std::string model = shell_quote(b.save(dir.file("m.onnx")));
  const CommandResult result = run_bufopt("run " + model + " --stream-io --random-weights 3 --json -");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto doc = nlohmann::json::parse(result.out);
  EXPECT_EQ(doc.at("execution").at("bit_identical"), true);
  EXPECT_EQ(doc.at("execution").at("arena_bytes"), doc.at("summary").at("shared_bytes"));
  // Zero weights give zero outputs; --random-weights makes the comparison mean something.
  const std::string out_dir = dir.file("out");
  ASSERT_EQ(run_bufopt("run " + model + " -q --random-weights 3 --outputs " + shell_quote(out_dir)).exit_code, 0);
  for (const auto& entry : fs::directory_iterator(out_dir)) {
    const graph::ConstantTensor output = execute::parse_npy(read_file(entry.path()));
    EXPECT_TRUE(std::any_of(output.reals.begin(), output.reals.end(), [](float v) { return v != 0.0f; }));
  }
}

TEST(RunCli, HelpListsExitCodeSix) {
  const CommandResult help = run_bufopt("run --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("6 run"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--input"), std::string::npos);
}

}  // namespace
}  // namespace bufopt::testing
