// Terminal views: `inspect` tables and the analysis summary, readable in 80 columns.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "bufopt/graph/checked_math.h"
#include "bufopt/graph/unknown_sizes.h"
#include "bufopt/report/model_report.h"
#include "bufopt/report/units.h"

namespace bufopt::report {

namespace {

/// Cuts `text` to `width` columns, marking the cut with "~".
std::string fit(const std::string& text, size_t width) {
  if (text.size() <= width) return text;
  return text.substr(0, width - 1) + "~";
}

std::string paint(const TextOptions& options, const char* code, const std::string& text) {
  return options.color ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
}

std::string actor_label(const graph::Graph& graph, graph::ActorId id) {
  return id == graph::kNoActor ? "(input)" : graph.actors[static_cast<size_t>(id)].name;
}

std::string consumers_label(const graph::Graph& graph, const graph::Buffer& buffer) {
  if (buffer.consumers.empty()) return "(output)";
  std::vector<std::string> names;
  for (graph::ActorId id : buffer.consumers) names.push_back(actor_label(graph, id));
  return fmt::format("{}", fmt::join(names, ","));
}

std::string shape_label(const graph::Buffer& buffer) {
  return graph::shape_text(buffer);
}

/// Bytes for a table cell: "?" when the buffer's size is unknown (MODEL 9).
std::string bytes_label(const graph::Buffer& buffer, int64_t bytes) {
  return buffer.shape_known() ? format_bytes(bytes) : "?";
}

/// MODEL 9: the figures exclude tensors of unknown size; say so, naming them.
void append_unknown_sizes(std::string& out, const ModelReport& report, const TextOptions& options) {
  const std::vector<graph::BufferId> unknown = graph::unknown_size_buffers(*report.graph, report.stream_io());
  if (unknown.empty()) return;
  std::vector<std::string> names;
  for (graph::BufferId id : unknown) names.push_back(report.graph->buffers[static_cast<size_t>(id)].name);
  out += paint(options, "33",
               fmt::format("  the figures exclude {} tensor(s) of unknown size: {}", unknown.size(),
                           fit(fmt::format("{}", fmt::join(names, ", ")), 60))) +
         "\n";
}

std::string ratio(int64_t whole, int64_t part) {
  if (part <= 0) return "-";
  return fmt::format("{:.1f}x", static_cast<double>(whole) / static_cast<double>(part));
}

std::string platform_line(const ModelReport& report) {
  const analysis::Platform& p = report.platform();
  return fmt::format("platform {} ({:.3g} MAC/s, {:.3g} elem/s, {} per firing), {}{}", p.name, p.macs_per_s,
                     p.elems_per_s, format_seconds(p.firing_overhead_s), report.mode(),
                     report.stream_io() ? ", streamed I/O" : "");
}

void append_notes(std::string& out, const graph::Graph& graph, const TextOptions& options) {
  if (!graph.unsupported.empty()) {
    out += paint(options, "33", fmt::format("{} operator(s) modelled as barriers:", graph.unsupported.size())) + "\n";
    for (const graph::UnsupportedOp& op : graph.unsupported) {
      out += fmt::format("  {} ({}): {}\n", fit(op.node, 30), op.op_type, op.reason);
    }
  }
}

/// Annotations an earlier `bufopt -o` run attached to the model (model metadata "bufopt.*").
void append_annotations(std::string& out, const graph::Graph& graph) {
  if (graph.annotations.empty()) return;
  out += fmt::format("\nbufopt annotations in the model ({} entries)\n", graph.annotations.size());
  for (const auto& [key, value] : graph.annotations) out += fmt::format("  {} = {}\n", key, value);
}

/// The note column: why an actor is a barrier, or that it streams a reduction.
std::string actor_note(const graph::Actor& actor) {
  if (actor.barrier) return "barrier: " + actor.barrier_reason;
  if (actor.streaming_reduction) return "streaming reduction: input rows per firing, output at the last";
  return "";
}

}  // namespace

std::string inspect_text(const ModelReport& report, const TextOptions& options) {
  const graph::Graph& graph = *report.graph;
  std::string out =
      fmt::format("{} ({}): {} actors, {} buffers, {} fused, parameters {}\n", report.model_path, graph.name,
                  graph.actors.size(), graph.buffers.size(), graph.fused.size(), format_bytes(graph.parameter_bytes));
  out += "\nactors\n";
  out += fmt::format("  {:<28} {:<18} {:>14} {:>6}  {}\n", "name", "op", "MACs", "fused", "note");
  for (const graph::Actor& actor : graph.actors) {
    out += fmt::format("  {:<28} {:<18} {:>14} {:>6}  {}\n", fit(actor.name, 28), fit(actor.op_type, 18), actor.macs,
                       actor.fused.size(), actor_note(actor));
  }
  out += "\nbuffers\n";
  out += fmt::format("  {:<24} {:<30} {:<16} {:<7} {:>9} {:>10}\n", "name", "producer -> consumers", "shape", "dtype",
                     "row", "tensor");
  for (const graph::Buffer& buffer : graph.buffers) {
    const std::string flow = actor_label(graph, buffer.producer) + " -> " + consumers_label(graph, buffer);
    out += fmt::format("  {:<24} {:<30} {:<16} {:<7} {:>9} {:>10}{}\n", fit(buffer.name, 24), fit(flow, 30),
                       fit(shape_label(buffer), 16), graph::dtype_name(buffer.dtype),
                       bytes_label(buffer, buffer.row_bytes()), bytes_label(buffer, buffer.tensor_bytes()),
                       buffer.io == graph::IoRole::kNone ? "" : " (I/O)");
  }
  const analysis::Baselines& b = report.baselines();
  out += fmt::format("\nwhole tensors {}, shared layer by layer {} (live peak {})\n", format_bytes(b.baseline_bytes),
                     format_bytes(b.baseline_shared_bytes), format_bytes(b.live_peak_bytes));
  append_unknown_sizes(out, report, options);
  append_notes(out, graph, options);
  append_annotations(out, graph);
  return out;
}

namespace {

void append_lineup(std::string& out, const ModelReport& report, const TextOptions& options) {
  const analysis::AnalysisResult& result = *report.analysis;
  const int64_t whole = report.baselines().baseline_bytes;
  const int64_t bound = result.lower_bound_bytes;
  const int64_t arena = result.evaluation.shared_bytes();
  /// One line of the table: label, bytes, and whether it is bufopt's answer (highlighted).
  struct Line {
    std::string label;
    int64_t bytes;
    bool highlight;
  };
  const std::vector<Line> lines = {
      {"whole tensors (no sharing)", whole, false},
      {"whole tensors, shared (layer by layer)", report.baselines().baseline_shared_bytes, false},
      {"bufopt FIFOs (sum)", result.evaluation.fifo_bytes, false},
      {"bufopt shared arena", arena, true},
      {bound > 0
           ? fmt::format("lower bound (arena within {:.2f}x)", static_cast<double>(arena) / static_cast<double>(bound))
           : std::string("lower bound"),
       bound, false},
  };
  // The label column is as wide as its longest label, so the numbers always line up.
  size_t width = std::string_view("activation memory").size();
  for (const Line& line : lines) width = std::max(width, line.label.size());
  out += fmt::format("  {:<{}} {:>12} {:>10}\n", "activation memory", width, "bytes", "reduction");
  for (const Line& line : lines) {
    const std::string text =
        fmt::format("  {:<{}} {:>12} {:>10}", line.label, width, format_bytes(line.bytes), ratio(whole, line.bytes));
    out += (line.highlight ? paint(options, "1;32", text) : text) + "\n";
  }
}

void append_top_buffers(std::string& out, const ModelReport& report, const TextOptions& options) {
  const graph::Graph& graph = *report.graph;
  const analysis::Evaluation& evaluation = report.analysis->evaluation;
  std::vector<size_t> order(graph.buffers.size());
  std::iota(order.begin(), order.end(), 0);
  auto bytes = [&](size_t i) { return evaluation.usage.capacity_rows[i] * graph.buffers[i].row_bytes(); };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bytes(a) > bytes(b); });
  out += fmt::format("\n  {:<26} {:<26} {:>9} {:>10}\n", "largest buffers", "producer -> consumers", "rows", "bytes");
  int listed = 0;
  for (size_t i : order) {
    if (listed >= options.top_buffers || !evaluation.network.channels[i].counted) continue;
    // MODEL 4.1: a buffer written in place takes its storage's bytes, listed once as the storage.
    if (report.analysis->storage_of(i) != graph::kNoBuffer) continue;
    const graph::Buffer& buffer = graph.buffers[i];
    const std::string flow = actor_label(graph, buffer.producer) + " -> " + consumers_label(graph, buffer);
    out += fmt::format("  {:<26} {:<26} {:>9} {:>10}\n", fit(buffer.name, 26), fit(flow, 26),
                       fmt::format("{}/{}", evaluation.usage.capacity_rows[i], buffer.rows()),
                       bytes_label(buffer, bytes(i)));
    ++listed;
  }
}

