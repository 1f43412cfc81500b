// MODEL 9 end to end: a tensor whose shape depends on input values is null in JSON (with what is
// known of it), 2x? in the text and CSV, excluded from the figures with a note, and --budget
// cannot be proved (exit 4).
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/onnx_builder.h"
#include "support/run_command.h"

namespace bufopt::testing {
namespace {

/// x -> Relu -> NonZero -> Cast(float) -> Relu -> output: NonZero's [4, ?] output is an
/// intermediate tensor the figures would count.
std::string nonzero_model(const TempDir& dir) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 4, 4});
  const std::string nz = builder.node("NonZero", {builder.relu(x, "r0")}, {}, "nz");
  const std::string cast = builder.node("Cast", {nz}, {Attr::i("to", ::onnx::TensorProto::FLOAT)}, "cast");
  builder.output(builder.relu(cast, "r1"));
  return builder.save(dir.file("nonzero.onnx"));
}

const nlohmann::json& buffer_in(const nlohmann::json& doc, const std::string& name) {
  for (const auto& buffer : doc.at("buffers")) {
    if (buffer.at("name") == name) return buffer;
  }
  throw std::out_of_range(name);
}

TEST(UnknownSizesCli, JsonSaysNullNotScalar) {
  TempDir dir;
  const std::string model = shell_quote(nonzero_model(dir));
  for (const char* command : {"inspect ", ""}) {
    const CommandResult result = run_bufopt(std::string(command) + model + " --no-fuse --json -");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.err.find("node 'nz' (NonZero)"), std::string::npos) << result.err;
    const auto doc = nlohmann::json::parse(result.out);
    const auto& nz = buffer_in(doc, "nz_out");
    EXPECT_TRUE(nz.at("shape").is_null());
    EXPECT_EQ(nz.at("partial_shape"), nlohmann::json::parse("[4, null]"));
    EXPECT_TRUE(nz.at("row_bytes").is_null());
    EXPECT_TRUE(nz.at("tensor_bytes").is_null());
    EXPECT_FALSE(nz.at("unknown_reason").get<std::string>().empty());
    EXPECT_EQ(doc.at("summary").at("unknown_size_buffers"), nlohmann::json::parse(R"(["nz_out", "cast_out"])"));
    if (doc.contains("actors") && buffer_in(doc, "x").contains("bytes")) {
      EXPECT_TRUE(nz.at("bytes").is_null());
      EXPECT_TRUE(nz.at("offset").is_null());
    }
    // Known tensors keep their figures.
    EXPECT_EQ(buffer_in(doc, "r0_out").at("shape"), nlohmann::json::parse("[1, 3, 4, 4]"));
  }
}

TEST(UnknownSizesCli, TextAndCsvShowWhatIsKnown) {
  TempDir dir;
  const std::string model = shell_quote(nonzero_model(dir));
  const CommandResult text = run_bufopt("inspect " + model + " --no-fuse");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("4x?"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("the figures exclude 2 tensor(s) of unknown size: nz_out, cast_out"), std::string::npos)
      << text.out;
  const CommandResult csv = run_bufopt("inspect " + model + " --no-fuse --csv -");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find("nz_out,nz,cast,4x?,int64,,?,?,,"), std::string::npos) << csv.out;
}

TEST(UnknownSizesCli, BudgetCannotBeProved) {
  TempDir dir;
  const std::string model = shell_quote(nonzero_model(dir));
  const CommandResult result = run_bufopt(model + " --no-fuse --budget 1G");
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("cannot prove it fits --budget"), std::string::npos) << result.err;
  // Without a budget the analysis answers, excluding them.
  const CommandResult quiet = run_bufopt(model + " --no-fuse -q");
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_NE(quiet.out.find("(excluding 2 tensor(s) of unknown size)"), std::string::npos) << quiet.out;
}

}  // namespace
}  // namespace bufopt::testing
