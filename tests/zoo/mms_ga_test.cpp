// bufopt against the reference method's own implementation (ANCHORS.md): at the same modelled
// time loss, on the same six architectures, bufopt's fp32 arena must be smaller on every one.
// The goal is also 2x in geometric mean; this test records the mean it reaches
// (BENCHMARKS.md discusses it).
#include "zoo/mms_ga.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <string>

#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/arena.h"
#include "bufopt/analysis/time_model.h"
#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"
#include "zoo/zoo.h"

namespace bufopt::testing {
namespace {

/// bufopt's arena at mms_ga's time loss for `point`, with or without MODEL 4.1's rules.
int64_t arena_at_their_loss(const zoo::MmsGaPoint& point, const graph::Graph& graph, bool inplace) {
  analysis::AnalysisOptions options;
  options.platform.firing_overhead_s = zoo::kMmsGaPhaseDelaySeconds;
  options.inplace = inplace;
  const double loss_s = point.loss_ms * 1e-3;
  options.max_slowdown = 1 + loss_s / analysis::baseline_time_seconds(graph, options.platform);
  const analysis::AnalysisResult result = analysis::analyze(graph, options);
  EXPECT_TRUE(result.verification.ok) << point.model;
  // The same time loss: at most loss / delay extra firings.
  int64_t extra = 0;
  for (int64_t phases : result.evaluation.phases()) extra += phases - 1;
  EXPECT_LE(static_cast<double>(extra) * zoo::kMmsGaPhaseDelaySeconds, loss_s * (1 + 1e-9)) << point.model;
  return result.evaluation.shared_bytes();
}

// Both storage models (MODEL 4 FIFOs, --no-inplace; and 4.1's rules, the default): smaller than
// mms_ga on every model; with the rules never above without them, and the geometric mean of
// mms_ga / bufopt at least 2 (issue 15).
TEST(MmsGa, SmallerArenaOnEveryModelAtTheSameTimeLoss) {
  TempDir dir;
  double log_ratio_sum[2] = {0, 0};
  for (const zoo::MmsGaPoint& point : zoo::mms_ga_points()) {
    const auto model = zoo::write_model(dir.path(), zoo::parse_request(point.model));
    const graph::Graph graph = onnx::import_model(model.model_path.string(), {});
    const int64_t fifo = arena_at_their_loss(point, graph, false);
    const int64_t rules = arena_at_their_loss(point, graph, true);
    EXPECT_LE(rules, fifo) << point.model;
    for (int inplace = 0; inplace < 2; ++inplace) {
      const double ours_mb = static_cast<double>(inplace ? rules : fifo) / 1e6;
      EXPECT_LT(ours_mb, point.megabytes) << point.their_name;
      log_ratio_sum[inplace] += std::log(point.megabytes / ours_mb);
    }
    std::cout << point.their_name << ": mms_ga " << point.megabytes << " MB, bufopt --no-inplace "
              << static_cast<double>(fifo) / 1e6 << " MB (" << point.megabytes * 1e6 / static_cast<double>(fifo)
              << "x), with the rules " << static_cast<double>(rules) / 1e6 << " MB ("
              << point.megabytes * 1e6 / static_cast<double>(rules) << "x)\n";
  }
  const double models = static_cast<double>(zoo::mms_ga_points().size());
  const double fifo_mean = std::exp(log_ratio_sum[0] / models);
  const double rules_mean = std::exp(log_ratio_sum[1] / models);
  std::cout << "geometric mean of mms_ga / bufopt: --no-inplace " << fifo_mean << ", with the rules " << rules_mean
            << "\n";
  RecordProperty("geometric_mean_x1000", static_cast<int>(std::lround(rules_mean * 1000)));
  RecordProperty("geometric_mean_no_inplace_x1000", static_cast<int>(std::lround(fifo_mean * 1000)));
  EXPECT_GE(rules_mean, 2.0);
}

// Issue 13 reports 802,816 B (56 rows of 14,336 B) for ResNet-18 at mms_ga's loss, from the plan
// "segments streamed one row per firing, cut by a minimax DP". The optimizer's answer is 57 rows,
// derived here by hand and checked buffer by buffer. From the max-pool on, every row of every
// tensor is 14,336 B (56x64, 28x128, 14x256, 7x512 fp32); the stem conv's 112x64 rows are two.
// The answer streams conv1 .. add5 and runs the rest layer by layer. At the first firing of add5
// every FIFO of the streamed segment is live (its first output row needs only the first rows of
// every stage above it, so no producer is done yet) and each holds the fewest rows its readers'
// windows allow: 3 for a buffer read by a 3x3 convolution or the 3x3 max-pool (k rows read, the
// oldest released only after the read, the next written after), 1 for one read only by 1x1
// convolutions and Adds; add5's output, crossing the cut, is whole from its first row. So no plan
// with this cut is below 57 rows, and the answer reaches it. The other cuts (BENCHMARKS.md):
// through add6 needs 776 extra firings (> 741); after add4, 64 rows; after add3 (its output whole,
// 28 rows) 57 again: there the stride-2 1x1 downsample runs a row ahead of the 3x3 path, so its
// output holds 2 rows (or, fired later, its input a fourth row).
TEST(MmsGa, ResNet18AtItsLossIsTheHandDerivedFloorOfItsSegmentPlan) {
  TempDir dir;
  const zoo::MmsGaPoint& point = zoo::mms_ga_points()[0];
  ASSERT_STREQ(point.model, "resnet18");
  const auto model = zoo::write_model(dir.path(), zoo::parse_request(point.model));
  const graph::Graph graph = onnx::import_model(model.model_path.string(), {});
  analysis::AnalysisOptions options;
  options.platform.firing_overhead_s = zoo::kMmsGaPhaseDelaySeconds;
  options.max_slowdown = 1 + point.loss_ms * 1e-3 / analysis::baseline_time_seconds(graph, options.platform);
  options.inplace = false;  // the FIFO model of MODEL 4 (the rules' figure is the test above's)
  const analysis::AnalysisResult result = analysis::analyze(graph, options);
  ASSERT_TRUE(result.verification.ok);
  const analysis::Evaluation& plan = result.evaluation;

  constexpr int64_t kRowBytes = 14336;
  // Rows (of 14,336 B) each buffer holds at add5's first firing, by the window argument above.
  const std::map<std::string, int64_t> expected = {
      {"relu1_out", 2 * 3},                                                        // conv1 -> 3x3 max-pool
      {"maxpool1_out", 3},  {"relu2_out", 3}, {"bn3_out", 1},   {"relu3_out", 3},  // block 1
      {"relu4_out", 3},     {"bn5_out", 1},   {"relu5_out", 3},                    // block 2
      {"relu6_out", 3},     {"bn7_out", 1},   {"bn8_out", 1},   {"relu7_out", 3},  // block 3 (stride 2)
      {"relu8_out", 3},     {"bn10_out", 1},  {"relu9_out", 3},                    // block 4
      {"relu10_out", 3},    {"bn12_out", 1},  {"bn13_out", 1},                     // block 5 (stride 2)
      {"relu11_out", 14},                                                          // add5's output, whole
  };
  int64_t expected_rows = 0;
  for (const auto& [name, rows] : expected) expected_rows += rows;
  EXPECT_EQ(expected_rows, 57);

  // The live buffers at the first firing of add5 and what they hold.
  const std::vector<analysis::ArenaRequest> requests = analysis::channel_requests(plan.network, plan.usage);
  int64_t add5_first = -1;
  for (size_t t = 0; t < plan.schedule.firings.size() && add5_first < 0; ++t) {
    if (plan.network.nodes[static_cast<size_t>(plan.schedule.firings[t])].name == "add5")
      add5_first = static_cast<int64_t>(t);
  }
  ASSERT_GE(add5_first, 0);
  std::map<std::string, int64_t> live;
  for (size_t c = 0; c < requests.size(); ++c) {
    const analysis::ArenaRequest& request = requests[c];
    if (request.size == 0 || request.lifetime.first < 0) continue;
    if (request.lifetime.first > add5_first || request.lifetime.last < add5_first) continue;
    ASSERT_EQ(request.size % kRowBytes, 0);
    live[graph.buffers[static_cast<size_t>(plan.network.channels[c].buffer)].name] = request.size / kRowBytes;
  }
  EXPECT_EQ(live, expected);
  EXPECT_EQ(plan.shared_bytes(), expected_rows * kRowBytes);  // 817,152 B: the arena is that floor
  EXPECT_EQ(analysis::peak_live_bytes(requests), expected_rows * kRowBytes);
}

}  // namespace
}  // namespace bufopt::testing
