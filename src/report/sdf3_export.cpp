// SDF3 CSDF export of an analysed plan (modelling and its differences in sdf3_export.h).
#include "bufopt/report/sdf3_export.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "bufopt/analysis/pipelined.h"
#include "bufopt/report/text_escape.h"

namespace bufopt::report {

namespace {

/// A port of an exported actor: one rate per phase of its actor.
struct CsdfPort {
  std::string name;
  bool input = true;
  std::vector<int64_t> rates;
};

/// An exported actor.
struct CsdfActor {
  std::string name;
  std::string type;              ///< op_type, or "source" / "sink"
  std::vector<int64_t> time_ns;  ///< execution time per phase
  std::vector<CsdfPort> ports;
};

/// An exported channel between two ports.
struct CsdfChannel {
  std::string name;
  size_t src_actor = 0;
  std::string src_port;
  size_t dst_actor = 0;
  std::string dst_port;
  int64_t initial_tokens = 0;
  int64_t token_bytes = 0;  ///< 0: not recorded
  int64_t buffer_size = 0;  ///< 0: not recorded
};

/// The whole exported graph.
struct CsdfGraph {
  std::vector<CsdfActor> actors;
  std::vector<CsdfChannel> channels;
};

/// What one reader of one buffer needs per phase, in the reference model.
struct ReaderRates {
  std::vector<int64_t> consumed;  ///< new rows per phase (sums to the buffer's rows)
  std::vector<int64_t> kept;      ///< rows held in the overlap self-loop after each phase
  int64_t released_ahead = 0;     ///< most rows released beyond what the reader has read
};

ReaderRates reader_rates(const dataflow::InputPort& port, int64_t rows) {
  ReaderRates out;
  const size_t phases = port.window.size();
  int64_t consumed = 0;
  int64_t read_end = 0;
  for (size_t f = 0; f < phases; ++f) {
    read_end = std::max(read_end, std::min(port.window[f].end, rows));
    const int64_t upto = f + 1 == phases ? rows : std::max(consumed, read_end);
    out.consumed.push_back(upto - consumed);
    consumed = upto;
    out.kept.push_back(std::max<int64_t>(0, consumed - port.release[f]));
    out.released_ahead = std::max(out.released_ahead, port.release[f] - read_end);
  }
  return out;
}

std::vector<int64_t> written_rates(const dataflow::OutputPort& port) {
  std::vector<int64_t> out;
  int64_t before = 0;
  for (int64_t written : port.written) {
    out.push_back(written - before);
    before = written;
  }
  return out;
}

/// Initial tokens of a back-edge: the chosen capacity plus the rows the reader holds beyond it
/// in CSDF (rows released ahead of what it has read), and at least what one consuming phase
/// takes at once while the producer writes in its own steps (a last phase that also takes the
/// unread last rows).
int64_t space_tokens(int64_t capacity, const ReaderRates& rates, const std::vector<int64_t>& produced) {
  const int64_t largest_read = *std::max_element(rates.consumed.begin(), rates.consumed.end());
  const int64_t largest_write = *std::max_element(produced.begin(), produced.end());
  return std::max(capacity + rates.released_ahead, largest_read + largest_write - 1);
}

/// Builds the CsdfGraph of one analysed report.
class Exporter {
 public:
  explicit Exporter(const ModelReport& report)
      : graph_(*report.graph),
        network_(report.analysis->evaluation.network),
        capacity_rows_(report.analysis->evaluation.usage.capacity_rows),
        times_(analysis::firing_times(graph_, network_, report.analysis->options)) {
    for (size_t a = 0; a < graph_.actors.size(); ++a) {
      zero_copy_.push_back(report.analysis->zero_copy_concat(static_cast<graph::ActorId>(a)));
    }
  }

  CsdfGraph run() {
    for (size_t n = 0; n < network_.nodes.size(); ++n) {
      add_actor(network_.nodes[n].name, node_type(network_.nodes[n]), phase_times(n));
    }
    for (size_t c = 0; c < network_.channels.size(); ++c) add_buffer(c);
    // No auto-concurrency: a firing starts after the previous one of the same actor ends.
    for (size_t a = 0; a < out_.actors.size(); ++a) {
      const std::vector<int64_t> ones(out_.actors[a].time_ns.size(), 1);
      connect(a, ones, a, ones, "sequence:" + out_.actors[a].name, 1, 0, 0);
    }
    return std::move(out_);
  }

