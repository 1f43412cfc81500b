// MODEL 4.1 in every report, on a residual block whose Add the analysis writes in place
// (support/residual_model.h): AnalysisResult's one accessor for both forms of shared storage,
// the JSON and CSV fields, the text report's -v section, the DOT edges and the annotations.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysed_models.h"
#include "csv_rows.h"
#include "bufopt/report/annotations.h"
#include "bufopt/report/dot_export.h"
#include "bufopt/report/pareto.h"
#include "bufopt/report/svg_plot.h"
#include "support/residual_model.h"

namespace bufopt::testing {
namespace {

using nlohmann::json;

std::unique_ptr<AnalysedModel> analyse_residual(bool inplace, bool view_after_join = false) {
  TempDir dir;
  auto model = std::make_unique<AnalysedModel>();
  model->path = residual_model(view_after_join).save(dir.file("residual.onnx"));
  model->graph = onnx::import_model(model->path, {});
  analysis::AnalysisOptions options;  // defaults: cpu, R = 1.2
  options.inplace = inplace;
  model->result = analysis::analyze(model->graph, options);
  return model;
}

/// The buffers the evaluation writes in place (Evaluation::storage_of set).
std::vector<size_t> in_place_buffers(const analysis::AnalysisResult& result) {
  std::vector<size_t> out;
  for (size_t c = 0; c < result.evaluation.storage_of.size(); ++c) {
    if (result.evaluation.storage_of[c] >= 0) out.push_back(c);
  }
  return out;
}

class SharedStorageReport : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = analyse_residual(true);
    ASSERT_TRUE(model_->result.verification.ok);
    in_place_ = in_place_buffers(model_->result);
    // Without an in-place write every check below would pass vacuously.
    ASSERT_FALSE(in_place_.empty()) << "the analysis writes no buffer in place on the residual block";
  }
  const graph::Graph& graph() const { return model_->result.graph; }
  const std::string& name(graph::BufferId id) const { return graph().buffers[static_cast<size_t>(id)].name; }

  std::unique_ptr<AnalysedModel> model_;
  std::vector<size_t> in_place_;
};

TEST_F(SharedStorageReport, AccessorNamesTheStorageTheWriterAndTheBufferOverwritten) {
  const analysis::AnalysisResult& result = model_->result;
  EXPECT_TRUE(result.shares_storage());
  for (size_t b = 0; b < graph().buffers.size(); ++b) {
    SCOPED_TRACE(graph().buffers[b].name);
    const analysis::StorageLink link = result.storage_link(b);
    const bool written_in_place = result.evaluation.storage_of.size() > b && result.evaluation.storage_of[b] >= 0;
    EXPECT_EQ(link.sharing == analysis::StorageSharing::kInPlace, written_in_place);
    EXPECT_NE(link.sharing, analysis::StorageSharing::kView);  // no Reshape-like op here
    if (!written_in_place) {
      EXPECT_EQ(result.storage_of(b), graph::kNoBuffer);
      EXPECT_EQ(result.storage_buffer(b), b);
      continue;
    }
    EXPECT_EQ(result.storage_of(b), result.evaluation.storage_of[b]);
    EXPECT_EQ(result.storage_buffer(b), static_cast<size_t>(result.evaluation.storage_of[b]));
    // The storage is a buffer of its own; the writer is the producer and reads the buffer it
    // overwrites, which is in the same storage.
    EXPECT_EQ(result.storage_link(static_cast<size_t>(link.storage)).sharing, analysis::StorageSharing::kOwn);
    EXPECT_EQ(link.writer, graph().buffers[b].producer);
    const graph::Actor& writer = graph().actors[static_cast<size_t>(link.writer)];
    EXPECT_NE(std::find(writer.inputs.begin(), writer.inputs.end(), link.over), writer.inputs.end());
    EXPECT_EQ(result.evaluation.storage_channel(static_cast<size_t>(link.over)), link.storage);
  }
  // The Add is the only element-wise actor of its own: join_out is the buffer written in place.
  ASSERT_EQ(in_place_.size(), 1u);
  EXPECT_EQ(graph().buffers[in_place_.front()].name, "join_out");
  const analysis::StorageLink join = result.storage_link(in_place_.front());
  EXPECT_EQ(graph().actors[static_cast<size_t>(join.writer)].name, "join");
  EXPECT_TRUE(name(join.over) == "body2_out" || name(join.over) == "stem_out") << name(join.over);
}

