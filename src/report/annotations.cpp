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
  const analysis::Evaluation& evaluation = report.analysis->evaluation;
  BufferAnnotation out;
  out.counted = evaluation.network.channels[b].counted;
  out.rows = buffer.rows();
  out.row_bytes = buffer.row_bytes();
  out.capacity_rows = out.counted ? evaluation.usage.capacity_rows[b] : out.rows;
  out.bytes = out.capacity_rows * out.row_bytes;
  // Actor node ids equal actor ids.
  out.granularity = buffer.producer == graph::kNoActor
                        ? 0
                        : evaluation.network.nodes[static_cast<size_t>(buffer.producer)].granularity;
  out.offset = out.counted ? evaluation.arena.offsets[b] : -1;
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
  return fmt::format("capacity_rows={};rows={};row_bytes={};bytes={};granularity={};offset={};counted={}",
                     a.capacity_rows, a.rows, a.row_bytes, a.bytes, a.granularity, a.offset, a.counted ? 1 : 0);
}

std::optional<BufferAnnotation> parse_buffer_annotation(std::string_view value) {
  std::map<std::string_view, int64_t> fields;
  while (!value.empty()) {
    const size_t end = std::min(value.find(';'), value.size());
    const std::string_view field = value.substr(0, end);
    const size_t equals = field.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view text = field.substr(equals + 1);
    int64_t parsed = 0;
    const auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    fields[field.substr(0, equals)] = parsed;
    value.remove_prefix(std::min(end + 1, value.size()));
  }
  BufferAnnotation out;
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