/// Pipelined mode: steady-state throughput against every actor unsplit with unbounded FIFOs,
/// and what limits it.
std::string pipelined_line(const analysis::AnalysisResult& result, const std::string& verdict) {
  const analysis::PipelinedFigures& p = *result.pipelined;
  std::string out = fmt::format(
      "\n  throughput {:.4g}/s, period {} (unsplit, unbounded FIFOs {:.4g}/s), slowdown {:.3f} (max {:.3f}), "
      "first image {}, {}\n",
      p.throughput_per_s, format_seconds(p.period_s), p.baseline_throughput_per_s, result.evaluation.slowdown,
      result.options.max_slowdown, format_seconds(p.first_image_latency_s), verdict);
  if (p.critical_buffers.empty()) {
    out += fmt::format("  limited by actor {} (its own firings)\n",
                       p.critical_nodes.empty() ? "-" : p.critical_nodes.front());
  } else {
    out += fmt::format("  limited by a cycle through {} actor(s) and the FIFO(s) {}\n", p.critical_nodes.size(),
                       fit(fmt::format("{}", fmt::join(p.critical_buffers, ", ")), 60));
  }
  return out;
}

/// The letter that stands for the i-th placed buffer in the arena picture ('#' beyond 62).
char buffer_letter(size_t i) {
  static constexpr std::string_view kLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return i < kLetters.size() ? kLetters[i] : '#';
}