TEST_F(SharedStorageReport, JsonNamesTheStorageAndGivesItsFigures) {
  const json doc = json::parse(report::to_json(model_->report()));
  EXPECT_EQ(doc["summary"]["storage"], "inplace");
  std::map<std::string, json> by_name;
  for (const json& buffer : doc["buffers"]) by_name[buffer["name"].get<std::string>()] = buffer;
  int64_t fifo = 0;
  for (const json& buffer : doc["buffers"]) {
    ASSERT_TRUE(buffer.contains("slice_of"));  // SPEC 4.1; zero-copy Concat is not modelled: null
    EXPECT_TRUE(buffer["slice_of"].is_null());
    if (buffer["storage_of"].is_null() && !buffer["bytes"].is_null()) fifo += buffer["bytes"].get<int64_t>();
  }
  EXPECT_EQ(fifo, doc["summary"]["fifo_bytes"].get<int64_t>()) << "each storage counted once";
  for (size_t b : in_place_) {
    const json& buffer = by_name.at(graph().buffers[b].name);
    const std::string storage = name(model_->result.storage_of(b));
    ASSERT_EQ(buffer["storage_of"], storage);
    const json& own = by_name.at(storage);
    EXPECT_TRUE(own["storage_of"].is_null());
    for (const char* field : {"capacity_rows", "bytes", "offset", "lifetime"})
      EXPECT_EQ(buffer[field], own[field]) << field;
  }
  // --no-inplace: the plain FIFO model, nothing shared, and never a smaller arena with the rule off.
  const auto plain = analyse_residual(false);
  const json fifo_doc = json::parse(report::to_json(plain->report()));
  EXPECT_EQ(fifo_doc["summary"]["storage"], "fifo");
  for (const json& buffer : fifo_doc["buffers"]) EXPECT_TRUE(buffer["storage_of"].is_null()) << buffer["name"];
  EXPECT_LE(doc["summary"]["shared_bytes"].get<int64_t>(), fifo_doc["summary"]["shared_bytes"].get<int64_t>());
}

TEST_F(SharedStorageReport, CsvStorageColumnAndTheStoragesFigures) {
  const std::map<std::string, std::vector<std::string>> rows = csv_rows_by_name(report::to_csv(model_->report()));
  for (const auto& [name, row] : rows) EXPECT_EQ(row[13], "") << name;  // no zero-copy Concat here
  for (size_t b = 0; b < graph().buffers.size(); ++b) {
    const std::vector<std::string>& row = rows.at(graph().buffers[b].name);
    const graph::BufferId storage = model_->result.storage_of(b);
    if (storage == graph::kNoBuffer) {
      EXPECT_EQ(row[12], "") << row[0];
      continue;
    }
    EXPECT_EQ(row[12], name(storage));
    const std::vector<std::string>& own = rows.at(name(storage));
    for (size_t field : {9, 10, 11}) EXPECT_EQ(row[field], own[field]) << row[0] << " field " << field;
  }
}

TEST_F(SharedStorageReport, VerboseTextSaysWhichBuffersShareAndWhy) {
  report::TextOptions options;
  options.verbose = true;
  const std::string text = report::summary_text(model_->report(), options);
  const size_t join = in_place_.front();
  const analysis::StorageLink link = model_->result.storage_link(join);
  const std::string storage = name(link.storage);
  EXPECT_NE(text.find("shared storage (0 view(s), 1 in place, 0 slice(s) of 0 zero-copy Concat(s), MODEL 4.1"), std::string::npos) << text;
  EXPECT_NE(text.find("  join_out is written in place over '" + name(link.over) +
                      "' by 'join' (Add): no other reader needs a row it overwrites\n    storage " + storage + ": " +
                      std::to_string(model_->result.evaluation.usage.capacity_rows[join]) + " row(s) of 512 B\n"),
            std::string::npos)
      << text;
  // The arena map draws the storage once and names both buffers; the largest-buffers table
  // lists the storage only.
  EXPECT_NE(text.find(" " + storage + " = join_out\n"), std::string::npos) << text;
  const std::string table = text.substr(0, text.find("shared storage"));
  EXPECT_EQ(table.find("join_out"), std::string::npos) << table;
  // Without -v nothing of it.
  EXPECT_EQ(report::summary_text(model_->report(), {}).find("shared storage"), std::string::npos);
  // --no-inplace: no section.
  EXPECT_EQ(report::summary_text(analyse_residual(false)->report(), options).find("shared storage"), std::string::npos);
}

