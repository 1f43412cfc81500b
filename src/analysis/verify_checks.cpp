// The checks both verifiers share (verify_checks.h).
#include "bufopt/analysis/verify_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace bufopt::analysis {

namespace {

const char* violation_name(Violation kind) {
  switch (kind) {
    case Violation::kClaimShape:
      return "plan";
    case Violation::kNetwork:
      return "network";
    case Violation::kFiringCount:
      return "firing count";
    case Violation::kWindow:
      return "window";
    case Violation::kCapacity:
      return "capacity";
    case Violation::kInPlace:
      return "in place";
    case Violation::kLifetime:
      return "lifetime";
    case Violation::kArena:
      return "arena";
    case Violation::kFigure:
      return "figure";
    case Violation::kDeadlock:
      return "deadlock";
    case Violation::kPeriod:
      return "period";
    case Violation::kCount:
      break;
  }
  return "other";
}

template <typename T>
std::string join_values(const std::vector<T>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + fmt::format("{}", values[i]);
  return out + "]";
}

/// Compares a claimed node with the rebuilt one; one line for the first difference.
std::optional<std::string> node_difference(const dataflow::Node& claimed, const dataflow::Node& rebuilt) {
  if (claimed.kind != rebuilt.kind || claimed.actor != rebuilt.actor) return "kind or actor differs";
  if (claimed.granularity != rebuilt.granularity) {
    return fmt::format("granularity {} instead of {}", claimed.granularity, rebuilt.granularity);
  }
  if (claimed.phases != rebuilt.phases) return fmt::format("{} phases instead of {}", claimed.phases, rebuilt.phases);
  if (claimed.inputs.size() != rebuilt.inputs.size() || claimed.outputs.size() != rebuilt.outputs.size()) {
    return "number of ports differs";
  }
  for (size_t p = 0; p < claimed.inputs.size(); ++p) {
    const dataflow::InputPort& got = claimed.inputs[p];
    const dataflow::InputPort& want = rebuilt.inputs[p];
    if (got.channel != want.channel)
      return fmt::format("input {} reads channel {} instead of {}", p, got.channel, want.channel);
    if (got.window != want.window) {
      return fmt::format("input {} windows {} instead of {}", p, ranges_text(got.window), ranges_text(want.window));
    }
    if (got.release != want.release) {
      return fmt::format("input {} releases {} instead of {}", p, list_text(got.release), list_text(want.release));
    }
  }
  for (size_t p = 0; p < claimed.outputs.size(); ++p) {
    const dataflow::OutputPort& got = claimed.outputs[p];
    const dataflow::OutputPort& want = rebuilt.outputs[p];
    if (got.channel != want.channel) {
      return fmt::format("output {} writes channel {} instead of {}", p, got.channel, want.channel);
    }
    if (got.written != want.written) {
      return fmt::format("output {} writes {} instead of {}", p, list_text(got.written), list_text(want.written));
    }
  }
  return std::nullopt;
}

std::optional<std::string> channel_difference(const dataflow::Channel& claimed, const dataflow::Channel& rebuilt) {
  if (claimed.buffer != rebuilt.buffer) return "models another buffer";
  if (claimed.rows != rebuilt.rows) return fmt::format("{} rows instead of {}", claimed.rows, rebuilt.rows);
  if (claimed.row_bytes != rebuilt.row_bytes) {
    return fmt::format("{} bytes per row instead of {}", claimed.row_bytes, rebuilt.row_bytes);
  }
  if (claimed.producer != rebuilt.producer)
    return fmt::format("producer {} instead of {}", claimed.producer, rebuilt.producer);
  if (claimed.consumers != rebuilt.consumers) {
    return fmt::format("consumers {} instead of {}", list_text(claimed.consumers), list_text(rebuilt.consumers));
  }
  if (claimed.counted != rebuilt.counted) return claimed.counted ? "counted, should not be" : "not counted, should be";
  return std::nullopt;
}

}  // namespace

void ViolationLog::add(Violation kind, std::string line) {
  int64_t& count = counts_[static_cast<size_t>(kind)];
  if (static_cast<size_t>(count) < kLinesPerKind) lines_.push_back(std::move(line));
  ++count;
}

