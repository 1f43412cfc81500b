#pragma once
/// The whole analysis of one model: plan, evaluation, baselines, bound and verification.
#include <cstdint>

#include "bufopt/analysis/baselines.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/verify.h"

namespace bufopt::analysis {

/// Everything the reporter prints about one model.
struct AnalysisResult {
  AnalysisOptions options;
  Evaluation evaluation;
  Baselines baselines;
  int64_t lower_bound_bytes = 0;
  VerifyReport verification;
};

/// Chooses the granularities (the best policy available), evaluates the plan, computes the
/// baselines and the lower bound, and verifies the answer with the independent verifier.
AnalysisResult analyze(const graph::Graph& graph, const AnalysisOptions& options);

}  // namespace bufopt::analysis
