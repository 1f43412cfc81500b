// MODEL 4.1 in-place element-wise from the command line, on a residual block whose Add is
// written in place (support/residual_model.h): every output names the shared storage the
// same way, `bufopt run` executes it in the planned arena, --no-inplace gives the FIFO model.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bufopt/report/annotations.h"
#include "support/residual_model.h"
#include "support/run_command.h"

namespace bufopt::testing {
namespace {

using nlohmann::json;

class SharedStorageCli : public ::testing::Test {
 protected:
  void SetUp() override { model_ = shell_quote(residual_model().save(dir_.file("residual.onnx"))); }
  std::string path(const std::string& name) const { return dir_.file(name); }

  TempDir dir_;
  std::string model_;
};

TEST_F(SharedStorageCli, EveryOutputNamesTheStorageOfTheInPlaceBuffer) {
  const CommandResult result =
      run_bufopt(model_ + " -v --json " + shell_quote(path("r.json")) + " --csv " + shell_quote(path("r.csv")) +
                 " --export-dot " + shell_quote(path("r.dot")) + " --export-sdf3 " + shell_quote(path("r.xml")) +
                 " -o " + shell_quote(path("annotated.onnx")));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json doc = json::parse(read_file(path("r.json")));
  EXPECT_EQ(doc["summary"]["storage"], "inplace");
  std::map<std::string, json> buffers;
  for (const json& buffer : doc["buffers"]) buffers[buffer["name"].get<std::string>()] = buffer;
  const json& join = buffers.at("join_out");
  // The analysis must write the Add in place, or nothing below is tested.
  ASSERT_TRUE(join["storage_of"].is_string()) << join.dump();
  const std::string storage = join["storage_of"].get<std::string>();
  EXPECT_TRUE(storage == "stem_out" || storage == "body2_out") << storage;
  EXPECT_EQ(join["capacity_rows"], buffers.at(storage)["capacity_rows"]);
  EXPECT_EQ(join["offset"], buffers.at(storage)["offset"]);
  EXPECT_TRUE(join["slice_of"].is_null());

  // -v: which buffer shares and why.
  EXPECT_NE(result.out.find("join_out is written in place over '" + storage + "' by 'join' (Add)"), std::string::npos)
      << result.out;
  // CSV: the storage_of column.
  std::stringstream csv(read_file(path("r.csv")));
  bool found = false;
  for (std::string line; std::getline(csv, line);) {
    if (line.starts_with("join_out,")) found = line.ends_with("," + storage + ",");  // slice_of empty
  }
  EXPECT_TRUE(found) << read_file(path("r.csv"));
  // DOT and SDF3.
  EXPECT_NE(read_file(path("r.dot")).find("in place over " + storage), std::string::npos);
  EXPECT_NE(read_file(path("r.xml")).find("join_out written in place over " + storage), std::string::npos);
  // The annotated model: format 2, read back by inspect.
  const CommandResult inspected = run_bufopt("inspect " + shell_quote(path("annotated.onnx")) + " --json -");
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  const json annotations = json::parse(inspected.out)["annotations"];
  EXPECT_EQ(annotations["bufopt.annotation_format"], "2");
  const auto parsed = report::parse_buffer_annotation(annotations["bufopt.buffer.join_out"].get<std::string>());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->shared, "inplace");
  EXPECT_EQ(parsed->storage_of, storage);
  EXPECT_EQ(parsed->capacity_rows, join["capacity_rows"].get<int64_t>());
  EXPECT_EQ(parsed->offset, join["offset"].get<int64_t>());
}

TEST_F(SharedStorageCli, RunExecutesTheInPlacePlanAndNoInplaceIsThePlainFifoModel) {
  const CommandResult shared = run_bufopt("run " + model_ + " --random-weights 1 --json -");
  ASSERT_EQ(shared.exit_code, 0) << shared.err;  // by parts bit-identical to layer by layer
  const CommandResult plain = run_bufopt("run " + model_ + " --random-weights 1 --no-inplace --json -");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const json with = json::parse(shared.out);
  const json without = json::parse(plain.out);
  EXPECT_EQ(with["summary"]["storage"], "inplace");
  EXPECT_TRUE(with["execution"]["bit_identical"].get<bool>());
  EXPECT_EQ(with["execution"]["arena_bytes"], with["summary"]["shared_bytes"]);
  EXPECT_EQ(without["summary"]["storage"], "fifo");
  for (const json& buffer : without["buffers"]) EXPECT_TRUE(buffer["storage_of"].is_null()) << buffer["name"];
  EXPECT_LT(with["summary"]["fifo_bytes"].get<int64_t>(), without["summary"]["fifo_bytes"].get<int64_t>());
  EXPECT_LE(with["summary"]["shared_bytes"].get<int64_t>(), without["summary"]["shared_bytes"].get<int64_t>());
}

}  // namespace
}  // namespace bufopt::testing
