// The whole analysis on every real model with every preset (Analyzer I and II must-shows):
// verified, within R, bounded below, never above the runtime baseline, monotone in R.
#include <gtest/gtest.h>

#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/optimizer.h"
#include "support/real_models.h"

namespace bufopt::analysis {
namespace {

using testing::RealModel;

class RealModelAnalysis : public ::testing::TestWithParam<RealModel> {
 protected:
  void SetUp() override {
    const RealModel& model = GetParam();
    graph_ = testing::load_real_model(model);
    if (!graph_ && model.external && !testing::models_required()) {
      GTEST_SKIP() << model.path << " not fetched (run scripts/fetch_models.sh)";
    }
    ASSERT_TRUE(graph_.has_value()) << model.path << " missing";
  }
  std::optional<graph::Graph> graph_;
};

TEST_P(RealModelAnalysis, EveryPresetVerifiedWithinRAndBelowTheRuntimeBaseline) {
  const std::optional<graph::Graph>& graph = graph_;
  for (const std::string& preset : platform_preset_names()) {
    for (bool stream_io : {false, true}) {
      AnalysisOptions options;
      options.platform = *platform_preset(preset);
      options.stream_io = stream_io;
      const AnalysisResult result = analyze(*graph, options);
      SCOPED_TRACE(preset + (stream_io ? " stream-io" : ""));
      EXPECT_TRUE(result.verification.ok) << (result.verification.errors.empty() ? "" : result.verification.errors[0]);
      EXPECT_LE(result.evaluation.slowdown, options.max_slowdown + 1e-9);
      EXPECT_LE(result.lower_bound_bytes, result.evaluation.shared_bytes());
      EXPECT_LE(result.evaluation.shared_bytes(), result.baselines.baseline_shared_bytes);
    }
  }
}

TEST_P(RealModelAnalysis, ROneIsLayerByLayerAndLargerRNeverCostsMemory) {
  const std::optional<graph::Graph>& graph = graph_;
  AnalysisOptions options;
  options.platform = *platform_preset("mcu");
  options.max_slowdown = 1.0;
  // The plain FIFO model at R = 1 is layer by layer (MODEL 5); views (4.1) only take bytes away.
  options.inplace = false;
  const AnalysisResult fifo_at_one = analyze(*graph, options);
  EXPECT_EQ(fifo_at_one.evaluation.fifo_bytes, fifo_at_one.baselines.baseline_bytes);
  options.inplace = true;
  const AnalysisResult at_one = analyze(*graph, options);
  EXPECT_LE(at_one.evaluation.fifo_bytes, at_one.baselines.baseline_bytes);
  int64_t previous = at_one.evaluation.shared_bytes();
  const graph::Graph analysed = storage_graph(*graph, options);
  for (double r : {1.01, 1.05, 1.2, 2.0}) {
    options.max_slowdown = r;
    const int64_t arena = optimize(analysed, options).shared_bytes();
    EXPECT_LE(arena, previous) << "R=" << r;
    previous = arena;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, RealModelAnalysis, ::testing::ValuesIn(testing::real_models()),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace bufopt::analysis
