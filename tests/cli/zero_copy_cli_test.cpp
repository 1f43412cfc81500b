// MODEL 4.1 zero-copy Concat from the command line, on a SqueezeNet fire module whose Concat is
// zero-copy (support/fire_module.h): every output names the slices the same way, `bufopt run`
// executes them in the planned arena, --no-inplace gives the FIFO model.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bufopt/report/annotations.h"
#include "support/fire_module.h"
#include "support/run_command.h"

namespace bufopt::testing {
namespace {

using nlohmann::json;

class ZeroCopyCli : public ::testing::Test {
 protected:
  void SetUp() override { model_ = shell_quote(fire_module_model().save(dir_.file("fire.onnx"))); }
  std::string path(const std::string& name) const { return dir_.file(name); }

  TempDir dir_;
  std::string model_;
};

TEST_F(ZeroCopyCli, EveryOutputNamesTheSlicesOfTheConcatOutput) {
  const CommandResult result =
      run_bufopt(model_ + " -v --json " + shell_quote(path("f.json")) + " --csv " + shell_quote(path("f.csv")) +
                 " --export-dot " + shell_quote(path("f.dot")) + " --export-sdf3 " + shell_quote(path("f.xml")) +
                 " -o " + shell_quote(path("annotated.onnx")));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json doc = json::parse(read_file(path("f.json")));
  std::map<std::string, json> buffers;
  for (const json& buffer : doc["buffers"]) buffers[buffer["name"].get<std::string>()] = buffer;
  // The analysis must make the Concat zero-copy, or nothing below is tested.
  ASSERT_EQ(buffers.at("e1_out")["storage_of"], "concat_out") << buffers.at("e1_out").dump();
  ASSERT_EQ(buffers.at("e3_out")["storage_of"], "concat_out") << buffers.at("e3_out").dump();
  EXPECT_EQ(doc["summary"]["storage"], "inplace");
  EXPECT_EQ(buffers.at("e1_out")["slice_of"]["buffer"], "concat_out");
  EXPECT_EQ(buffers.at("e3_out")["slice_of"]["channels"], json::array({4, 8}));
  EXPECT_EQ(buffers.at("e1_out")["offset"], buffers.at("concat_out")["offset"]);
  for (const json& actor : doc["actors"]) EXPECT_EQ(actor["zero_copy"], actor["name"] == "concat") << actor["name"];

  // -v: each slice and why.
  EXPECT_NE(result.out.find("e1_out is a slice of 'concat_out' (channels 0-3 of Concat 'concat')"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("e3_out is a slice of 'concat_out' (channels 4-7 of Concat 'concat')"), std::string::npos)
      << result.out;
  // CSV: storage_of and slice_of.
  std::stringstream csv(read_file(path("f.csv")));
  int slices = 0;
  for (std::string line; std::getline(csv, line);) {
    if (line.starts_with("e1_out,") || line.starts_with("e3_out,")) slices += line.ends_with(",concat_out,concat_out");
  }
  EXPECT_EQ(slices, 2) << read_file(path("f.csv"));
  // DOT: the Concat drawn as one buffer with two writers; SDF3: the slices listed.
  const std::string dot = read_file(path("f.dot"));
  EXPECT_NE(dot.find("concat_out\\none buffer, 2 writers"), std::string::npos) << dot;
  EXPECT_NE(dot.find("slice of concat_out, channels 0-3"), std::string::npos) << dot;
  EXPECT_NE(read_file(path("f.xml")).find("e3_out a slice of concat_out (channels 4-7 of zero-copy Concat concat"),
            std::string::npos);
  // The annotated model: format 2, read back by inspect.
  const CommandResult inspected = run_bufopt("inspect " + shell_quote(path("annotated.onnx")) + " --json -");
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  const json annotations = json::parse(inspected.out)["annotations"];
  EXPECT_EQ(annotations["bufopt.annotation_format"], "2");
  for (const char* name : {"e1_out", "e3_out"}) {
    const auto parsed =
        report::parse_buffer_annotation(annotations["bufopt.buffer." + std::string(name)].get<std::string>());
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(parsed->shared, "slice") << name;
    EXPECT_EQ(parsed->storage_of, "concat_out") << name;
    EXPECT_EQ(parsed->capacity_rows, buffers.at("concat_out")["capacity_rows"].get<int64_t>()) << name;
  }
}

TEST_F(ZeroCopyCli, RunExecutesTheSlicesAndNoInplaceIsThePlainFifoModel) {
  const CommandResult shared = run_bufopt("run " + model_ + " --random-weights 1 --json -");
  ASSERT_EQ(shared.exit_code, 0) << shared.err;  // by parts bit-identical to layer by layer
  const CommandResult plain = run_bufopt("run " + model_ + " --random-weights 1 --no-inplace --json -");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const json with = json::parse(shared.out);
  const json without = json::parse(plain.out);
  bool sliced = false;
  for (const json& buffer : with["buffers"]) sliced = sliced || !buffer["slice_of"].is_null();
  ASSERT_TRUE(sliced) << "no zero-copy Concat in the plan run executes";
  EXPECT_EQ(with["summary"]["storage"], "inplace");
  EXPECT_TRUE(with["execution"]["bit_identical"].get<bool>());
  EXPECT_EQ(with["execution"]["arena_bytes"], with["summary"]["shared_bytes"]);
  EXPECT_EQ(without["summary"]["storage"], "fifo");
  for (const json& buffer : without["buffers"]) EXPECT_TRUE(buffer["slice_of"].is_null()) << buffer["name"];
  EXPECT_LE(with["summary"]["shared_bytes"].get<int64_t>(), without["summary"]["shared_bytes"].get<int64_t>());
}

}  // namespace
}  // namespace bufopt::testing
