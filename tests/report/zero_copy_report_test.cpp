// MODEL 4.1 zero-copy Concat in every report, on a SqueezeNet fire module whose Concat the
// analysis makes zero-copy (support/fire_module.h): the accessor's slice kind, the JSON and CSV
// fields, the text report's -v section, the DOT buffer with several writers, the SVG bars, the
// annotations and the SDF3 comment. Every test first asserts that both expand outputs are slices
// of the Concat output, so none can pass without the rule.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysed_models.h"
#include "csv_rows.h"
#include "bufopt/report/annotations.h"
#include "bufopt/report/dot_export.h"
#include "bufopt/report/pareto.h"
#include "bufopt/report/sdf3_export.h"
#include "bufopt/report/svg_plot.h"
#include "support/fire_module.h"

namespace bufopt::testing {
namespace {

using nlohmann::json;

std::unique_ptr<AnalysedModel> analyse_fire(bool inplace) {
  TempDir dir;
  auto model = std::make_unique<AnalysedModel>();
  model->path = fire_module_model().save(dir.file("fire.onnx"));
  model->graph = onnx::import_model(model->path, {});
  analysis::AnalysisOptions options;  // defaults: cpu, R = 1.2
  options.inplace = inplace;
  model->result = analysis::analyze(model->graph, options);
  return model;
}

size_t buffer_named(const graph::Graph& graph, const std::string& name) {
  for (size_t b = 0; b < graph.buffers.size(); ++b) {
    if (graph.buffers[b].name == name) return b;
  }
  ADD_FAILURE() << "no buffer " << name;
  return 0;
}

graph::ActorId actor_named(const graph::Graph& graph, const std::string& name) {
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    if (graph.actors[a].name == name) return static_cast<graph::ActorId>(a);
  }
  ADD_FAILURE() << "no actor " << name;
  return 0;
}

class ZeroCopyReport : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = analyse_fire(true);
    const analysis::AnalysisResult& result = model_->result;
    ASSERT_TRUE(result.verification.ok);
    e1_ = buffer_named(graph(), "e1_out");
    e3_ = buffer_named(graph(), "e3_out");
    z_ = buffer_named(graph(), "concat_out");
    concat_ = actor_named(graph(), "concat");
    // Without the zero-copy Concat every check below would be vacuous.
    const std::vector<dataflow::ChannelId>& storage_of = result.evaluation.storage_of;
    ASSERT_GT(storage_of.size(), std::max(e1_, e3_)) << "the analysis shares no storage on the fire module";
    ASSERT_EQ(storage_of[e1_], static_cast<dataflow::ChannelId>(z_)) << "e1_out is not a slice of concat_out";
    ASSERT_EQ(storage_of[e3_], static_cast<dataflow::ChannelId>(z_)) << "e3_out is not a slice of concat_out";
  }
  const graph::Graph& graph() const { return model_->result.graph; }
  std::map<std::string, json> json_buffers(const json& doc) const {
    std::map<std::string, json> out;
    for (const json& buffer : doc["buffers"]) out[buffer["name"].get<std::string>()] = buffer;
    return out;
  }
  int64_t capacity(size_t b) const { return model_->result.evaluation.usage.capacity_rows[b]; }

  std::unique_ptr<AnalysedModel> model_;
  size_t e1_ = 0;
  size_t e3_ = 0;
  size_t z_ = 0;
  graph::ActorId concat_ = 0;
};