VerifyReport ViolationLog::finish() const {
  VerifyReport report;
  report.errors = lines_;
  for (size_t kind = 0; kind < counts_.size(); ++kind) {
    const int64_t hidden = counts_[kind] - static_cast<int64_t>(kLinesPerKind);
    if (hidden > 0) {
      report.errors.push_back(
          fmt::format("... and {} more {} violations", hidden, violation_name(static_cast<Violation>(kind))));
    }
  }
  report.ok = report.errors.empty();
  return report;
}

std::string range_text(dataflow::RowRange range) { return fmt::format("[{},{})", range.begin, range.end); }

std::string ranges_text(const std::vector<dataflow::RowRange>& ranges) {
  std::string out = "[";
  for (size_t i = 0; i < ranges.size(); ++i) out += (i ? "," : "") + range_text(ranges[i]);
  return out + "]";
}

std::string list_text(const std::vector<int64_t>& values) { return join_values(values); }
std::string list_text(const std::vector<int32_t>& values) { return join_values(values); }

void compare_networks(const dataflow::Network& claimed, const dataflow::Network& rebuilt, ViolationLog& log) {
  if (claimed.nodes.size() != rebuilt.nodes.size() || claimed.channels.size() != rebuilt.channels.size()) {
    log.add(Violation::kNetwork,
            fmt::format("network has {} nodes and {} channels, expected {} and {}", claimed.nodes.size(),
                        claimed.channels.size(), rebuilt.nodes.size(), rebuilt.channels.size()));
    return;
  }
  for (size_t n = 0; n < rebuilt.nodes.size(); ++n) {
    if (auto difference = node_difference(claimed.nodes[n], rebuilt.nodes[n])) {
      log.add(Violation::kNetwork, fmt::format("node {} ({}): {}", n, rebuilt.nodes[n].name, *difference));
    }
  }
  for (size_t c = 0; c < rebuilt.channels.size(); ++c) {
    if (auto difference = channel_difference(claimed.channels[c], rebuilt.channels[c])) {
      log.add(Violation::kNetwork, fmt::format("channel {}: {}", c, *difference));
    }
  }
}

void check_streaming_reductions(const graph::Graph& graph, const dataflow::Network& rebuilt, ViolationLog& log) {
  for (size_t a = 0; a < graph.actors.size() && a < rebuilt.nodes.size(); ++a) {
    const graph::Actor& actor = graph.actors[a];
    if (!actor.streaming_reduction) continue;
    const dataflow::Node& node = rebuilt.nodes[a];
    auto fail = [&](const std::string& what) {
      log.add(Violation::kNetwork, fmt::format("streaming reduction '{}': {}", actor.name, what));
    };
    if (actor.barrier || actor.inputs.size() != 1 || node.inputs.size() != 1) {
      fail("must read exactly one activation and not be a barrier");
      continue;
    }
    const int64_t rows = graph.buffers[static_cast<size_t>(actor.inputs.front())].rows();
    const int64_t g = node.granularity;
    if (g < 1 || g > rows) {
      fail(fmt::format("granularity {} outside [1, {}] input rows", g, rows));
      continue;
    }
    const int64_t phases = (rows + g - 1) / g;
    std::vector<dataflow::RowRange> windows;
    std::vector<int64_t> releases;
    for (int64_t f = 0; f < phases; ++f) {
      const int64_t end = std::min((f + 1) * g, rows);
      windows.push_back({f * g, end});
      releases.push_back(end);
    }
    if (node.phases != phases) fail(fmt::format("{} phases, {} input rows at g={} give {}", node.phases, rows, g, phases));
    if (node.inputs.front().window != windows || node.inputs.front().release != releases) {
      fail(fmt::format("reads {} releasing {}, expected {} releasing {}", ranges_text(node.inputs.front().window),
                       list_text(node.inputs.front().release), ranges_text(windows), list_text(releases)));
    }
    if (node.outputs.size() != actor.outputs.size()) fail("number of outputs differs from the graph's");
    for (size_t o = 0; o < node.outputs.size() && o < actor.outputs.size(); ++o) {
      std::vector<int64_t> written(static_cast<size_t>(phases), 0);
      written.back() = graph.buffers[static_cast<size_t>(actor.outputs[o])].rows();
      if (node.outputs[o].written != written) {
        fail(fmt::format("writes {}, expected {}", list_text(node.outputs[o].written), list_text(written)));
      }
    }
  }
}

}  // namespace bufopt::analysis
