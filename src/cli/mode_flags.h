#pragma once
/// --mode and --profile: how the actors share the machine (MODEL 5) and where their times come
/// from (the work model, or measured times: analysis/measured_times.h).
#include <string>

#include <CLI/CLI.hpp>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/graph/graph.h"

namespace bufopt::cli {

/// The two flags as given.
struct ModeFlags {
  std::string mode = "sequential";
  std::string profile;  ///< empty: the work model
};

/// Registers --mode sequential|pipelined and --profile FILE on `app`.
void add_mode_flags(CLI::App& app, ModeFlags& flags);

/// Sets options.mode and, with --profile, options.actor_seconds from the file (an ONNX Runtime
/// profile or a per-actor times JSON), logging measured names that match no actor and how many
/// actors keep the work model. Throws CliError (usage) for an unreadable or malformed file, a
/// file that names no actor of the model, or --profile in sequential mode (its time model is
/// the work model only).
void apply_mode_flags(const ModeFlags& flags, const graph::Graph& graph, analysis::AnalysisOptions& options);

}  // namespace bufopt::cli
