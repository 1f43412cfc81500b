// The annotated copy (-o): passes the ONNX checker, changes nothing but bufopt's metadata, keeps
// or inlines external data, and the importer reads the annotations back.
#include "bufopt/onnx/annotate.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "bufopt/onnx/import.h"
#include "support/run_command.h"

namespace bufopt::testing {
namespace {

namespace fs = std::filesystem;
using Entries = std::vector<std::pair<std::string, std::string>>;

::onnx::ModelProto parse(const std::string& bytes) {
  ::onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(bytes));
  return model;
}

/// The model with its metadata removed, serialised: equal for two models that differ only there.
std::string without_metadata(::onnx::ModelProto model) {
  model.clear_metadata_props();
  std::string bytes;
  model.SerializeToString(&bytes);
  return bytes;
}

const Entries kEntries = {{"bufopt.version", "test"}, {"bufopt.shared_bytes", "1234"},
                          {"bufopt.buffer.t:0", "capacity_rows=3;rows=10;row_bytes=4;bytes=12;granularity=1;offset=0;counted=1"}};

std::vector<std::string> bundled() {
  return {source_dir() + "/models/openwakeword/embedding_model.onnx",
          source_dir() + "/models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx"};
}

TEST(Annotate, CopyPassesTheCheckerAndChangesOnlyMetadata) {
  const std::string dir = fresh_temp_dir("annotate_checker");
  for (const std::string& path : bundled()) {
    SCOPED_TRACE(path);
    const std::string bytes = onnx::annotated_model_bytes(path, dir + "/out.onnx", kEntries);
    ::onnx::ModelProto copy = parse(bytes);
    EXPECT_NO_THROW(::onnx::checker::check_model(copy));
    const ::onnx::ModelProto original = parse(read_file(path));
    EXPECT_EQ(without_metadata(copy), without_metadata(original));
    ASSERT_EQ(copy.metadata_props_size(), original.metadata_props_size() + static_cast<int>(kEntries.size()));
    for (size_t i = 0; i < kEntries.size(); ++i) {
      const auto& entry = copy.metadata_props(original.metadata_props_size() + static_cast<int>(i));
      EXPECT_EQ(entry.key(), kEntries[i].first);
      EXPECT_EQ(entry.value(), kEntries[i].second);
    }
  }
  fs::remove_all(dir);
}

TEST(Annotate, ReplacesAnEarlierRunsEntriesAndKeepsOtherMetadata) {
  const std::string dir = fresh_temp_dir("annotate_replace");
  ::onnx::ModelProto model = parse(read_file(bundled().front()));
  auto* other = model.add_metadata_props();
  other->set_key("author");
  other->set_value("someone");
  auto* stale = model.add_metadata_props();
  stale->set_key("bufopt.stale_key");
  stale->set_value("old");
  std::string bytes;
  model.SerializeToString(&bytes);
  const std::string input = dir + "/in.onnx";
  std::ofstream(input, std::ios::binary) << bytes;

  const ::onnx::ModelProto copy = parse(onnx::annotated_model_bytes(input, dir + "/out.onnx", kEntries));
  std::vector<std::string> keys;
  for (const auto& entry : copy.metadata_props()) keys.push_back(entry.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"author", "bufopt.version", "bufopt.shared_bytes", "bufopt.buffer.t:0"}));
  fs::remove_all(dir);
}

TEST(Annotate, ImporterReadsTheAnnotationsBack) {
  const std::string dir = fresh_temp_dir("annotate_read_back");
  const std::string out = dir + "/out.onnx";
  std::ofstream(out, std::ios::binary) << onnx::annotated_model_bytes(bundled().front(), out, kEntries);
  const graph::Graph graph = onnx::import_model(out, {});
  EXPECT_EQ(graph.annotations, kEntries);
  fs::remove_all(dir);
}

TEST(Annotate, RefusesMalformedKeys) {
  const std::string out = fs::temp_directory_path() / "bufopt_annotate_unused.onnx";
  EXPECT_THROW(onnx::annotated_model_bytes(bundled().front(), out, {{"version", "x"}}), onnx::ImportError);
  EXPECT_THROW(onnx::annotated_model_bytes(bundled().front(), out, {{"bufopt.a", "1"}, {"bufopt.a", "2"}}),
               onnx::ImportError);
  EXPECT_THROW(onnx::annotated_model_bytes("/nonexistent/model.onnx", out, kEntries), onnx::ImportError);
}

/// Initializer name -> its bytes (raw_data, or read from the external file).
std::map<std::string, std::string> initializer_bytes(const ::onnx::ModelProto& model, const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::map<std::string, std::string> files;
  for (const ::onnx::TensorProto& tensor : model.graph().initializer()) {
    if (tensor.data_location() != ::onnx::TensorProto::EXTERNAL) {
      out[tensor.name()] = tensor.raw_data();
      continue;
    }
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto& entry : tensor.external_data()) {
      if (entry.key() == "location") location = entry.value();
      if (entry.key() == "offset") offset = std::stoll(entry.value());
      if (entry.key() == "length") length = std::stoll(entry.value());
    }
    if (!files.count(location)) files[location] = read_file((dir / location).string());
    const std::string& file = files[location];
    out[tensor.name()] = file.substr(static_cast<size_t>(offset), length < 0 ? std::string::npos : static_cast<size_t>(length));
  }
  return out;
}

TEST(Annotate, ExternalDataKeptNextToTheInputAndInlinedElsewhere) {
  const std::string zoo_dir = fresh_temp_dir("annotate_zoo");
  ASSERT_EQ(std::system((shell_quote(BUFOPT_ZOO) + " " + shell_quote(zoo_dir) + " resnet18 >/dev/null").c_str()), 0);
  const std::string input = zoo_dir + "/resnet18.onnx";
  const ::onnx::ModelProto original = parse(read_file(input));
  const auto weights = initializer_bytes(original, zoo_dir);
  ASSERT_FALSE(weights.empty());

  // Same directory: references kept, the copy is small and otherwise identical.
  const std::string beside = zoo_dir + "/resnet18.annotated.onnx";
  const ::onnx::ModelProto kept = parse(onnx::annotated_model_bytes(input, beside, kEntries));
  EXPECT_EQ(without_metadata(kept), without_metadata(original));

  // Elsewhere: every tensor inlined with the same bytes; the copy stands alone.
  const std::string other_dir = fresh_temp_dir("annotate_elsewhere");
  const std::string elsewhere = other_dir + "/resnet18.onnx";
  const std::string bytes = onnx::annotated_model_bytes(input, elsewhere, kEntries);
  std::ofstream(elsewhere, std::ios::binary) << bytes;
  const ::onnx::ModelProto inlined = parse(bytes);
  for (const ::onnx::TensorProto& tensor : inlined.graph().initializer()) {
    EXPECT_NE(tensor.data_location(), ::onnx::TensorProto::EXTERNAL) << tensor.name();
  }
  EXPECT_EQ(initializer_bytes(inlined, other_dir), weights);
  EXPECT_EQ(inlined.graph().node_size(), original.graph().node_size());
  EXPECT_NO_THROW(::onnx::checker::check_model(inlined));
  EXPECT_NO_THROW(onnx::import_model(elsewhere, {}));
  fs::remove_all(zoo_dir);
  fs::remove_all(other_dir);
}

}  // namespace
}  // namespace bufopt::testing
