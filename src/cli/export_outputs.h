#pragma once
/// The files an analysis can write besides its report: the figure (--svg), the annotated model
/// (-o), and the interop exports (--export-sdf3, --export-dot). All are written atomically
/// (temporary file + rename) and never over the input model.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/report/model_report.h"
#include "bufopt/report/pareto.h"
#include "cli_common.h"

namespace bufopt::cli {

/// Paths of the extra outputs; empty: not written.
struct ExportFlags {
  std::string onnx_path;  ///< -o / --output: annotated copy of the model
  std::string svg_path;   ///< --svg: Pareto front and per-buffer bars
  std::string sdf3_path;  ///< --export-sdf3
  std::string dot_path;   ///< --export-dot
};

/// Registers -o/--output, --svg, --export-sdf3 and --export-dot on `app`.
void add_export_flags(CLI::App& app, ExportFlags& flags);

/// Checks the paths before any work: none is "-", and -o is not the input model (same path or
/// the same file through another name). Throws CliError (usage).
void check_export_flags(const ExportFlags& flags, const ModelFlags& model_flags);

/// The sampled trade-off when the figure needs it (--svg, sequential mode), including the
/// chosen R; nullopt otherwise.
std::optional<report::ParetoFront> pareto_for_exports(const ExportFlags& flags, const graph::Graph& graph,
                                                      const analysis::AnalysisOptions& options);

/// Writes every requested output of the analysed `model_report` (front: pareto_for_exports).
/// Throws CliError (bad model when the model cannot be re-read for -o, internal on a write
/// failure).
void write_exports(const ExportFlags& flags, const ModelFlags& model_flags, const report::ModelReport& model_report,
                   const std::optional<report::ParetoFront>& front);

}  // namespace bufopt::cli
