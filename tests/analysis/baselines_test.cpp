#include "bufopt/analysis/baselines.h"

#include <gtest/gtest.h>

#include "support/graph_builder.h"

namespace bufopt::analysis {
namespace {

// in [1,2,8,1] -> t1 (3 ch) -> t2 (4 ch) -> t3 (5 ch) -> out (2 ch); float32, 8 rows, width 1:
// a tensor of c channels is 32*c bytes. Steps 0..3 run the four actors.
graph::Graph chain() {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 2, 8);
  const auto t1 = builder.conv("a", in, 3, 1);
  const auto t2 = builder.conv("b", t1, 4, 3, 1, 1);
  const auto t3 = builder.conv("c", t2, 5, 1);
  builder.output(builder.conv("d", t3, 2, 1));
  return builder.build();
}

TEST(WholeTensorBaselines, ChainWithoutStreamedIo) {
  const Baselines baselines = whole_tensor_baselines(chain(), false);
  // t1 = 96, t2 = 128, t3 = 160 bytes, alive [0,1], [1,2], [2,3].
  EXPECT_EQ(baselines.baseline_bytes, 96 + 128 + 160);
  // Greedy: t3 at 0, t2 above it at 160, t1 (dead before t3 is born) back at 0.
  EXPECT_EQ(baselines.baseline_shared_bytes, 160 + 128);
  EXPECT_EQ(baselines.live_peak_bytes, 128 + 160);
}

TEST(WholeTensorBaselines, ChainWithStreamedIo) {
  const Baselines baselines = whole_tensor_baselines(chain(), true);
  // Plus the image (64 B, alive [0,0]) and the output (64 B, alive [3,3]).
  EXPECT_EQ(baselines.baseline_bytes, 64 + 96 + 128 + 160 + 64);
  EXPECT_EQ(baselines.baseline_shared_bytes, 288);
  // Step 0: 64 + 96; step 1: 96 + 128; step 2: 128 + 160; step 3: 160 + 64.
  EXPECT_EQ(baselines.live_peak_bytes, 288);
}

// x = a(in) [0,3]; b1 [1,2]; b2 [2,3]; y = Add(x, b2) [3,4]; out = e(y). 4 channels: 128 B each.
TEST(WholeTensorBaselines, ResidualKeepsTheSkipAliveAcrossTheBranch) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 2, 8);
  const auto x = builder.conv("a", in, 4, 1);
  const auto b1 = builder.conv("b1", x, 4, 3, 1, 1);
  const auto b2 = builder.conv("b2", b1, 4, 3, 1, 1);
  const auto y = builder.elementwise("add", {x, b2});
  builder.output(builder.conv("e", y, 4, 1));
  const Baselines baselines = whole_tensor_baselines(builder.build(), false);
  EXPECT_EQ(baselines.baseline_bytes, 4 * 128);
  // x, b1, b2 alive at step 2; y takes b1's place (b1 died at step 2).
  EXPECT_EQ(baselines.baseline_shared_bytes, 3 * 128);
  EXPECT_EQ(baselines.live_peak_bytes, 3 * 128);
}

TEST(WholeTensorBaselines, NoInPlaceReuse) {
  // A single actor reading a streamed input and writing a streamed output: both alive at once.
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 1, 4);
  builder.output(builder.relu("r", in));
  const Baselines baselines = whole_tensor_baselines(builder.build(), true);
  EXPECT_EQ(baselines.baseline_shared_bytes, 32);
  EXPECT_EQ(whole_tensor_baselines(builder.build(), false).baseline_bytes, 0);
}

}  // namespace
}  // namespace bufopt::analysis