 private:
  std::string node_type(const dataflow::Node& node) const {
    switch (node.kind) {
      case dataflow::NodeKind::kActor:
        return graph_.actors[static_cast<size_t>(node.actor)].op_type;
      case dataflow::NodeKind::kSource:
        return "source";
      case dataflow::NodeKind::kSink:
        return "sink";
    }
    return "actor";
  }

  /// The analysis's own firing durations (pipelined.h: the work of the rows a phase writes, or
  /// a measured time, plus the firing overhead; sources and sinks 0), in whole ns, at least 1
  /// for an actor.
  std::vector<int64_t> phase_times(size_t n) const {
    const dataflow::Node& node = network_.nodes[n];
    // MODEL 4.1: a zero-copy Concat's steps take no time (1 ns, every actor's floor here).
    const bool zero_copy = node.kind == dataflow::NodeKind::kActor && zero_copy_[static_cast<size_t>(node.actor)];
    if (zero_copy) return std::vector<int64_t>(times_.ticks[n].size(), 1);
    std::vector<int64_t> times;
    for (analysis::Ticks ticks : times_.ticks[n]) {
      const int64_t ns = (ticks + 500) / 1000;
      times.push_back(node.kind == dataflow::NodeKind::kActor ? std::max<int64_t>(1, ns) : ns);
    }
    return times;
  }

  size_t add_actor(const std::string& name, const std::string& type, std::vector<int64_t> time_ns) {
    std::string unique = name;
    for (int k = 2; !used_names_.insert(unique).second; ++k) unique = fmt::format("{}~{}", name, k);
    out_.actors.push_back({unique, type, std::move(time_ns), {}});
    return out_.actors.size() - 1;
  }

  /// A channel `name` from a new output port of `src` to a new input port of `dst`.
  void connect(size_t src, std::vector<int64_t> produced, size_t dst, std::vector<int64_t> consumed,
               const std::string& name, int64_t tokens, int64_t token_bytes, int64_t buffer_size) {
    std::vector<CsdfPort>& src_ports = out_.actors[src].ports;
    const std::string src_port = fmt::format("out{}", src_ports.size());
    src_ports.push_back({src_port, false, std::move(produced)});
    std::vector<CsdfPort>& dst_ports = out_.actors[dst].ports;
    const std::string dst_port = fmt::format("in{}", dst_ports.size());
    dst_ports.push_back({dst_port, true, std::move(consumed)});
    out_.channels.push_back({name, src, src_port, dst, dst_port, tokens, token_bytes, buffer_size});
  }

  void add_buffer(size_t c) {
    const dataflow::Channel& channel = network_.channels[c];
    const graph::Buffer& buffer = graph_.buffers[static_cast<size_t>(channel.buffer)];
    // A view (MODEL 4.1) is its storage's channel: its readers are that channel's readers. A
    // buffer written in place stays a channel of its own (shared_storage_comment).
    if (buffer.storage_of != graph::kNoBuffer) return;
    size_t producer = 0;
    std::vector<int64_t> produced;
    if (channel.producer == dataflow::kNoNode) {
      producer = add_actor("input:" + buffer.name, "source", {0});
      produced = {channel.rows};
    } else {
      producer = static_cast<size_t>(channel.producer);
      produced = written_rates(output_port(channel.producer, static_cast<dataflow::ChannelId>(c)));
    }
    for (size_t k = 0; k < channel.consumers.size(); ++k) {
      const std::string name = channel.consumers.size() > 1 ? fmt::format("{}#{}", buffer.name, k) : buffer.name;
      add_reader(c, name, producer, produced, channel.consumers[k]);
    }
    // Rows the application takes, or nobody reads, drain into a sink so that rates balance.
    if (channel.producer == dataflow::kNoNode) return;
    if (!channel.counted && buffer.io == graph::IoRole::kOutput) {
      const std::string name = channel.consumers.empty() ? buffer.name : buffer.name + "#app";
      connect(producer, produced, add_actor("output:" + buffer.name, "sink", {0}), {channel.rows}, name, 0,
              channel.row_bytes, 0);
    } else if (channel.consumers.empty()) {
      connect(producer, produced, add_actor("unread:" + buffer.name, "sink", {0}), {channel.rows}, buffer.name, 0,
              channel.row_bytes, 0);
    }
  }

