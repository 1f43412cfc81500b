#include "bufopt/dataflow/phases.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "bufopt/graph/checked_math.h"

namespace bufopt::dataflow {

int64_t phase_count(int64_t out_rows, int64_t granularity) {
  if (out_rows < 1) throw std::invalid_argument("phase_count: an actor writes at least one row");
  if (granularity < 1) throw std::invalid_argument("phase_count: granularity must be at least 1");
  // Written without out_rows + granularity - 1, which could overflow.
  return out_rows / granularity + (out_rows % granularity != 0 ? 1 : 0);
}

namespace {

/// One past the last output row of firing f: min((f+1) * granularity, out_rows).
int64_t firing_end(int64_t firing, int64_t granularity, int64_t out_rows) {
  const auto end = graph::checked_mul(firing + 1, granularity);
  return end ? std::min(*end, out_rows) : out_rows;
}

}  // namespace

InputPort input_port(ChannelId channel, std::span<const RowRange> row_windows, int64_t in_rows, int64_t granularity) {
  if (in_rows < 0) throw std::invalid_argument("input_port: negative input rows");
  const auto out_rows = static_cast<int64_t>(row_windows.size());
  const int64_t phases = phase_count(out_rows, granularity);
  InputPort port;
  port.channel = channel;
  port.window.reserve(static_cast<size_t>(phases));
  for (int64_t f = 0; f < phases; ++f) {
    const int64_t first = f * granularity;  // < out_rows, so no overflow
    const int64_t last = firing_end(f, granularity, out_rows) - 1;
    const RowRange& head = row_windows[static_cast<size_t>(first)];
    const RowRange& tail = row_windows[static_cast<size_t>(last)];
    // Monotone windows: the union of the firing's row windows lies in [head.begin, tail.end).
    const int64_t begin = std::clamp<int64_t>(head.begin, 0, in_rows);
    const int64_t end = std::clamp<int64_t>(tail.end, begin, in_rows);
    port.window.push_back({begin, end});
  }
  // release[f] = min over later firings of their window begin; the last firing releases all.
  port.release.assign(static_cast<size_t>(phases), in_rows);
  int64_t later_begin = in_rows;
  for (int64_t f = phases - 1; f >= 0; --f) {
    port.release[static_cast<size_t>(f)] = later_begin;
    later_begin = std::min(later_begin, port.window[static_cast<size_t>(f)].begin);
  }
  return port;
}

OutputPort output_port(ChannelId channel, int64_t rows, int64_t granularity, int64_t phases) {
  if (rows < 1 || granularity < 1 || phases < 1) {
    throw std::invalid_argument("output_port: rows, granularity and phases must be at least 1");
  }
  OutputPort port;
  port.channel = channel;
  port.written.reserve(static_cast<size_t>(phases));
  for (int64_t f = 0; f < phases; ++f) port.written.push_back(firing_end(f, granularity, rows));
  port.written.back() = rows;
  return port;
}

OutputPort reduction_output_port(ChannelId channel, int64_t rows, int64_t phases) {
  if (rows < 1 || phases < 1) throw std::invalid_argument("reduction_output_port: rows and phases must be at least 1");
  OutputPort port;
  port.channel = channel;
  port.written.assign(static_cast<size_t>(phases), 0);
  port.written.back() = rows;
  return port;
}

}  // namespace bufopt::dataflow
