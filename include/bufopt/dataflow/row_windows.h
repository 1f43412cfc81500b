#pragma once
/// Per-output-row input windows of one actor input (MODEL 3), computed from a graph::RowMap.
#include <cstdint>
#include <vector>

#include "bufopt/graph/row_map.h"

namespace bufopt::dataflow {

/// Rows [begin, end) along a streaming axis; empty when end <= begin.
struct RowRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end > begin ? end - begin : 0; }
  friend bool operator==(const RowRange&, const RowRange&) = default;
};

/// For every output row r in [0, out_rows): the input rows [begin, end) it reads, clamped to
/// [0, in_rows). Windows are monotone (begin and end never decrease with r) for every RowMap
/// (a non-monotone map is made monotone by widening, never by dropping a row it reads).
/// WholeInput gives [0, in_rows) for every row; BroadcastRow gives [0, 1).
std::vector<RowRange> row_windows(const graph::RowMap& map, int64_t in_rows, int64_t out_rows);

}  // namespace bufopt::dataflow