  /// The data channel `name` of one reader of channel c, its overlap self-loop (when it keeps
  /// rows between firings) and, for a counted buffer, its back-edge holding the capacity.
  void add_reader(size_t c, const std::string& name, size_t producer, const std::vector<int64_t>& produced,
                  dataflow::NodeId reader) {
    const dataflow::Channel& channel = network_.channels[c];
    const int64_t capacity = channel.counted ? capacity_rows_[c] : 0;
    const auto consumer = static_cast<size_t>(reader);
    const ReaderRates rates = reader_rates(input_port(reader, static_cast<dataflow::ChannelId>(c)), channel.rows);
    connect(producer, produced, consumer, rates.consumed, name, 0, channel.row_bytes, capacity);
    if (std::any_of(rates.kept.begin(), rates.kept.end(), [](int64_t kept) { return kept > 0; })) {
      // Phase f keeps kept[f] rows, phase f + 1 takes them back.
      std::vector<int64_t> taken_back(rates.kept.size(), 0);
      std::copy(rates.kept.begin(), rates.kept.end() - 1, taken_back.begin() + 1);
      connect(consumer, rates.kept, consumer, taken_back, "overlap:" + name, 0, channel.row_bytes, 0);
    }
    if (channel.counted) {
      connect(consumer, rates.consumed, producer, produced, "space:" + name, space_tokens(capacity, rates, produced), 0,
              0);
    }
  }

  const dataflow::OutputPort& output_port(dataflow::NodeId node, dataflow::ChannelId channel) const {
    for (const dataflow::OutputPort& port : network_.nodes[static_cast<size_t>(node)].outputs) {
      if (port.channel == channel) return port;
    }
    throw std::logic_error(fmt::format("sdf3 export: node {} does not write channel {}", node, channel));
  }

  const dataflow::InputPort& input_port(dataflow::NodeId node, dataflow::ChannelId channel) const {
    for (const dataflow::InputPort& port : network_.nodes[static_cast<size_t>(node)].inputs) {
      if (port.channel == channel) return port;
    }
    throw std::logic_error(fmt::format("sdf3 export: node {} does not read channel {}", node, channel));
  }