/// The firings at which the set of live buffers changes (a lifetime starts, or ends the firing
/// before), ascending; at most `limit` of them, evenly picked, the first and last kept.
std::vector<int64_t> map_moments(const std::vector<analysis::Lifetime>& lifetimes, size_t limit) {
  std::vector<int64_t> changes;
  for (const analysis::Lifetime& life : lifetimes) {
    changes.push_back(life.first);
    changes.push_back(life.last + 1);
  }
  std::sort(changes.begin(), changes.end());
  changes.erase(std::unique(changes.begin(), changes.end()), changes.end());
  if (!changes.empty()) changes.pop_back();  // after the last lifetime nothing lives
  if (changes.size() <= limit || limit < 2) return changes;
  std::vector<int64_t> picked;
  for (size_t k = 0; k < limit; ++k) picked.push_back(changes[k * (changes.size() - 1) / (limit - 1)]);
  return picked;
}

/// The arena as a picture, as TensorFlow Lite Micro's PrintMemoryPlan draws it: one line per
/// moment the live buffers change (at most kMapLines of them), the arena's bytes across
/// kMapColumns columns, each live buffer drawn with its letter over the bytes it occupies and
/// '.' where nothing lives. Then the legend: letter, offset, bytes, lifetime, name.
void append_arena_map(std::string& out, const ModelReport& report) {
  constexpr int64_t kMapColumns = 64;
  constexpr size_t kMapLines = 40;
  const graph::Graph& graph = *report.graph;
  const analysis::Evaluation& evaluation = report.analysis->evaluation;
  std::vector<analysis::Lifetime> lifetime_of;  // per buffer (pipelined: the whole period)
  for (size_t i = 0; i < graph.buffers.size(); ++i) lifetime_of.push_back(report.analysis->lifetime(i));
  std::vector<size_t> placed;  // buffers drawn, by offset then index
  for (size_t i = 0; i < graph.buffers.size(); ++i) {
    // MODEL 4.1: a buffer inside another's storage is drawn as that storage.
    if (evaluation.network.channels[i].counted && lifetime_of[i].first >= 0 && evaluation.usage.capacity_rows[i] > 0 &&
        report.analysis->storage_of(i) == graph::kNoBuffer) {
      placed.push_back(i);
    }
  }
  std::stable_sort(placed.begin(), placed.end(),
                   [&](size_t a, size_t b) { return evaluation.arena.offsets[a] < evaluation.arena.offsets[b]; });
  auto bytes = [&](size_t i) { return evaluation.usage.capacity_rows[i] * graph.buffers[i].row_bytes(); };
  const int64_t arena = std::max<int64_t>(evaluation.arena.size, 1);
  std::vector<analysis::Lifetime> lifetimes;
  for (size_t i : placed) lifetimes.push_back(lifetime_of[i]);
  out +=
      fmt::format("arena map: {} across {} columns ({} per column), down: the firings where live buffers change\n",
                  format_bytes(evaluation.arena.size), kMapColumns, format_bytes(graph::ceil_div(arena, kMapColumns)));
  for (const int64_t firing : map_moments(lifetimes, kMapLines)) {
    std::string picture(static_cast<size_t>(kMapColumns), '.');
    for (size_t k = 0; k < placed.size(); ++k) {
      const size_t i = placed[k];
      const analysis::Lifetime& life = lifetime_of[i];
      if (firing < life.first || firing > life.last) continue;
      // Columns whose byte range meets [offset, offset + bytes).
      const int64_t begin = evaluation.arena.offsets[i] * kMapColumns / arena;
      const int64_t end = graph::ceil_div(
          graph::saturating_mul(graph::saturating_add(evaluation.arena.offsets[i], bytes(i)), kMapColumns), arena);
      for (int64_t c = begin; c < std::min(end, kMapColumns); ++c) picture[static_cast<size_t>(c)] = buffer_letter(k);
    }
    out += fmt::format("  {:>8} |{}|\n", firing, picture);
  }
  // A storage's legend names the buffers that share it too ("x = y = z").
  std::vector<std::string> legend_name;
  for (const graph::Buffer& buffer : graph.buffers) legend_name.push_back(buffer.name);
  for (size_t i = 0; i < graph.buffers.size(); ++i) {
    const graph::BufferId storage = report.analysis->storage_of(i);
    if (storage != graph::kNoBuffer) legend_name[static_cast<size_t>(storage)] += " = " + graph.buffers[i].name;
  }
  out += fmt::format("\n  {:>2} {:>10} {:>10}  {:<16} {}\n", "", "offset", "bytes", "lifetime", "buffer");
  for (size_t k = 0; k < placed.size(); ++k) {
    const size_t i = placed[k];
    const analysis::Lifetime& life = lifetime_of[i];
    out += fmt::format("  {:>2} {:>10} {:>10}  {:<16} {}\n", buffer_letter(k), evaluation.arena.offsets[i], bytes(i),
                       fmt::format("[{}, {}]", life.first, life.last), fit(legend_name[i], 36));
  }
}

