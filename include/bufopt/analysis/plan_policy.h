#pragma once
/// Choosing every actor's granularity under --max-slowdown.
#include <cstdint>
#include <vector>

#include "bufopt/analysis/evaluate.h"

namespace bufopt::analysis {

/// Every actor whole: one firing each (layer by layer).
std::vector<int64_t> layer_by_layer_granularity(const graph::Graph& graph);

/// Every actor at one output row per firing.
std::vector<int64_t> row_by_row_granularity(const graph::Graph& graph);

/// The first policy (Analyzer I): row by row if its slowdown meets options.max_slowdown,
/// otherwise layer by layer.
std::vector<int64_t> simple_policy_granularity(const graph::Graph& graph, const AnalysisOptions& options);

}  // namespace bufopt::analysis
