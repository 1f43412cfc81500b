// The "bufopt.*" entries of an annotated model: every documented key, one entry per buffer
// agreeing with the analysis, and a value format that parses back.
#include "bufopt/report/annotations.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "analysed_models.h"

namespace bufopt::testing {
namespace {

TEST(Annotations, DocumentedKeysAndOneEntryPerBuffer) {
  for (const ModelFile& file : bundled_models()) {
    SCOPED_TRACE(file.label);
    const auto model = analyse(file, {});
    const auto entries = report::annotation_entries(model->report(), "9.9.9");
    std::map<std::string, std::string> by_key;
    for (const auto& [key, value] : entries) {
      EXPECT_TRUE(key.starts_with("bufopt.")) << key;
      EXPECT_TRUE(by_key.emplace(key, value).second) << "duplicate " << key;
    }
    for (const char* key : {"bufopt.version", "bufopt.annotation_format", "bufopt.mode", "bufopt.max_slowdown",
                            "bufopt.slowdown", "bufopt.time_s", "bufopt.platform", "bufopt.platform_params",
                            "bufopt.stream_io", "bufopt.activation_bytes", "bufopt.shared_bytes", "bufopt.fifo_bytes",
                            "bufopt.baseline_bytes", "bufopt.baseline_shared_bytes", "bufopt.lower_bound_bytes",
                            "bufopt.verified"}) {
      EXPECT_TRUE(by_key.count(key)) << key;
    }
    EXPECT_EQ(by_key["bufopt.version"], "9.9.9");
    EXPECT_EQ(by_key["bufopt.annotation_format"], "2");
    EXPECT_EQ(std::stoll(by_key["bufopt.shared_bytes"]), model->result.evaluation.shared_bytes());
    EXPECT_EQ(std::stod(by_key["bufopt.max_slowdown"]), model->result.options.max_slowdown);
    const graph::Graph& graph = model->result.graph;  // the analysed graph (MODEL 4.1 views eliminated)
    const analysis::Evaluation& evaluation = model->result.evaluation;
    for (size_t b = 0; b < graph.buffers.size(); ++b) {
      const graph::Buffer& buffer = graph.buffers[b];
      const auto value = by_key.find("bufopt.buffer." + buffer.name);
      ASSERT_NE(value, by_key.end()) << buffer.name;
      const auto parsed = report::parse_buffer_annotation(value->second);
      ASSERT_TRUE(parsed) << value->second;
      // Format 2 (MODEL 4.1): a view or an in-place buffer states its storage's figures and names it.
      const size_t storage = model->result.storage_buffer(b);
      const analysis::StorageSharing sharing = model->result.storage_link(b).sharing;
      EXPECT_EQ(parsed->shared, sharing == analysis::StorageSharing::kView      ? "view"
                                : sharing == analysis::StorageSharing::kInPlace ? "inplace"
                                                                                : "");
      EXPECT_EQ(parsed->storage_of, storage == b ? "" : graph.buffers[storage].name);
      const bool counted = evaluation.network.channels[storage].counted;
      EXPECT_EQ(parsed->counted, counted);
      EXPECT_EQ(parsed->rows, buffer.rows());
      EXPECT_EQ(parsed->row_bytes, buffer.row_bytes());
      EXPECT_EQ(parsed->capacity_rows, counted ? evaluation.usage.capacity_rows[storage] : buffer.rows());
      EXPECT_EQ(parsed->bytes, parsed->capacity_rows * buffer.row_bytes());
      EXPECT_EQ(parsed->offset, counted ? evaluation.arena.offsets[storage] : -1);
      EXPECT_EQ(parsed->granularity, buffer.producer == graph::kNoActor
                                         ? 0
                                         : evaluation.granularity()[static_cast<size_t>(buffer.producer)]);
    }
    int inputs = 0;
    for (const graph::Buffer& buffer : graph.buffers) inputs += buffer.io == graph::IoRole::kInput ? 1 : 0;
    int shapes = 0;
    for (const auto& [key, value] : entries) shapes += key.starts_with("bufopt.input_shape.") ? 1 : 0;
    EXPECT_EQ(shapes, inputs);
  }
}

TEST(Annotations, BufferValueRoundTripsAndRejectsMalformed) {
  const report::BufferAnnotation annotation{7, 74, 3072, 21504, 2, 4096, true, "", ""};
  const auto parsed = report::parse_buffer_annotation(report::format_buffer_annotation(annotation));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->capacity_rows, 7);
  EXPECT_EQ(parsed->rows, 74);
  EXPECT_EQ(parsed->row_bytes, 3072);
  EXPECT_EQ(parsed->bytes, 21504);
  EXPECT_EQ(parsed->granularity, 2);
  EXPECT_EQ(parsed->offset, 4096);
  EXPECT_TRUE(parsed->counted);
  EXPECT_FALSE(report::parse_buffer_annotation("capacity_rows=3"));
  EXPECT_FALSE(report::parse_buffer_annotation(
      "capacity_rows=x;rows=1;row_bytes=1;bytes=1;granularity=1;offset=0;counted=1"));
  EXPECT_FALSE(report::parse_buffer_annotation(
      "capacity_rows=1;rows=1;row_bytes=1;bytes=1;granularity=1;offset=0;counted=2"));
  EXPECT_FALSE(report::parse_buffer_annotation("garbage"));
}

}  // namespace
}  // namespace bufopt::testing
