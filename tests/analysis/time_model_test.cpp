#include "bufopt/analysis/time_model.h"

#include <gtest/gtest.h>

#include "analysis/analysis_test_graphs.h"

namespace bufopt::analysis {
namespace {

Platform round_platform() {
  Platform platform;
  platform.macs_per_s = 1e6;
  platform.elems_per_s = 2e6;
  platform.firing_overhead_s = 1e-3;
  return platform;
}

TEST(TimeModel, WorkIsMacsAndElementsOverTheirRates) {
  graph::Actor actor;
  actor.macs = 3'000'000;
  actor.elementwise_ops = 1'000'000;
  EXPECT_DOUBLE_EQ(actor_work_seconds(actor, round_platform()), 3.0 + 0.5);
}

TEST(TimeModel, SequentialTimeAddsOneOverheadPerPhase) {
  const auto block = test::residual(8, 2);  // x, b0, b1 (convs) and add
  const Platform platform = round_platform();
  double work = 0;
  for (const graph::Actor& actor : block.graph.actors) {
    work += static_cast<double>(actor.macs) / 1e6 + static_cast<double>(actor.elementwise_ops) / 2e6;
  }
  EXPECT_DOUBLE_EQ(baseline_time_seconds(block.graph, platform), work + 4 * 1e-3);
  const std::vector<int64_t> phases = {8, 4, 1, 2};
  EXPECT_DOUBLE_EQ(sequential_time_seconds(block.graph, phases, platform), work + 15 * 1e-3);
  const std::vector<int64_t> too_few = {1, 1};
  EXPECT_THROW(sequential_time_seconds(block.graph, too_few, platform), std::invalid_argument);
}

}  // namespace
}  // namespace bufopt::analysis