void append_schedule(std::string& out, const ModelReport& report) {
  const analysis::Evaluation& evaluation = report.analysis->evaluation;
  out += "\nfiring schedule (node x consecutive firings)\n  ";
  const auto& firings = evaluation.schedule.firings;
  size_t column = 2;
  for (size_t i = 0; i < firings.size();) {
    size_t j = i;
    while (j < firings.size() && firings[j] == firings[i]) ++j;
    const std::string item =
        fmt::format("{}x{} ", evaluation.network.nodes[static_cast<size_t>(firings[i])].name, j - i);
    if (column + item.size() > 78) {
      out += "\n  ";
      column = 2;
    }
    out += item;
    column += item.size();
    i = j;
  }
  out += "\n\n";
  append_arena_map(out, report);
}

/// -v: which buffers share storage and why (MODEL 4.1).
void append_shared_storage(std::string& out, const ModelReport& report) {
  const graph::Graph& graph = *report.graph;
  const analysis::AnalysisResult& result = *report.analysis;
  const analysis::Evaluation& evaluation = result.evaluation;
  std::vector<std::string> lines;
  size_t views = 0;
  size_t in_place = 0;
  size_t slices = 0;
  std::vector<graph::ActorId> concats;
  for (size_t i = 0; i < graph.buffers.size(); ++i) {
    const analysis::StorageLink link = result.storage_link(i);
    if (link.sharing == analysis::StorageSharing::kOwn) continue;
    const graph::Buffer& buffer = graph.buffers[i];
    const std::string& storage = graph.buffers[static_cast<size_t>(link.storage)].name;
    const std::string& over = graph.buffers[static_cast<size_t>(link.over)].name;
    // The reason on one line, the storage it shares on the next (80 columns for short names).
    const size_t storage_buffer = result.storage_buffer(i);
    const std::string storage_line =
        fmt::format("    storage {}: {} row(s) of {} B\n", storage, evaluation.usage.capacity_rows[storage_buffer],
                    graph.buffers[storage_buffer].row_bytes());
    if (link.sharing == analysis::StorageSharing::kView) {
      ++views;
      const graph::EliminatedView& view = graph.views[static_cast<size_t>(link.view)];
      lines.push_back(fmt::format("  {} is a view of '{}' ({} '{}'): same bytes in the row layout, no copy, no firing\n",
                                  buffer.name, over, view.op_type, view.node) +
                      storage_line);
    } else if (link.sharing == analysis::StorageSharing::kSlice) {
      ++slices;
      if (std::find(concats.begin(), concats.end(), link.concat) == concats.end()) concats.push_back(link.concat);
      const graph::Actor& concat = graph.actors[static_cast<size_t>(link.concat)];
      const std::string range = slice_range_text(link);
      lines.push_back(fmt::format("  {} is a slice of '{}' ({} of Concat '{}'): its producer writes straight into {}'s "
                                  "rows\n",
                                  buffer.name, over, range, concat.name, over) +
                      storage_line);
    } else {
      ++in_place;
      const graph::Actor& writer = graph.actors[static_cast<size_t>(link.writer)];
      lines.push_back(fmt::format("  {} is written in place over '{}' by '{}' ({}): no other reader needs a row it "
                                  "overwrites\n",
                                  buffer.name, over, writer.name, writer.op_type) +
                      storage_line);
    }
  }
  if (lines.empty()) return;
  out += fmt::format(
      "\nshared storage ({} view(s), {} in place, {} slice(s) of {} zero-copy Concat(s), MODEL 4.1; --no-inplace gives "
      "each its own FIFO)\n",
      views, in_place, slices, concats.size());
  // A zero-copy Concat stays in the schedule as a step of no time: it copies nothing.
  for (graph::ActorId concat : concats) {
    out += fmt::format("  Concat '{}' is zero-copy: its steps take no time and copy nothing\n",
                       graph.actors[static_cast<size_t>(concat)].name);
  }
  for (const std::string& line : lines) out += line;
}

}  // namespace