TEST_F(SharedStorageReport, DotDrawsTheInPlaceBufferInItsStoragesColour) {
  const std::string dot = report::to_dot(model_->report());
  const size_t join = in_place_.front();
  const analysis::StorageLink link = model_->result.storage_link(join);
  const std::string join_actor = "a" + std::to_string(link.writer);
  const std::string storage = name(link.storage);
  std::string join_color;
  std::string storage_color;
  std::stringstream lines(dot);
  for (std::string line; std::getline(lines, line);) {
    const size_t color = line.find("color=\"");
    if (line.find(" -> ") == std::string::npos || color == std::string::npos) continue;
    const std::string value = line.substr(color + 7, 7);
    if (line.starts_with("  " + join_actor + " -> ")) {
      EXPECT_NE(line.find("join_out\\n"), std::string::npos) << line;
      EXPECT_NE(line.find("\\nin place over " + name(link.over)), std::string::npos) << line;
      EXPECT_NE(line.find("style=bold"), std::string::npos) << line;
      join_color = value;
    }
    if (line.find("label=\"" + storage + "\\n") != std::string::npos) storage_color = value;
  }
  ASSERT_FALSE(join_color.empty()) << dot;
  EXPECT_EQ(join_color, storage_color) << dot;
  EXPECT_NE(join_color, "#1f77b4");  // not the plain streamed-buffer colour
  // Deterministic.
  EXPECT_EQ(report::to_dot(model_->report()), dot);
}

TEST_F(SharedStorageReport, SvgDrawsOneBarPerStorage) {
  const report::ParetoFront front = report::compute_pareto_front(model_->graph, model_->result.options, 2);
  const std::string svg = report::analysis_svg(model_->report(), front);
  // The bar tooltips name each buffer with a storage of its own; join_out is drawn as its storage.
  const std::string storage = name(model_->result.storage_of(in_place_.front()));
  EXPECT_NE(svg.find("<title>" + storage + ": "), std::string::npos);
  EXPECT_EQ(svg.find("<title>join_out: "), std::string::npos);
}

TEST_F(SharedStorageReport, AnnotationsFormat2CarryTheStorage) {
  const auto entries = report::annotation_entries(model_->report(), "9.9.9");
  std::map<std::string, std::string> by_key(entries.begin(), entries.end());
  EXPECT_EQ(by_key.at("bufopt.annotation_format"), "2");
  const analysis::Evaluation& evaluation = model_->result.evaluation;
  for (size_t b = 0; b < graph().buffers.size(); ++b) {
    const graph::Buffer& buffer = graph().buffers[b];
    const auto parsed = report::parse_buffer_annotation(by_key.at("bufopt.buffer." + buffer.name));
    ASSERT_TRUE(parsed) << buffer.name;
    const graph::BufferId storage = model_->result.storage_of(b);
    if (storage == graph::kNoBuffer) {
      EXPECT_EQ(parsed->shared, "") << buffer.name;
      EXPECT_EQ(parsed->storage_of, "") << buffer.name;
      continue;
    }
    EXPECT_EQ(parsed->shared, "inplace");
    EXPECT_EQ(parsed->storage_of, name(storage));
    const auto own = static_cast<size_t>(storage);
    EXPECT_TRUE(parsed->counted);
    EXPECT_EQ(parsed->capacity_rows, evaluation.usage.capacity_rows[own]);
    EXPECT_EQ(parsed->offset, evaluation.arena.offsets[own]);
  }
}

