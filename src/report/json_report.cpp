// The JSON document of MODEL 9 and the per-buffer CSV.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "bufopt/execute/execution_check.h"
#include "bufopt/graph/unknown_sizes.h"
#include "bufopt/report/model_report.h"
#include "bufopt/report/pareto.h"
#include "bufopt/report/text_escape.h"

namespace bufopt::report {

namespace {

using nlohmann::ordered_json;

const char* io_name(graph::IoRole io) {
  switch (io) {
    case graph::IoRole::kInput:
      return "input";
    case graph::IoRole::kOutput:
      return "output";
    case graph::IoRole::kNone:
      break;
  }
  return nullptr;
}

std::string actor_name(const graph::Graph& graph, graph::ActorId id) {
  return id == graph::kNoActor ? std::string() : graph.actors[static_cast<size_t>(id)].name;
}

ordered_json platform_json(const analysis::Platform& platform) {
  return {{"name", platform.name},
          {"macs_per_s", platform.macs_per_s},
          {"elems_per_s", platform.elems_per_s},
          {"firing_overhead_s", platform.firing_overhead_s},
          {"processors", platform.processors}};
}

/// A partly known shape, null where a dim is unknown ([2, null]).
ordered_json partial_shape_json(const graph::Buffer& buffer) {
  ordered_json dims = ordered_json::array();
  for (int64_t dim : buffer.partial_shape)
    dims.push_back(dim == graph::kUnknownDim ? ordered_json(nullptr) : ordered_json(dim));
  return dims;
}

/// A zero-copy Concat's input (MODEL 4.1): the Concat output it is a slice of, the Concat, and
/// its range [begin, end) along the concat axis ("channels") and in bytes of each output row.
ordered_json slice_json(const graph::Graph& graph, const analysis::StorageLink& link) {
  return {{"buffer", graph.buffers[static_cast<size_t>(link.over)].name},
          {"concat", actor_name(graph, link.concat)},
          {"axis", link.axis},
          {"channels", ordered_json::array({link.begin, link.end})},
          {"row_bytes", ordered_json::array({link.byte_begin, link.byte_end})}};
}

ordered_json buffer_json(const ModelReport& report, graph::BufferId id) {
  const graph::Graph& graph = *report.graph;
  const graph::Buffer& buffer = graph.buffers[static_cast<size_t>(id)];
  ordered_json out;
  out["name"] = buffer.name;
  out["producer"] =
      buffer.producer == graph::kNoActor ? ordered_json(nullptr) : ordered_json(actor_name(graph, buffer.producer));
  ordered_json consumers = ordered_json::array();
  for (graph::ActorId consumer : buffer.consumers) consumers.push_back(actor_name(graph, consumer));
  out["consumers"] = consumers;
  // MODEL 9: an unknown shape is null ([] is a scalar), with what is known of it; its bytes null.
  const bool known = buffer.shape_known();
  out["shape"] = known ? ordered_json(buffer.shape) : ordered_json(nullptr);
  out["dtype"] = std::string(graph::dtype_name(buffer.dtype));
  out["streaming_axis"] = buffer.streaming_axis ? ordered_json(*buffer.streaming_axis) : ordered_json(nullptr);
  out["row_bytes"] = known ? ordered_json(buffer.row_bytes()) : ordered_json(nullptr);
  out["tensor_bytes"] = known ? ordered_json(buffer.tensor_bytes()) : ordered_json(nullptr);
  const char* io = io_name(buffer.io);
  out["io"] = io ? ordered_json(io) : ordered_json(nullptr);
  if (!buffer.unknown_reason.empty()) out["unknown_reason"] = buffer.unknown_reason;
  if (!buffer.partial_shape.empty()) out["partial_shape"] = partial_shape_json(buffer);
  if (report.analysis) {
    const analysis::Evaluation& evaluation = report.analysis->evaluation;
    // MODEL 4.1: a view's, an in-place buffer's or a slice's capacity, bytes, offset and
    // lifetime are those of its storage.
    const analysis::StorageLink link = report.analysis->storage_link(static_cast<size_t>(id));
    out["storage_of"] = link.storage != graph::kNoBuffer
                            ? ordered_json(graph.buffers[static_cast<size_t>(link.storage)].name)
                            : ordered_json(nullptr);
    out["slice_of"] =
        link.sharing == analysis::StorageSharing::kSlice ? slice_json(graph, link) : ordered_json(nullptr);
    const size_t index = report.analysis->storage_buffer(static_cast<size_t>(id));
    const int64_t capacity = evaluation.usage.capacity_rows[index];
    const bool counted = evaluation.network.channels[index].counted;
    out["capacity_rows"] = counted ? ordered_json(capacity) : ordered_json(nullptr);
    out["bytes"] = !known    ? ordered_json(nullptr)
                   : counted ? ordered_json(capacity * graph.buffers[index].row_bytes())  // the storage's rows
                             : ordered_json(0);
    out["offset"] = counted && known ? ordered_json(evaluation.arena.offsets[index]) : ordered_json(nullptr);
    const analysis::Lifetime lifetime = report.analysis->lifetime(index);
    out["lifetime"] =
        lifetime.first >= 0 ? ordered_json::array({lifetime.first, lifetime.last}) : ordered_json(nullptr);
  }
  return out;
}

ordered_json actor_json(const ModelReport& report, graph::ActorId id) {
  const graph::Actor& actor = report.graph->actors[static_cast<size_t>(id)];
  ordered_json out;
  out["name"] = actor.name;
  out["op_type"] = actor.op_type;
  out["fused"] = actor.fused;
  out["macs"] = actor.macs;
  out["barrier"] = actor.barrier;
  if (actor.barrier) out["barrier_reason"] = actor.barrier_reason;
  out["streaming_reduction"] = actor.streaming_reduction;
  if (report.analysis) {
    // Actor node ids equal actor ids.
    const dataflow::Node& node = report.analysis->evaluation.network.nodes[static_cast<size_t>(id)];
    out["granularity"] = node.granularity;
    out["phases"] = node.phases;
    // MODEL 4.1: a zero-copy Concat's steps take no time and copy nothing.
    out["zero_copy"] = report.analysis->zero_copy_concat(id);
  }
  return out;
}

ordered_json summary_json(const ModelReport& report) {
  const graph::Graph& graph = *report.graph;
  int64_t macs = 0;
  for (const graph::Actor& actor : graph.actors) macs += actor.macs;
  ordered_json out;
  if (report.analysis) {
    const analysis::AnalysisResult& result = *report.analysis;
    out["max_slowdown"] = result.options.max_slowdown;
    out["slowdown"] = result.evaluation.slowdown;
    out["time_s"] = result.time_s();  // pipelined: the period
    out["baseline_time_s"] = result.baseline_time_s();
  }
  out["baseline_bytes"] = report.baselines().baseline_bytes;
  out["baseline_shared_bytes"] = report.baselines().baseline_shared_bytes;
  out["live_peak_bytes"] = report.baselines().live_peak_bytes;
  if (report.analysis) {
    const analysis::AnalysisResult& result = *report.analysis;
    out["fifo_bytes"] = result.evaluation.fifo_bytes;
    out["shared_bytes"] = result.evaluation.shared_bytes();
    out["lower_bound_bytes"] = result.lower_bound_bytes;
    out["verified"] = result.verification.ok;
    out["firings"] = result.evaluation.schedule.firings.size();
    // MODEL 4.1: "inplace" when some buffer shares another's storage, else the plain FIFO model.
    out["storage"] = result.shares_storage() ? "inplace" : "fifo";
    if (result.pipelined) {
      // Pipelined mode (MODEL 5): images per second in the periodic regime; null if unbounded.
      const auto rate = [](double value) { return std::isfinite(value) ? ordered_json(value) : ordered_json(nullptr); };
      out["period_s"] = result.pipelined->period_s;
      out["baseline_period_s"] = result.pipelined->baseline_period_s;
      out["throughput_per_s"] = rate(result.pipelined->throughput_per_s);
      out["baseline_throughput_per_s"] = rate(result.pipelined->baseline_throughput_per_s);
      out["first_image_latency_s"] = result.pipelined->first_image_latency_s;
      out["critical_actors"] = result.pipelined->critical_nodes;
      out["critical_buffers"] = result.pipelined->critical_buffers;
    }
  }
  out["parameter_bytes"] = graph.parameter_bytes;
  out["macs"] = macs;
  out["actors"] = graph.actors.size();
  out["buffers"] = graph.buffers.size();
  out["stream_io"] = report.stream_io();
  out["activation_bytes"] = report.activation_bytes > 0 ? ordered_json(report.activation_bytes) : ordered_json(nullptr);
  // MODEL 9: tensors of unknown size the figures above exclude (then --budget cannot hold).
  ordered_json unknown = ordered_json::array();
  for (graph::BufferId id : graph::unknown_size_buffers(graph, report.stream_io())) {
    unknown.push_back(graph.buffers[static_cast<size_t>(id)].name);
  }
  out["unknown_size_buffers"] = unknown;
  return out;
}

ordered_json pareto_json(const ParetoFront& front) {
  ordered_json samples = ordered_json::array();
  for (const ParetoSample& sample : front.samples) {
    samples.push_back({{"max_slowdown", sample.point.max_slowdown},
                       {"slowdown", sample.point.slowdown},
                       {"shared_bytes", sample.point.shared_bytes},
                       {"fifo_bytes", sample.point.fifo_bytes},
                       {"lower_bound_bytes", sample.lower_bound_bytes}});
  }
  return {{"full_streaming_slowdown", front.full_streaming_slowdown}, {"samples", samples}};
}

/// `bufopt run`'s figures; the measured times apart under `timing` (the rest is deterministic).
ordered_json execution_json(const execute::ExecutionReport& execution) {
  ordered_json outputs = ordered_json::array();
  for (const execute::ReportedOutput& output : execution.outputs) {
    outputs.push_back({{"name", output.name},
                       {"shape", output.shape},
                       {"dtype", std::string(graph::dtype_name(output.dtype))},
                       {"file", output.file.empty() ? ordered_json(nullptr) : ordered_json(output.file)}});
  }
  return {{"arena_bytes", execution.arena_bytes},
          {"firings", execution.firings},
          {"bit_identical", execution.bit_identical},
          {"max_abs_diff", execution.max_abs_diff},
          {"outside_arena",
           {{"io_bytes", execution.outside_arena.io_bytes},
            {"weight_bytes", execution.outside_arena.weight_bytes},
            {"accumulator_bytes", execution.outside_arena.accumulator_bytes},
            {"scratch_peak_bytes", execution.outside_arena.scratch_peak_bytes},
            {"stream_staging_bytes", execution.outside_arena.stream_staging_bytes}}},
          {"outputs", outputs},
          {"timing",
           {{"seconds_by_parts", execution.seconds_by_parts},
            {"seconds_layer_by_layer", execution.seconds_layer_by_layer},
            {"measured_slowdown", execution.measured_slowdown()}}}};
}

ordered_json annotations_json(const graph::Graph& graph) {
  ordered_json out = ordered_json::object();
  for (const auto& [key, value] : graph.annotations) out[key] = value;
  return out;
}

}  // namespace

std::string to_json(const ModelReport& report) {
  const graph::Graph& graph = *report.graph;
  ordered_json doc;
  doc["schema_version"] = kJsonSchemaVersion;
  doc["model"] = {{"path", report.model_path}, {"name", graph.name}};
  doc["platform"] = platform_json(report.platform());
  doc["mode"] = report.mode();
  doc["summary"] = summary_json(report);
  ordered_json actors = ordered_json::array();
  for (size_t i = 0; i < graph.actors.size(); ++i) actors.push_back(actor_json(report, static_cast<graph::ActorId>(i)));
  doc["actors"] = actors;
  ordered_json buffers = ordered_json::array();
  for (size_t i = 0; i < graph.buffers.size(); ++i)
    buffers.push_back(buffer_json(report, static_cast<graph::BufferId>(i)));
  doc["buffers"] = buffers;
  ordered_json unsupported = ordered_json::array();
  for (const graph::UnsupportedOp& op : graph.unsupported) {
    unsupported.push_back({{"node", op.node}, {"op_type", op.op_type}, {"reason", op.reason}});
  }
  doc["unsupported"] = unsupported;
  ordered_json fused = ordered_json::array();
  for (const graph::FusedOp& op : graph.fused)
    fused.push_back({{"node", op.node}, {"op_type", op.op_type}, {"into", op.into}});
  doc["fused"] = fused;
  doc["warnings"] = graph.warnings;
  doc["annotations"] = annotations_json(graph);
  if (report.pareto) doc["pareto"] = pareto_json(*report.pareto);
  if (report.execution) doc["execution"] = execution_json(*report.execution);
  if (report.analysis && !report.analysis->verification.ok)
    doc["verification_errors"] = report.analysis->verification.errors;
  // A file name need not be valid UTF-8: replace invalid bytes rather than throw.
  return doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string to_csv(const ModelReport& report) {
  const graph::Graph& graph = *report.graph;
  std::string out =
      "name,producer,consumers,shape,dtype,streaming_axis,row_bytes,tensor_bytes,io,capacity_rows,bytes,offset,storage_"
      "of,slice_of\n";
  for (size_t i = 0; i < graph.buffers.size(); ++i) {
    const graph::Buffer& buffer = graph.buffers[i];
    std::string consumers;
    for (graph::ActorId consumer : buffer.consumers) {
      if (!consumers.empty()) consumers += ' ';
      consumers += actor_name(graph, consumer);
    }
    const char* io = io_name(buffer.io);
    std::string analysed = ",,";
    const bool known = buffer.shape_known();
    // MODEL 4.1: a view, an in-place buffer or a slice shows its storage's capacity, bytes and
    // offset (as in the JSON); slice_of names the Concat output a slice is part of.
    const analysis::StorageLink link = report.analysis ? report.analysis->storage_link(i) : analysis::StorageLink{};
    const graph::BufferId shared = link.storage;
    const size_t storage = shared != graph::kNoBuffer ? static_cast<size_t>(shared) : i;
    if (report.analysis && report.analysis->evaluation.network.channels[storage].counted && !known) {
      analysed = fmt::format("{},?,", report.analysis->evaluation.usage.capacity_rows[storage]);
    } else if (report.analysis && report.analysis->evaluation.network.channels[storage].counted) {
      const int64_t capacity = report.analysis->evaluation.usage.capacity_rows[storage];
      analysed = fmt::format("{},{},{}", capacity, capacity * graph.buffers[storage].row_bytes(),
                             report.analysis->evaluation.arena.offsets[storage]);
    }
    analysed += "," + (shared != graph::kNoBuffer ? csv_field(graph.buffers[storage].name) : std::string());
    analysed += "," + (link.sharing == analysis::StorageSharing::kSlice
                           ? csv_field(graph.buffers[static_cast<size_t>(link.over)].name)
                           : std::string());
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", csv_field(buffer.name),
                       csv_field(actor_name(graph, buffer.producer)), csv_field(consumers), graph::shape_text(buffer),
                       graph::dtype_name(buffer.dtype),
                       buffer.streaming_axis ? std::to_string(*buffer.streaming_axis) : std::string(),
                       known ? std::to_string(buffer.row_bytes()) : "?",
                       known ? std::to_string(buffer.tensor_bytes()) : "?", io ? io : "", analysed);
  }
  return out;
}

}  // namespace bufopt::report