std::string slice_range_text(const analysis::StorageLink& link) {
  if (link.axis == 1) return fmt::format("channels {}-{}", link.begin, link.end - 1);
  return fmt::format("axis {} {}-{}", link.axis, link.begin, link.end - 1);
}

std::string summary_text(const ModelReport& report, const TextOptions& options) {
  const analysis::AnalysisResult& result = *report.analysis;
  const analysis::Evaluation& evaluation = result.evaluation;
  const std::string verdict =
      result.verification.ok ? paint(options, "32", "verified") : paint(options, "31", "NOT VERIFIED");
  if (options.quiet) {
    const size_t unknown = graph::unknown_size_buffers(*report.graph, report.stream_io()).size();
    return fmt::format(
        "{}: arena {} (whole tensors shared {}), slowdown {:.3f} <= {:.3f}, {}{}\n", report.model_path,
        format_bytes(evaluation.shared_bytes()), format_bytes(report.baselines().baseline_shared_bytes),
        evaluation.slowdown, result.options.max_slowdown, verdict,
        unknown == 0 ? std::string() : fmt::format(" (excluding {} tensor(s) of unknown size)", unknown));
  }
  const graph::Graph& graph = *report.graph;
  std::string out = fmt::format("{} ({}): {} actors, {} buffers\n", report.model_path, graph.name, graph.actors.size(),
                                graph.buffers.size());
  out += platform_line(report) + "\n\n";
  append_lineup(out, report, options);
  append_unknown_sizes(out, report, options);
  if (result.pipelined) {
    out += pipelined_line(result, verdict);
  } else {
    out += fmt::format("\n  time per inference {} (layer by layer {}), slowdown {:.3f} (max {:.3f}), {} firings, {}\n",
                       format_seconds(evaluation.time_s), format_seconds(evaluation.baseline_time_s),
                       evaluation.slowdown, result.options.max_slowdown, evaluation.schedule.firings.size(), verdict);
  }
  append_top_buffers(out, report, options);
  if (options.verbose) append_shared_storage(out, report);
  if (options.verbose) append_schedule(out, report);
  append_notes(out, graph, options);
  for (const std::string& error : result.verification.errors) out += paint(options, "31", "verifier: ") + error + "\n";
  return out;
}

}  // namespace bufopt::report
