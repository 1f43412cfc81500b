#pragma once
/// Everything one report prints about one model, and the formats that print it. Every output
/// format reads this same object (Bloaty-style: one result, several views).
#include <cstdint>
#include <string>

#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/baselines.h"
#include "bufopt/analysis/platform.h"
#include "bufopt/graph/graph.h"

namespace bufopt::report {

struct ParetoFront;

}  // namespace bufopt::report

namespace bufopt::execute {
struct ExecutionReport;
}  // namespace bufopt::execute

namespace bufopt::report {

/// Version of the JSON document's layout; bumped when a field changes meaning or is removed.
inline constexpr int kJsonSchemaVersion = 2;

/// The inputs of a report. The options (platform, mode, --stream-io) and the baselines are read
/// from `analysis`; `bufopt inspect` has no analysis and gives its own in the inspect_ fields.
struct ModelReport {
  std::string model_path;
  const graph::Graph* graph = nullptr;
  /// --activation-bytes (0: the model's own types); an import option, not in the analysis.
  int64_t activation_bytes = 0;
  /// The analysis the report prints; null for `bufopt inspect`.
  const analysis::AnalysisResult* analysis = nullptr;
  /// Without an analysis only: --stream-io and the whole-tensor baselines.
  bool inspect_stream_io = false;
  analysis::Baselines inspect_baselines;
  /// The sampled memory / slowdown trade-off (pareto.h) when it was computed (--svg, `pareto`);
  /// null otherwise. The JSON document then carries it as `pareto`.
  const ParetoFront* pareto = nullptr;
  /// `bufopt run`: what the execution computed (the JSON document's `execution`); null otherwise.
  const execute::ExecutionReport* execution = nullptr;

  bool stream_io() const { return analysis != nullptr ? analysis->options.stream_io : inspect_stream_io; }
  const analysis::Baselines& baselines() const { return analysis != nullptr ? analysis->baselines : inspect_baselines; }
  /// The analysis's platform; a default-constructed one without an analysis.
  analysis::Platform platform() const {
    return analysis != nullptr ? analysis->options.platform : analysis::Platform{};
  }
  /// "sequential" or "pipelined"; "sequential" without an analysis.
  std::string mode() const {
    return analysis::mode_name(analysis != nullptr ? analysis->options.mode : analysis::Mode::kSequential);
  }
};

/// Terminal presentation switches.
struct TextOptions {
  bool quiet = false;    ///< one summary line
  bool verbose = false;  ///< add the firing schedule and the arena map
  bool color = false;    ///< ANSI colours (only on a terminal)
  int top_buffers = 10;  ///< buffers listed in the summary
};

/// The JSON document of MODEL 9 (pretty-printed, deterministic, trailing newline).
std::string to_json(const ModelReport& report);

/// One CSV row per buffer with a header line.
std::string to_csv(const ModelReport& report);

/// `bufopt inspect`: tables of actors and buffers and the whole-tensor baselines.
std::string inspect_text(const ModelReport& report, const TextOptions& options);

/// A slice's range in its Concat output (MODEL 4.1), as text and DOT print it: "channels 0-3"
/// (inclusive) for a channel Concat, "axis 3 0-3" on another axis.
std::string slice_range_text(const analysis::StorageLink& link);

/// `bufopt MODEL`: the memory line-up, time and slowdown, top buffers, unsupported operators.
std::string summary_text(const ModelReport& report, const TextOptions& options);

}  // namespace bufopt::report
