// Hostile and broken model files through the command line (MODEL 9): each one is refused with
// exit code 3 and one line on stderr naming the file, never a crash; every limit names the flag
// that raises it, and raising it lets the model through. A model from a newer opset is no error.
#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/onnx_builder.h"
#include "support/run_command.h"

namespace bufopt::testing {
namespace {

namespace fs = std::filesystem;

/// A small valid model: x[1,2,rows,8] -> Conv3x3 -> Conv3x3 (2 actors, 2 * rows firings).
OnnxBuilder two_convs(int64_t rows = 16) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, rows, 8});
  builder.output(builder.conv(builder.conv(x, 2, ConvOptions::square(3, 1, 1)), 2, ConvOptions::square(3, 1, 1)));
  return builder;
}

/// Expects `bufopt ARGS MODEL` to refuse the model: exit 3, nothing on stdout, exactly one line
/// on stderr that names the file and contains `reason`.
void expect_refused(const std::string& model, const std::string& reason, const std::string& args = "") {
  for (const std::string& command : {std::string(), std::string("inspect ")}) {
    SCOPED_TRACE(command + model);
    const CommandResult result = run_bufopt(command + shell_quote(model) + " " + args);
    EXPECT_EQ(result.exit_code, 3) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(result.err.rfind("bufopt: error: " + model + ": ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find(reason), std::string::npos) << result.err;
  }
}

TEST(BadModels, TruncatedFile) {
  TempDir dir;
  const std::string bytes = two_convs().bytes();
  write_file(dir.file("truncated.onnx"), bytes.substr(0, bytes.size() / 2));
  expect_refused(dir.file("truncated.onnx"), "protobuf parse failed");
}

TEST(BadModels, RandomBytes) {
  TempDir dir;
  std::mt19937 generator(2024);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int trial = 0; trial < 5; ++trial) {
    std::string bytes(512, '\0');
    for (char& c : bytes) c = static_cast<char>(byte(generator));
    const std::string path = dir.file("random" + std::to_string(trial) + ".onnx");
    write_file(path, bytes);
    expect_refused(path, "");
  }
}

TEST(BadModels, HugeDims) {
  TempDir dir;
  OnnxBuilder overflowing;
  const int64_t huge = int64_t{1} << 40;
  overflowing.output(overflowing.relu(overflowing.input("x", {1, huge, huge})));
  expect_refused(overflowing.save(dir.file("overflow.onnx")), "shape of 'x' overflows 64 bits");

  OnnxBuilder large;  // 3e12 elements: within int64, beyond the default limit of 2^40
  large.output(large.relu(large.input("x", {1, 3, 1'000'000, 1'000'000})));
  const std::string path = large.save(dir.file("large.onnx"));
  expect_refused(path, "more than the limit of 1099511627776 (raise it with --max-tensor-elements)");
  expect_refused(path, "more than the limit of 1000 (raise it with --max-tensor-elements)",
                 "--max-tensor-elements 1K");
}

TEST(BadModels, Cycle) {
  TempDir dir;
  expect_refused(cycle_model().save(dir.file("cycle.onnx")), "graph has a cycle through node");
}

TEST(BadModels, MissingInput) {
  TempDir dir;
  expect_refused(missing_input_model().save(dir.file("missing.onnx")), "node 'adder' reads 'ghost' which nothing produces");
}

TEST(BadModels, WrongAttributeType) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 6, 6});
  const std::string w = builder.initializer("w", {2, 2, 3, 3});
  builder.output(builder.node("Conv", {x, w}, {Attr::s("pads", "1")}, "conv"));
  TempDir dir;
  expect_refused(builder.save(dir.file("attribute.onnx")),
                 "node 'conv' (Conv): attribute 'pads' is a string, expected ints");
}

TEST(BadModels, ZipBombLikeExternalDataClaim) {
  // 2^36 floats claimed from a 64-byte file.
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  const int64_t huge = int64_t{1} << 18;
  builder.output(builder.node("Conv", {x, builder.external_initializer("w", {huge, huge, 1, 1}, "w.bin")}, {}, "c"));
  TempDir dir;
  write_file(dir.file("w.bin"), std::string(64, '\0'));
  expect_refused(builder.save(dir.file("bomb.onnx")), "has 64 bytes, its shape needs 274877906944");
}