TEST_F(ZeroCopyReport, AccessorNamesTheConcatTheOutputAndTheSliceRange) {
  const analysis::AnalysisResult& result = model_->result;
  EXPECT_TRUE(result.shares_storage());
  // Row r of concat_out (8 channels x 8 floats): e1_out's channels 0-3, then e3_out's 4-7.
  const struct {
    size_t buffer;
    int64_t begin, end, byte_begin, byte_end;
  } expected[] = {{e1_, 0, 4, 0, 128}, {e3_, 4, 8, 128, 256}};
  for (const auto& slice : expected) {
    SCOPED_TRACE(graph().buffers[slice.buffer].name);
    const analysis::StorageLink link = result.storage_link(slice.buffer);
    EXPECT_EQ(link.sharing, analysis::StorageSharing::kSlice);  // not taken for an in-place write
    EXPECT_EQ(link.storage, static_cast<graph::BufferId>(z_));
    EXPECT_EQ(link.over, static_cast<graph::BufferId>(z_));
    EXPECT_EQ(link.concat, concat_);
    EXPECT_EQ(link.writer, graph().buffers[slice.buffer].producer);
    EXPECT_EQ(link.axis, 1);
    EXPECT_EQ(link.begin, slice.begin);
    EXPECT_EQ(link.end, slice.end);
    EXPECT_EQ(link.byte_begin, slice.byte_begin);
    EXPECT_EQ(link.byte_end, slice.byte_end);
    EXPECT_EQ(result.storage_buffer(slice.buffer), z_);
  }
  EXPECT_EQ(result.storage_link(z_).sharing, analysis::StorageSharing::kOwn);
  for (size_t a = 0; a < graph().actors.size(); ++a) {
    EXPECT_EQ(result.zero_copy_concat(static_cast<graph::ActorId>(a)), static_cast<graph::ActorId>(a) == concat_)
        << graph().actors[a].name;
  }
  // --no-inplace: the Concat copies.
  const auto plain = analyse_fire(false);
  EXPECT_FALSE(plain->result.shares_storage());
  EXPECT_EQ(plain->result.storage_link(e1_).sharing, analysis::StorageSharing::kOwn);
  EXPECT_FALSE(plain->result.zero_copy_concat(concat_));
}

TEST_F(ZeroCopyReport, JsonSliceOfStorageOfAndTheZeroCopyActor) {
  const json doc = json::parse(report::to_json(model_->report()));
  EXPECT_EQ(doc["summary"]["storage"], "inplace");
  const std::map<std::string, json> buffers = json_buffers(doc);
  const json& z = buffers.at("concat_out");
  EXPECT_TRUE(z["storage_of"].is_null());
  EXPECT_TRUE(z["slice_of"].is_null());
  EXPECT_EQ(z["bytes"].get<int64_t>(), capacity(z_) * 256);
  const std::pair<const char*, json> slices[] = {
      {"e1_out",
       {{"buffer", "concat_out"}, {"concat", "concat"}, {"axis", 1}, {"channels", {0, 4}}, {"row_bytes", {0, 128}}}},
      {"e3_out",
       {{"buffer", "concat_out"}, {"concat", "concat"}, {"axis", 1}, {"channels", {4, 8}}, {"row_bytes", {128, 256}}}}};
  for (const auto& [name, slice_of] : slices) {
    const json& buffer = buffers.at(name);
    EXPECT_EQ(buffer["storage_of"], "concat_out") << name;
    EXPECT_EQ(buffer["slice_of"], slice_of) << name;
    for (const char* field : {"capacity_rows", "bytes", "offset", "lifetime"}) {
      EXPECT_EQ(buffer[field], z[field]) << name << "." << field;
    }
  }
  int64_t fifo = 0;
  for (const json& buffer : doc["buffers"]) {
    if (buffer["storage_of"].is_null() && !buffer["bytes"].is_null()) fifo += buffer["bytes"].get<int64_t>();
    if (buffer["name"] != "e1_out" && buffer["name"] != "e3_out") {
      EXPECT_TRUE(buffer["slice_of"].is_null()) << buffer["name"];
    }
  }
  EXPECT_EQ(fifo, doc["summary"]["fifo_bytes"].get<int64_t>()) << "each storage counted once";
  for (const json& actor : doc["actors"]) EXPECT_EQ(actor["zero_copy"], actor["name"] == "concat") << actor["name"];
  // The Concat takes no time: time_s is the evaluation's, which excludes it.
  EXPECT_EQ(doc["summary"]["time_s"].get<double>(), model_->result.evaluation.time_s);
  // --no-inplace: no slice, the Concat copies, and the arena is never smaller without the rule.
  const auto plain = analyse_fire(false);
  const json fifo_doc = json::parse(report::to_json(plain->report()));
  EXPECT_EQ(fifo_doc["summary"]["storage"], "fifo");
  for (const json& buffer : fifo_doc["buffers"]) EXPECT_TRUE(buffer["slice_of"].is_null()) << buffer["name"];
  for (const json& actor : fifo_doc["actors"]) EXPECT_FALSE(actor["zero_copy"].get<bool>()) << actor["name"];
  EXPECT_LE(doc["summary"]["shared_bytes"].get<int64_t>(), fifo_doc["summary"]["shared_bytes"].get<int64_t>());
}

