#pragma once
/// The proof by execution: by-parts outputs against layer-by-layer outputs, bit for bit, and
/// the figures `bufopt run` reports about it.
#include <cstdint>
#include <string>
#include <vector>

#include "bufopt/execute/plan_executor.h"
#include "bufopt/graph/dtype.h"

namespace bufopt::execute {

/// How two executions' outputs compare.
struct OutputComparison {
  /// True when every output has the same name, shape, dtype and the same bits in every element.
  bool bit_identical = false;
  /// Largest |a - b| over all elements (0 when identical; infinity when one side is NaN and
  /// the other not, or shapes differ).
  double max_abs_diff = 0;
  /// The first difference, for the error line; empty when identical.
  std::string first_difference;
};

/// Compares `by_parts` with `layer_by_layer` output by output, element by element (floats by
/// their bits, so NaN equals NaN of the same payload and -0 differs from +0).
OutputComparison compare_outputs(const ExecutionResult& by_parts, const ExecutionResult& layer_by_layer);

/// One graph output as `bufopt run` reports it.
struct ReportedOutput {
  std::string name;
  std::vector<int64_t> shape;
  graph::DataType dtype = graph::DataType::kUnknown;
  std::string file;  ///< where --outputs wrote it; empty without --outputs
};

/// The `execution` object of the JSON report. Everything but `timing` is deterministic.
struct ExecutionReport {
  int64_t arena_bytes = 0;  ///< the executor's one allocation (== shared_bytes)
  int64_t firings = 0;      ///< by parts
  bool bit_identical = false;
  double max_abs_diff = 0;
  std::vector<ReportedOutput> outputs;
  /// What the by-parts execution held beside the arena.
  OutsideArena outside_arena;
  /// Measured wall times of the firings.
  double seconds_by_parts = 0;
  double seconds_layer_by_layer = 0;
  int64_t firings_layer_by_layer = 0;
  /// seconds_by_parts / seconds_layer_by_layer (1 when the latter is 0).
  double measured_slowdown() const;
  /// (seconds_by_parts - seconds_layer_by_layer) / extra firings: the measured cost of one
  /// more firing of these kernels; 0 without extra firings.
  double seconds_per_extra_firing() const;
};

}  // namespace bufopt::execute