TEST(BadModels, ExternalDataOutsideTheModelDirectory) {
  TempDir outer;
  fs::create_directory(outer.path() / "model");
  write_file(outer.file("secret.bin"), std::string(64, '\0'));
  fs::create_symlink(outer.path() / "secret.bin", outer.path() / "model" / "link.bin");
  for (const std::string& location : {outer.file("secret.bin"), std::string("../secret.bin"), std::string("link.bin")}) {
    OnnxBuilder builder;
    const std::string x = builder.input("x", {1, 2, 4, 4});
    builder.output(builder.node("Conv", {x, builder.external_initializer("w", {2, 2, 1, 1}, location)}, {}, "c"));
    expect_refused(builder.save(outer.file("model/m.onnx")), "external data '" + location + "' leaves the model directory");
  }
}

TEST(BadModels, ExternalDataLengthBeyondTheFile) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  builder.output(builder.node("Conv", {x, builder.external_initializer("w", {2, 2, 1, 1}, "w.bin", 0, 1 << 20)}, {}, "c"));
  TempDir dir;
  write_file(dir.file("w.bin"), std::string(64, '\0'));
  expect_refused(builder.save(dir.file("m.onnx")), "offset 0 + length 1048576 is beyond the file (64 bytes)");
}

TEST(BadModels, EveryLimitNamesItsFlagAndRaisingItLetsTheModelThrough) {
  TempDir dir;
  const std::string path = two_convs(64).save(dir.file("m.onnx"));  // 2 nodes, 128 firings, rank 4
  struct Case {
    const char* flag;
    const char* low;
    const char* high;
  };
  for (const Case& c : {Case{"--max-firings", "100", "128"}, Case{"--max-nodes", "1", "2"},
                        Case{"--max-rank", "3", "4"}, Case{"--max-tensor-elements", "100", "2K"},
                        Case{"--max-file-bytes", "10", "1MiB"}}) {
    expect_refused(path, std::string("(raise it with ") + c.flag + ")", std::string(c.flag) + " " + c.low);
    const CommandResult raised = run_bufopt(shell_quote(path) + " -q " + c.flag + " " + c.high);
    EXPECT_EQ(raised.exit_code, 0) << c.flag << ": " << raised.err;
  }
  const CommandResult malformed = run_bufopt(shell_quote(path) + " --max-firings lots");
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("--max-firings 'lots'"), std::string::npos) << malformed.err;
  EXPECT_EQ(run_bufopt(shell_quote(path) + " --max-nodes 0").exit_code, 2);
}

TEST(BadModels, FutureOpsetIsAWarningAndUnknownOpsAreBarriers) {
  OnnxBuilder builder(/*opset=*/99);
  const std::string x = builder.input("x", {1, 2, 8, 8});
  const std::string conv = builder.conv(x, 2, ConvOptions::square(3, 1, 1).named("conv"));
  const std::string odd = builder.node_outputs("FutureOp", {conv}, {}, 1, "future", "")[0];
  builder.output(builder.relu(odd), {1, 2, 8, 8});
  TempDir dir;
  const std::string path = builder.save(dir.file("future.onnx"));
  const CommandResult result = run_bufopt(shell_quote(path) + " --json -");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("bufopt: warning: " + path + ": opset 99 is newer"), std::string::npos) << result.err;
  const nlohmann::json doc = nlohmann::json::parse(result.out);
  ASSERT_EQ(doc["unsupported"].size(), 1u) << doc["unsupported"];
  EXPECT_EQ(doc["unsupported"][0]["op_type"], "FutureOp");
  EXPECT_TRUE(doc["summary"]["verified"].get<bool>());
}

TEST(BadModels, InvalidUtf8InAFileNameStillGivesValidJson) {
  TempDir dir;
  const std::string path = two_convs().save(dir.file("m\xff.onnx"));
  const CommandResult result = run_bufopt(shell_quote(path) + " --json -");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(nlohmann::json::accept(result.out));
}

}  // namespace
}  // namespace bufopt::testing
