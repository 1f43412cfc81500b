#pragma once
/// Per-firing rows of one actor (MODEL 3): how per-row input windows group into firings of
/// `granularity` phase rows, what each firing releases, and what it writes. Phase rows are
/// output rows, except for a streaming reduction, whose phase rows are its input rows (phase
/// row i reads input row i) and which writes its one output row at its last firing.
///
/// Steps, for an actor with H phase rows and granularity g:
///  1. P = ceil(H / g) firings; firing f produces output rows [f*g, min((f+1)*g, H)) (a
///     streaming reduction: consumes input rows [f*g, min((f+1)*g, H)), writes at f = P-1).
///  2. Its window on an input is [begin of its first row's window, end of its last row's window):
///     row windows are monotone (row_windows guarantees it), so this is the union of the windows
///     of its rows, and empty only when every one of them is empty.
///  3. After firing f the input is released below the smallest window begin of every later firing
///     (monotone windows make that lo(f+1)); after the last firing below in_rows: every row is
///     released, read or not.
/// Guarantees: release is non-decreasing, within [0, in_rows], and ends at in_rows; written rows
/// are non-decreasing and end at the channel's rows; every firing writes at least one row except
/// the firings of a streaming reduction before its last, which write none.
#include <cstdint>
#include <span>

#include "bufopt/dataflow/network.h"
#include "bufopt/dataflow/row_windows.h"

namespace bufopt::dataflow {

/// Firings needed to produce `out_rows` rows `granularity` at a time: ceil(out_rows / granularity).
/// Throws std::invalid_argument when out_rows < 1 or granularity < 1.
int64_t phase_count(int64_t out_rows, int64_t granularity);

/// The input port of a reader of `channel` whose output row r reads `row_windows[r]` (one entry
/// per output row, monotone, within [0, in_rows)), firing `granularity` output rows at a time.
/// Throws std::invalid_argument for an empty `row_windows`, granularity < 1 or in_rows < 0.
InputPort input_port(ChannelId channel, std::span<const RowRange> row_windows, int64_t in_rows, int64_t granularity);

/// The output port of a writer of `channel` (`rows` rows) firing `phases` times with
/// `granularity` rows each: written[f] = min((f+1) * granularity, rows), and the last firing
/// writes whatever is left (a barrier whose outputs differ in height writes each whole).
/// Throws std::invalid_argument when rows, granularity or phases < 1.
OutputPort output_port(ChannelId channel, int64_t rows, int64_t granularity, int64_t phases);

/// The output port of a streaming reduction firing `phases` times: written[f] = 0 before the
/// last firing, which writes all `rows` (1 for an importer-made reduction).
/// Throws std::invalid_argument when rows or phases < 1.
OutputPort reduction_output_port(ChannelId channel, int64_t rows, int64_t phases);

}  // namespace bufopt::dataflow
