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
inline constexpr int kJsonSchemaVersion = 1;

/// The inputs of a report. `analysis` is null for `bufopt inspect`.
struct ModelReport {
  std::string model_path;
  const graph::Graph* graph = nullptr;
  std::string mode = "sequential";
  analysis::Platform platform;
  bool stream_io = false;
  /// --activation-bytes (0: the model's own types).
  int64_t activation_bytes = 0;
  analysis::Baselines baselines;
  const analysis::AnalysisResult* analysis = nullptr;
  /// The sampled memory / slowdown trade-off (pareto.h) when it was computed (--svg, `pareto`);
  /// null otherwise. The JSON document then carries it as `pareto`.
  const ParetoFront* pareto = nullptr;
  /// `bufopt run`: what the execution computed (the JSON document's `execution`); null otherwise.
  const execute::ExecutionReport* execution = nullptr;
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

/// `bufopt MODEL`: the memory line-up, time and slowdown, top buffers, unsupported operators.
std::string summary_text(const ModelReport& report, const TextOptions& options);

}  // namespace bufopt::report