TEST(SharedStorageReportView, ViewOfABufferWrittenInPlaceNamesTheChainsStorage) {
  const auto model = analyse_residual(true, true);
  const analysis::AnalysisResult& result = model->result;
  const graph::Graph& graph = result.graph;
  ASSERT_EQ(graph.views.size(), 1u) << "regroup is not a view";
  const auto view = static_cast<size_t>(graph.views.front().output);
  const auto join = static_cast<size_t>(graph.views.front().input);
  ASSERT_EQ(graph.buffers[join].name, "join_out");
  const analysis::StorageLink join_link = result.storage_link(join);
  ASSERT_EQ(join_link.sharing, analysis::StorageSharing::kInPlace) << "join_out is not written in place";
  const analysis::StorageLink link = result.storage_link(view);
  EXPECT_EQ(link.sharing, analysis::StorageSharing::kView);
  EXPECT_EQ(link.over, static_cast<graph::BufferId>(join));
  EXPECT_EQ(link.view, 0);
  // Not join_out (Buffer::storage_of) but the storage join_out is written into.
  EXPECT_EQ(graph.buffers[view].storage_of, static_cast<graph::BufferId>(join));
  EXPECT_EQ(link.storage, join_link.storage);
  const json doc = json::parse(report::to_json(model->report()));
  std::map<std::string, json> by_name;
  for (const json& buffer : doc["buffers"]) by_name[buffer["name"].get<std::string>()] = buffer;
  const std::string storage = graph.buffers[static_cast<size_t>(link.storage)].name;
  const json& regroup = by_name.at(graph.buffers[view].name);
  EXPECT_EQ(regroup["storage_of"], storage);
  for (const char* field : {"capacity_rows", "bytes", "offset", "lifetime"}) {
    EXPECT_EQ(regroup[field], by_name.at(storage)[field]) << field;
  }
  report::TextOptions options;
  options.verbose = true;
  const std::string text = report::summary_text(model->report(), options);
  EXPECT_NE(text.find("shared storage (1 view(s), 1 in place"), std::string::npos) << text;
  EXPECT_NE(text.find(graph.buffers[view].name + " is a view of 'join_out' (Reshape 'regroup'): same bytes in the row "
                                                 "layout, no copy, no firing\n    storage " + storage + ":"),
            std::string::npos)
      << text;
}

TEST(SharedStorageAnnotations, StorageNameWithSeparatorsRoundTrips) {
  report::BufferAnnotation annotation{4, 24, 512, 2048, 1, 0, true, "view", "a;b=c"};
  const std::string value = report::format_buffer_annotation(annotation);
  EXPECT_EQ(value,
            "capacity_rows=4;rows=24;row_bytes=512;bytes=2048;granularity=1;offset=0;counted=1;shared=view;"
            "storage_of=a;b=c");
  const auto parsed = report::parse_buffer_annotation(value);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->shared, "view");
  EXPECT_EQ(parsed->storage_of, "a;b=c");
  EXPECT_EQ(parsed->capacity_rows, 4);
  // Format 1 values (no storage fields) still parse.
  const auto format1 =
      report::parse_buffer_annotation("capacity_rows=3;rows=10;row_bytes=4;bytes=12;granularity=1;offset=0;counted=1");
  ASSERT_TRUE(format1);
  EXPECT_EQ(format1->shared, "");
  // shared without storage_of, storage_of without shared, an unknown kind: refused.
  const std::string base = "capacity_rows=3;rows=10;row_bytes=4;bytes=12;granularity=1;offset=0;counted=1";
  EXPECT_FALSE(report::parse_buffer_annotation(base + ";shared=inplace"));
  EXPECT_FALSE(report::parse_buffer_annotation(base + ";storage_of=x"));
  EXPECT_FALSE(report::parse_buffer_annotation(base + ";shared=copy;storage_of=x"));
  EXPECT_FALSE(report::parse_buffer_annotation(base + ";shared=view;storage_of="));
}

}  // namespace
}  // namespace bufopt::testing