TEST_F(ZeroCopyReport, CsvStorageOfAndSliceOfColumns) {
  const std::map<std::string, std::vector<std::string>> rows = csv_rows_by_name(report::to_csv(model_->report()));
  const std::vector<std::string>& z = rows.at("concat_out");
  EXPECT_EQ(z[12], "");
  EXPECT_EQ(z[13], "");
  EXPECT_EQ(z[10], std::to_string(capacity(z_) * 256));
  for (const char* name : {"e1_out", "e3_out"}) {
    const std::vector<std::string>& row = rows.at(name);
    EXPECT_EQ(row[12], "concat_out") << name;
    EXPECT_EQ(row[13], "concat_out") << name;
    for (size_t field : {9, 10, 11}) EXPECT_EQ(row[field], z[field]) << name << " field " << field;
  }
}

TEST_F(ZeroCopyReport, VerboseTextSaysEachSliceAndItsRange) {
  report::TextOptions options;
  options.verbose = true;
  const std::string text = report::summary_text(model_->report(), options);
  EXPECT_NE(text.find("shared storage (0 view(s), 0 in place, 2 slice(s) of 1 zero-copy Concat(s), MODEL 4.1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  Concat 'concat' is zero-copy: its steps take no time and copy nothing\n"), std::string::npos)
      << text;
  const std::string storage_line = "    storage concat_out: " + std::to_string(capacity(z_)) + " row(s) of 256 B\n";
  EXPECT_NE(text.find("  e1_out is a slice of 'concat_out' (channels 0-3 of Concat 'concat'): its producer writes "
                      "straight into concat_out's rows\n" +
                      storage_line),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  e3_out is a slice of 'concat_out' (channels 4-7 of Concat 'concat'): its producer writes "
                      "straight into concat_out's rows\n" +
                      storage_line),
            std::string::npos)
      << text;
  // The largest-buffers table lists the storage only.
  const std::string table = text.substr(0, text.find("shared storage"));
  EXPECT_EQ(table.find("e1_out"), std::string::npos) << table;
  EXPECT_EQ(report::summary_text(analyse_fire(false)->report(), options).find("shared storage"), std::string::npos);
}

TEST_F(ZeroCopyReport, DotDrawsTheConcatAsOneBufferWithTwoWriters) {
  const std::string dot = report::to_dot(model_->report());
  const std::string concat_node = "a" + std::to_string(concat_);
  std::string node_color;
  std::map<std::string, std::string> slice_edge_colors;
  bool z_edge = false;
  std::stringstream lines(dot);
  for (std::string line; std::getline(lines, line);) {
    const size_t color = line.find("color=\"", line.find('['));
    const std::string value = color == std::string::npos ? "" : line.substr(color + 7, 7);
    if (line.starts_with("  " + concat_node + " [")) {
      EXPECT_NE(line.find("shape=cylinder"), std::string::npos) << line;
      EXPECT_NE(line.find("label=\"concat_out\\none buffer, 2 writers\\nzero-copy Concat concat"), std::string::npos)
          << line;
      node_color = line.substr(line.find(" color=\"") + 8, 7);
    }
    for (size_t slice : {e1_, e3_}) {
      const std::string writer = "a" + std::to_string(graph().buffers[slice].producer);
      if (!line.starts_with("  " + writer + " -> " + concat_node + " ")) continue;
      EXPECT_NE(line.find("slice of concat_out, channels"), std::string::npos) << line;
      EXPECT_NE(line.find("style=bold"), std::string::npos) << line;
      slice_edge_colors[graph().buffers[slice].name] = value;
    }
    if (line.starts_with("  " + concat_node + " -> ")) {
      EXPECT_NE(line.find("label=\"concat_out\\n"), std::string::npos) << line;
      EXPECT_EQ(value, node_color) << line;
      z_edge = true;
    }
  }
  ASSERT_FALSE(node_color.empty()) << dot;
  EXPECT_NE(node_color, "#1f77b4");
  EXPECT_TRUE(z_edge) << dot;
  ASSERT_EQ(slice_edge_colors.size(), 2u) << dot;
  for (const auto& [name, value] : slice_edge_colors) EXPECT_EQ(value, node_color) << name;
  EXPECT_NE(dot.find("e1_out\\nslice of concat_out, channels 0-3"), std::string::npos) << dot;
  EXPECT_NE(dot.find("e3_out\\nslice of concat_out, channels 4-7"), std::string::npos) << dot;
  EXPECT_EQ(report::to_dot(model_->report()), dot);  // deterministic
}

