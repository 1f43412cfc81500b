#pragma once
/// The machine an execution plan is timed on (MODEL 5).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bufopt::analysis {

/// Throughput figures of one platform. A firing takes work/rate + firing_overhead_s.
struct Platform {
  std::string name = "cpu";
  double macs_per_s = 10e9;        ///< multiply-accumulates per second (Conv, Gemm, MatMul)
  double elems_per_s = 5e9;        ///< output elements per second of every other operator
  double firing_overhead_s = 1e-6; ///< fixed cost of one firing (kernel launch, loop set-up)
  int processors = 1;
};

/// The built-in presets "mcu", "cpu", "gpu" (MODEL 5 table); nullopt for another name.
std::optional<Platform> platform_preset(std::string_view name);

/// Names of the built-in presets, in the order above.
std::vector<std::string> platform_preset_names();

/// Parses a JSON platform file's text: an object with any of the fields "name", "macs_per_s",
/// "elems_per_s", "firing_overhead_s", "processors"; missing fields keep the `cpu` preset's
/// values. An optional "base" field names a preset to start from instead. Throws
/// std::invalid_argument with a one-line reason on malformed JSON, an unknown field or a
/// non-positive rate / negative overhead.
Platform parse_platform_json(std::string_view text);

}  // namespace bufopt::analysis