  const graph::Graph& graph_;
  const dataflow::Network& network_;
  const std::vector<int64_t>& capacity_rows_;
  analysis::FiringTimes times_;
  CsdfGraph out_;
  std::set<std::string> used_names_;
  std::vector<bool> zero_copy_;  ///< per actor: a zero-copy Concat (MODEL 4.1)
};

std::string attr(const std::string& text) {
  return xml_escape(text);
}

/// Valid comment text: UTF-8, and no "--".
std::string comment_safe(std::string_view raw) {
  std::string text = valid_utf8(raw);
  for (size_t at = text.find("--"); at != std::string::npos; at = text.find("--")) text.replace(at, 2, "- -");
  return text;
}

/// MODEL 4.1 in-place buffers, which CSDF cannot express (a channel is one producer's FIFO):
/// each is exported as a plain channel with its storage's capacity, which over-approximates the
/// memory (the storage is counted once per channel). Empty when no buffer is written in place.
std::string shared_storage_comment(const ModelReport& report) {
  const analysis::AnalysisResult& result = *report.analysis;
  const graph::Graph& graph = *report.graph;
  std::string lines;
  for (size_t b = 0; b < graph.buffers.size(); ++b) {
    const analysis::StorageLink link = result.storage_link(b);
    if (link.sharing == analysis::StorageSharing::kSlice) {
      lines += fmt::format("\n     {} a slice of {} ({} of zero-copy Concat {}; storage {}, capacity {} rows)",
                           comment_safe(graph.buffers[b].name),
                           comment_safe(graph.buffers[static_cast<size_t>(link.over)].name), slice_range_text(link),
                           comment_safe(graph.actors[static_cast<size_t>(link.concat)].name),
                           comment_safe(graph.buffers[static_cast<size_t>(link.storage)].name),
                           result.evaluation.usage.capacity_rows[result.storage_buffer(b)]);
      continue;
    }
    if (link.sharing != analysis::StorageSharing::kInPlace) continue;
    lines += fmt::format("\n     {} written in place over {} (storage {}, capacity {} rows)",
                         comment_safe(graph.buffers[b].name),
                         comment_safe(graph.buffers[static_cast<size_t>(link.over)].name),
                         comment_safe(graph.buffers[static_cast<size_t>(link.storage)].name),
                         result.evaluation.usage.capacity_rows[result.storage_buffer(b)]);
  }
  if (lines.empty()) return lines;
  return "<!-- Shared storage (MODEL 4.1) that CSDF cannot express: each buffer below is a plain channel with its\n"
         "     storage's capacity, which counts the storage once per channel (an over-approximation of memory); a\n"
         "     zero-copy Concat (one buffer, several writers) is an actor reading its slices, 1 ns per phase." +
         lines + " -->\n";
}

std::string to_xml(const CsdfGraph& csdf, const ModelReport& report) {
  const std::string name = attr(report.graph->name.empty() ? "bufopt" : report.graph->name);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<!-- bufopt plan of {} at max slowdown {}, platform {}: one token = one row of a tensor, times in ns.\n"
      "     Channels named after buffers; space:* back-edges hold the chosen capacities, overlap:* self-loops the\n"
      "     rows a reader keeps between firings, sequence:* self-loops forbid auto-concurrency. -->\n",
      comment_safe(report.model_path), report.analysis->options.max_slowdown, comment_safe(report.platform().name));
  out += shared_storage_comment(report);
  out +=
      "<sdf3 type=\"csdf\" version=\"1.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:noNamespaceSchemaLocation=\"http://www.es.ele.tue.nl/sdf3/xsd/sdf3-csdf.xsd\">\n";
  out += fmt::format("  <applicationGraph name=\"{}\">\n    <csdf name=\"{}\" type=\"bufopt\">\n", name, name);
  for (const CsdfActor& actor : csdf.actors) {
    out += fmt::format("      <actor name=\"{}\" type=\"{}\">\n", attr(actor.name), attr(actor.type));
    for (const CsdfPort& port : actor.ports) {
      out += fmt::format("        <port type=\"{}\" name=\"{}\" rate=\"{}\"/>\n", port.input ? "in" : "out", port.name,
                         fmt::join(port.rates, ","));
    }
    out += "      </actor>\n";
  }
  for (const CsdfChannel& channel : csdf.channels) {
    out += fmt::format(
        "      <channel name=\"{}\" srcActor=\"{}\" srcPort=\"{}\" dstActor=\"{}\" dstPort=\"{}\" "
        "initialTokens=\"{}\"/>\n",
        attr(channel.name), attr(csdf.actors[channel.src_actor].name), channel.src_port,
        attr(csdf.actors[channel.dst_actor].name), channel.dst_port, channel.initial_tokens);
  }
  out += "    </csdf>\n    <csdfProperties>\n";
  for (const CsdfActor& actor : csdf.actors) {
    out += fmt::format(
        "      <actorProperties actor=\"{}\">\n        <processor type=\"{}\" default=\"true\">\n"
        "          <executionTime time=\"{}\"/>\n        </processor>\n      </actorProperties>\n",
        attr(actor.name), attr(report.platform().name), fmt::join(actor.time_ns, ","));
  }
  for (const CsdfChannel& channel : csdf.channels) {
    if (channel.token_bytes <= 0 && channel.buffer_size <= 0) continue;
    out += fmt::format("      <channelProperties channel=\"{}\">\n", attr(channel.name));
    if (channel.buffer_size > 0) out += fmt::format("        <bufferSize sz=\"{}\"/>\n", channel.buffer_size);
    if (channel.token_bytes > 0) out += fmt::format("        <tokenSize sz=\"{}\"/>\n", channel.token_bytes);
    out += "      </channelProperties>\n";
  }
  out += "    </csdfProperties>\n  </applicationGraph>\n</sdf3>\n";
  return out;
}

}  // namespace

std::string to_sdf3(const ModelReport& report) {
  if (!report.analysis) throw std::invalid_argument("to_sdf3: the report has no analysis");
  return to_xml(Exporter(report).run(), report);
}

}  // namespace bufopt::report