TEST_F(ZeroCopyReport, SvgDrawsOneBarForTheConcatOutput) {
  const report::ParetoFront front = report::compute_pareto_front(model_->graph, model_->result.options, 2);
  const std::string svg = report::analysis_svg(model_->report(), front);
  EXPECT_NE(svg.find("<title>concat_out: "), std::string::npos);
  EXPECT_EQ(svg.find("<title>e1_out: "), std::string::npos);
  EXPECT_EQ(svg.find("<title>e3_out: "), std::string::npos);
}

TEST_F(ZeroCopyReport, AnnotationsMarkEachSlice) {
  const auto entries = report::annotation_entries(model_->report(), "9.9.9");
  std::map<std::string, std::string> by_key(entries.begin(), entries.end());
  EXPECT_EQ(by_key.at("bufopt.annotation_format"), "2");
  const analysis::Evaluation& evaluation = model_->result.evaluation;
  for (size_t slice : {e1_, e3_}) {
    const std::string& name = graph().buffers[slice].name;
    const auto parsed = report::parse_buffer_annotation(by_key.at("bufopt.buffer." + name));
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(parsed->shared, "slice") << name;
    EXPECT_EQ(parsed->storage_of, "concat_out") << name;
    EXPECT_EQ(parsed->capacity_rows, evaluation.usage.capacity_rows[z_]) << name;
    EXPECT_EQ(parsed->offset, evaluation.arena.offsets[z_]) << name;
    EXPECT_TRUE(by_key.at("bufopt.buffer." + name).ends_with(";shared=slice;storage_of=concat_out"));
  }
  const auto z = report::parse_buffer_annotation(by_key.at("bufopt.buffer.concat_out"));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->shared, "");
}

TEST_F(ZeroCopyReport, Sdf3ListsTheSlicesAndTimesTheConcatAtNothing) {
  const std::string xml = report::to_sdf3(model_->report());
  const std::string storage = "; storage concat_out, capacity " + std::to_string(capacity(z_)) + " rows)";
  EXPECT_NE(xml.find("e1_out a slice of concat_out (channels 0-3 of zero-copy Concat concat" + storage),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("e3_out a slice of concat_out (channels 4-7 of zero-copy Concat concat" + storage),
            std::string::npos)
      << xml;
  // The Concat's node: 1 ns per phase (the floor), whatever its copy would cost.
  const dataflow::Node& node = model_->result.evaluation.network.nodes[static_cast<size_t>(concat_)];
  const size_t properties = xml.find("<actorProperties actor=\"" + node.name + "\">");
  ASSERT_NE(properties, std::string::npos) << xml;
  const size_t time = xml.find("executionTime time=\"", properties) + 20;
  const std::string times = xml.substr(time, xml.find('"', time) - time);
  std::string ones;
  for (size_t f = 0; f < static_cast<size_t>(node.phases); ++f) ones += f == 0 ? "1" : ",1";
  EXPECT_EQ(times, ones);
}

}  // namespace
}  // namespace bufopt::testing
