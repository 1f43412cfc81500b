#include "bufopt/report/execution_text.h"

#include <fmt/format.h>

#include "bufopt/report/units.h"

namespace bufopt::report {

std::string execution_text(const execute::ExecutionReport& execution) {
  std::string out = fmt::format(
      "Executed {} firings in one {} arena: {} (measured {:.4f} s by parts, {:.4f} s layer by layer, x{:.2f}",
      execution.firings, format_bytes(execution.arena_bytes),
      execution.bit_identical ? "by parts == layer by layer, bit-identical"
                              : fmt::format("by parts and layer by layer DIFFER (max abs diff {:g})", execution.max_abs_diff),
      execution.seconds_by_parts, execution.seconds_layer_by_layer, execution.measured_slowdown());
  if (execution.firings > execution.firings_layer_by_layer) {
    out += fmt::format("; {:.2f} us per extra firing", execution.seconds_per_extra_firing() * 1e6);
  }
  out += ")\n";
  const execute::OutsideArena& outside = execution.outside_arena;
  out += fmt::format("Outside the arena: {} application-held I/O, {} weights (float32), {} reduction accumulators, {} "
                     "peak firing scratch",
                     format_bytes(outside.io_bytes), format_bytes(outside.weight_bytes),
                     format_bytes(outside.accumulator_bytes), format_bytes(outside.scratch_peak_bytes));
  if (outside.stream_staging_bytes > 0) {
    out += fmt::format(", {} --stream-io staging", format_bytes(outside.stream_staging_bytes));
  }
  out += "\n";
  for (const execute::ReportedOutput& output : execution.outputs) {
    if (!output.file.empty()) out += fmt::format("  output '{}' -> {}\n", output.name, output.file);
  }
  return out;
}

}  // namespace bufopt::report
