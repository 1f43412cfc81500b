// Graphviz export of the graph and its plan (layout rules in dot_export.h).
#include "bufopt/report/dot_export.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bufopt/report/text_escape.h"
#include "bufopt/report/units.h"

namespace bufopt::report {

namespace {

/// A DOT double-quoted string (valid UTF-8; backslash and quote escaped; newlines as \n line breaks).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : valid_utf8(text)) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string actor_node(size_t index) { return fmt::format("a{}", index); }
std::string io_node(size_t buffer) { return fmt::format("t{}", buffer); }

std::string actor_label(const ModelReport& report, size_t index) {
  const graph::Actor& actor = report.graph->actors[index];
  std::string label = actor.name + "\n" + actor.op_type;
  if (!actor.fused.empty()) label += " + " + fmt::format("{}", fmt::join(actor.fused, ", "));
  if (report.analysis) {
    const dataflow::Node& node = report.analysis->evaluation.network.nodes[index];  // actor node id = actor id
    label += fmt::format("\ng={} {}rows, {} phase{}", node.granularity, actor.streaming_reduction ? "input " : "",
                         node.phases, node.phases == 1 ? "" : "s");
  }
  if (actor.barrier) label += "\nbarrier";
  if (actor.streaming_reduction) label += "\nstreaming reduction";
  return label;
}

std::string shape_text(const graph::Buffer& buffer) {
  return buffer.shape_known() ? fmt::format("{}", fmt::join(buffer.shape, "x")) : "?";
}

/// Colours of the storages several buffers share (MODEL 4.1), cycled in buffer order.
constexpr const char* kSharedColors[] = {"#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

/// Per buffer: the colour of its shared storage (in place or a slice, MODEL 4.1), empty when the
/// buffer's storage is its own and no buffer written in place or slice shares it. Views are left
/// out: they are drawn as their storage.
std::vector<std::string> shared_storage_colors(const ModelReport& report) {
  const size_t buffers = report.graph->buffers.size();
  std::vector<std::string> out(buffers);
  if (!report.analysis) return out;
  const analysis::AnalysisResult& result = *report.analysis;
  std::vector<int> storage_color(buffers, -1);
  int used = 0;
  for (size_t b = 0; b < buffers; ++b) {
    const analysis::StorageSharing sharing = result.storage_link(b).sharing;
    if (sharing != analysis::StorageSharing::kInPlace && sharing != analysis::StorageSharing::kSlice) continue;
    const auto storage = static_cast<size_t>(result.storage_of(b));
    if (storage_color[storage] < 0) storage_color[storage] = used++;
    const char* color = kSharedColors[static_cast<size_t>(storage_color[storage]) % std::size(kSharedColors)];
    out[b] = color;
    out[storage] = color;
  }
  return out;
}

/// Edge label and style of buffer `b` (shared by all its readers). `shared_color`: the colour
/// of its shared storage, empty for none.
std::string edge_attributes(const ModelReport& report, size_t b, int64_t largest_bytes,
                            const std::string& shared_color) {
  const graph::Buffer& buffer = report.graph->buffers[b];
  if (!report.analysis) {
    return fmt::format("label={}", quoted(fmt::format("{}\n{} {}", buffer.name, shape_text(buffer),
                                                      format_bytes(buffer.tensor_bytes()))));
  }
  const analysis::Evaluation& evaluation = report.analysis->evaluation;
  const analysis::StorageLink link = report.analysis->storage_link(b);
  if (link.sharing == analysis::StorageSharing::kSlice) {
    const std::string color = !shared_color.empty() ? shared_color : "#999999";
    // MODEL 4.1: a slice has no rows of its own; its producer is one of the Concat output's
    // writers (the Concat's node stands for that buffer).
    const std::string& whole = report.graph->buffers[static_cast<size_t>(link.over)].name;
    const std::string range = slice_range_text(link);
    return fmt::format("label={}, color=\"{}\", penwidth=2.00, style=bold, fontcolor=\"{}\"",
                       quoted(fmt::format("{}\nslice of {}, {}\nwritten into {}'s rows", buffer.name, whole, range,
                                          whole)),
                       color, color);
  }
  if (!evaluation.network.channels[b].counted) {
    return fmt::format("label={}, color=\"#888888\", style=dashed",
                       quoted(fmt::format("{}\n{} (held by the application)", buffer.name, shape_text(buffer))));
  }
  const int64_t rows = evaluation.usage.capacity_rows[b];
  const int64_t bytes = rows * buffer.row_bytes();
  const bool streamed = rows < buffer.rows();
  const double width = 1 + 4 * static_cast<double>(bytes) / static_cast<double>(std::max<int64_t>(1, largest_bytes));
  std::string label = fmt::format("{}\n{}/{} rows, {}\n@ {}", buffer.name, rows, buffer.rows(), format_bytes(bytes),
                                  evaluation.arena.offsets[b]);
  // MODEL 4.1: an in-place buffer's rows, bytes and offset are its storage's; say whose.
  if (link.sharing == analysis::StorageSharing::kInPlace) {
    label += fmt::format("\nin place over {}", report.graph->buffers[static_cast<size_t>(link.over)].name);
    if (link.over != link.storage) {
      label += fmt::format(" (storage {})", report.graph->buffers[static_cast<size_t>(link.storage)].name);
    }
  }
  const std::string color = !shared_color.empty() ? shared_color : streamed ? "#1f77b4" : "#999999";
  const bool in_place = link.sharing == analysis::StorageSharing::kInPlace;
  return fmt::format("label={}, color=\"{}\", penwidth={:.2f}{}", quoted(label), color, width,
                     in_place ? ", style=bold, fontcolor=\"" + color + "\"" : "");
}

int64_t largest_buffer_bytes(const ModelReport& report) {
  int64_t largest = 1;
  if (!report.analysis) return largest;
  const analysis::Evaluation& evaluation = report.analysis->evaluation;
  for (size_t b = 0; b < report.graph->buffers.size(); ++b) {
    largest = std::max(largest, evaluation.usage.capacity_rows[b] * report.graph->buffers[b].row_bytes());
  }
  return largest;
}

}  // namespace

std::string to_dot(const ModelReport& report) {
  const graph::Graph& graph = *report.graph;
  std::string out = fmt::format("digraph {} {{\n", quoted(graph.name.empty() ? "bufopt" : graph.name));
  out += "  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef4fb\", fontname=\"DejaVu Sans\", "
         "fontsize=10];\n  edge [fontname=\"DejaVu Sans\", fontsize=9];\n";
  if (report.analysis) {
    const analysis::Evaluation& evaluation = report.analysis->evaluation;
    out += fmt::format("  label={};\n  labelloc=t;\n",
                       quoted(fmt::format("{}: arena {}, FIFO sum {}, slowdown {:.3f} (max {})", report.model_path,
                                          format_bytes(evaluation.shared_bytes()), format_bytes(evaluation.fifo_bytes),
                                          evaluation.slowdown, report.analysis->options.max_slowdown)));
  }
  const std::vector<std::string> shared_colors = shared_storage_colors(report);
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    const auto actor = static_cast<graph::ActorId>(a);
    if (report.analysis && report.analysis->zero_copy_concat(actor)) {
      // MODEL 4.1: a zero-copy Concat is its output buffer with one writer per input.
      const auto whole = static_cast<size_t>(graph.actors[a].outputs.front());
      out += fmt::format("  {} [shape=cylinder, fillcolor=\"#fff7e0\", color=\"{}\", penwidth=2, label={}];\n",
                         actor_node(a), shared_colors[whole],
                         quoted(fmt::format("{}\none buffer, {} writers\nzero-copy Concat {} (no copy, no time)",
                                            graph.buffers[whole].name, graph.actors[a].inputs.size(),
                                            graph.actors[a].name)));
      continue;
    }
    out += fmt::format("  {} [label={}{}];\n", actor_node(a), quoted(actor_label(report, a)),
                       graph.actors[a].barrier ? ", fillcolor=\"#fde8d7\"" : "");
  }
  const int64_t largest = largest_buffer_bytes(report);
  for (size_t b = 0; b < graph.buffers.size(); ++b) {
    const graph::Buffer& buffer = graph.buffers[b];
    // A view (MODEL 4.1) is drawn as its storage: the storage's edges go to the view's readers.
    if (buffer.storage_of != graph::kNoBuffer) continue;
    const std::string attributes = edge_attributes(report, b, largest, shared_colors[b]);
    std::string from = buffer.producer == graph::kNoActor ? io_node(b) : actor_node(static_cast<size_t>(buffer.producer));
    if (buffer.producer == graph::kNoActor) {
      out += fmt::format("  {} [shape=ellipse, fillcolor=\"#f2f2f2\", label={}];\n", from,
                         quoted(buffer.name + "\ngraph input " + shape_text(buffer)));
    }
    for (graph::ActorId consumer : buffer.consumers) {
      out += fmt::format("  {} -> {} [{}];\n", from, actor_node(static_cast<size_t>(consumer)), attributes);
    }
    if (buffer.io == graph::IoRole::kOutput || buffer.consumers.empty()) {
      out += fmt::format("  o{} [shape=ellipse, fillcolor=\"#f2f2f2\", label={}];\n", b,
                         quoted(buffer.name + (buffer.io == graph::IoRole::kOutput ? "\ngraph output " : "\nunread ") +
                                shape_text(buffer)));
      out += fmt::format("  {} -> o{} [{}];\n", from, b, attributes);
    }
  }
  out += "}\n";
  return out;
}

}  // namespace bufopt::report
