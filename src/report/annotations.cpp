// The "bufopt.*" metadata of an annotated model (keys documented in annotations.h).
#include "bufopt/report/annotations.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <map>
#include <stdexcept>

namespace bufopt::report {

namespace {

std::string number(double value) {
  return fmt::format("{}", value);
}

BufferAnnotation buffer_annotation(const ModelReport& report, size_t b) {
  const graph::Buffer& buffer = report.graph->buffers[b];
  const analysis::AnalysisResult& result = *report.analysis;
  const analysis::Evaluation& evaluation = result.evaluation;
  // MODEL 4.1: a view, an in-place buffer or a slice states its storage's capacity and offset.
  const size_t storage = result.storage_buffer(b);
  BufferAnnotation out;
  out.counted = evaluation.network.channels[storage].counted;
  out.rows = buffer.rows();
  out.row_bytes = buffer.row_bytes();
  out.capacity_rows = out.counted ? evaluation.usage.capacity_rows[storage] : out.rows;
  out.bytes = out.capacity_rows * out.row_bytes;
  // Actor node ids equal actor ids.
  out.granularity = buffer.producer == graph::kNoActor
                        ? 0
                        : evaluation.network.nodes[static_cast<size_t>(buffer.producer)].granularity;
  out.offset = out.counted ? evaluation.arena.offsets[storage] : -1;
  const analysis::StorageLink link = result.storage_link(b);
  if (link.sharing != analysis::StorageSharing::kOwn) {
    out.shared = link.sharing == analysis::StorageSharing::kView    ? "view"
                 : link.sharing == analysis::StorageSharing::kSlice ? "slice"
                                                                    : "inplace";
    out.storage_of = report.graph->buffers[storage].name;
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> annotation_entries(const ModelReport& report,
                                                                    std::string_view version) {
  if (!report.analysis) throw std::invalid_argument("annotation_entries: the report has no analysis");
  const analysis::AnalysisResult& result = *report.analysis;
  const analysis::Platform& platform = report.platform();
  std::vector<std::pair<std::string, std::string>> out = {
      {"bufopt.version", std::string(version)},
      {"bufopt.annotation_format", std::to_string(kAnnotationFormat)},
      {"bufopt.mode", report.mode()},
      {"bufopt.max_slowdown", number(result.options.max_slowdown)},
      {"bufopt.slowdown", number(result.evaluation.slowdown)},
      {"bufopt.time_s", number(result.time_s())},
      {"bufopt.platform", platform.name},
      {"bufopt.platform_params",
       fmt::format("macs_per_s={};elems_per_s={};firing_overhead_s={};processors={}", platform.macs_per_s,
                   platform.elems_per_s, platform.firing_overhead_s, platform.processors)},
      {"bufopt.stream_io", report.stream_io() ? "true" : "false"},
      {"bufopt.activation_bytes", std::to_string(report.activation_bytes)},
      {"bufopt.shared_bytes", std::to_string(result.evaluation.shared_bytes())},
      {"bufopt.fifo_bytes", std::to_string(result.evaluation.fifo_bytes)},
      {"bufopt.baseline_bytes", std::to_string(report.baselines().baseline_bytes)},
      {"bufopt.baseline_shared_bytes", std::to_string(report.baselines().baseline_shared_bytes)},
      {"bufopt.lower_bound_bytes", std::to_string(result.lower_bound_bytes)},
      {"bufopt.verified", result.verification.ok ? "true" : "false"},
  };
  const graph::Graph& graph = *report.graph;
  for (const graph::Buffer& buffer : graph.buffers) {
    if (buffer.io == graph::IoRole::kInput && buffer.producer == graph::kNoActor) {
      out.emplace_back("bufopt.input_shape." + buffer.name, fmt::format("{}", fmt::join(buffer.shape, "x")));
    }
  }
  for (size_t b = 0; b < graph.buffers.size(); ++b) {
    // MODEL 9: a tensor of unknown size has no bytes to state; it gets no entry.
    if (!graph.buffers[b].shape_known()) continue;
    out.emplace_back("bufopt.buffer." + graph.buffers[b].name, format_buffer_annotation(buffer_annotation(report, b)));
  }
  return out;
}

std::string format_buffer_annotation(const BufferAnnotation& a) {
  std::string out =
      fmt::format("capacity_rows={};rows={};row_bytes={};bytes={};granularity={};offset={};counted={}", a.capacity_rows,
                  a.rows, a.row_bytes, a.bytes, a.granularity, a.offset, a.counted ? 1 : 0);
  // storage_of last: the rest of the value is the name, whatever characters it holds.
  if (!a.shared.empty()) out += ";shared=" + a.shared + ";storage_of=" + a.storage_of;
  return out;
}

std::optional<BufferAnnotation> parse_buffer_annotation(std::string_view value) {
  std::map<std::string_view, int64_t> fields;
  BufferAnnotation out;
  bool has_storage_of = false;
  while (!value.empty()) {
    static constexpr std::string_view kStorageOf = "storage_of=";
    if (value.starts_with(kStorageOf)) {
      out.storage_of = std::string(value.substr(kStorageOf.size()));
      has_storage_of = true;
      break;
    }
    const size_t end = std::min(value.find(';'), value.size());
    const std::string_view field = value.substr(0, end);
    const size_t equals = field.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view text = field.substr(equals + 1);
    value.remove_prefix(std::min(end + 1, value.size()));
    if (field.substr(0, equals) == "shared") {
      if (text != "view" && text != "inplace" && text != "slice") return std::nullopt;
      out.shared = std::string(text);
      continue;
    }
    int64_t parsed = 0;
    const auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    fields[field.substr(0, equals)] = parsed;
  }
  if (out.shared.empty() != !has_storage_of || (has_storage_of && out.storage_of.empty())) return std::nullopt;
  for (auto [key, target] : {std::pair{"capacity_rows", &out.capacity_rows}, std::pair{"rows", &out.rows},
                             std::pair{"row_bytes", &out.row_bytes}, std::pair{"bytes", &out.bytes},
                             std::pair{"granularity", &out.granularity}, std::pair{"offset", &out.offset}}) {
    const auto found = fields.find(key);
    if (found == fields.end()) return std::nullopt;
    *target = found->second;
  }
  const auto counted = fields.find("counted");
  if (counted == fields.end() || (counted->second != 0 && counted->second != 1)) return std::nullopt;
  out.counted = counted->second == 1;
  return out;
}

}  // namespace bufopt::report
