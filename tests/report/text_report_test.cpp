// The terminal views, word for word, on a three-conv chain whose every figure is derived by hand
// below: a wrong sort, a lost offset or a misaligned column changes the text.
#include <gtest/gtest.h>

#include <string>

#include "bufopt/analysis/baselines.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/report/model_report.h"
#include "support/graph_builder.h"

namespace bufopt::report {
namespace {

/// in [1,2,8,4] -> conv1 (3x3, pad 1, 2 ch) -> conv2 (3x3, pad 1, 4 ch) -> conv3 (1x1, 1 ch) -> out,
/// every actor one row per firing. Hand-derived (MODEL 3, 4, 8):
/// - conv1_out rows are 2*4*4 = 32 B; conv2 reads rows [r-1, r+2): 3 rows = 96 B.
/// - conv2_out rows are 4*4*4 = 64 B; conv3 reads one row at a time: 1 row = 64 B.
/// - graph input and output are held by the application: not counted. FIFO sum 160 B, and both
///   FIFOs live together, so the arena is 160 B: conv1_out (larger) at 0, conv2_out at 96.
/// - Whole tensors: 8 * 32 + 8 * 64 = 768 B, both alive while conv2 runs: shared 768 B too.
/// - Pull order: conv1 x2, conv2, conv3, then (conv1, conv2, conv3) x6, then conv2, conv3:
///   24 firings; conv1_out lives over firings [0, 22] (conv2's last firing releases it),
///   conv2_out over [2, 23].
/// - MACs: conv1 64 outputs x 18 = 1152, conv2 128 x 18 = 2304, conv3 32 x 4 = 128: 3584 MACs,
///   1 us at 3.584e9 MAC/s. Time 1 us + 24 firings x 1 us = 25 us; layer by layer 1 + 3 = 4 us;
///   slowdown 6.25.
struct ChainReport {
  graph::Graph graph;
  analysis::AnalysisResult result;
  ModelReport report;

  ChainReport() {
    testing::GraphBuilder builder;
    const graph::BufferId in = builder.input("in", 2, 8, 4);
    const graph::BufferId a = builder.conv("conv1", in, 2, 3, 1, 1);
    const graph::BufferId b = builder.conv("conv2", a, 4, 3, 1, 1);
    builder.output(builder.conv("conv3", b, 1, 1));
    graph = builder.build();
    graph.name = "chain";
    result.options.platform = {"test", 3.584e9, 1e9, 1e-6, 1};
    result.options.max_slowdown = 10;
    const std::vector<int64_t> one_row = {1, 1, 1};
    result.evaluation = analysis::evaluate_plan(graph, one_row, result.options);
    result.baselines = analysis::whole_tensor_baselines(graph, false);
    result.lower_bound_bytes = 64;  // set by the test: the report prints what it is given
    result.graph = graph;  // the graph the evaluation indexes (AnalysisResult::graph)
    report.model_path = "chain.onnx";
    report.graph = &graph;
    report.analysis = &result;
  }
};

TEST(TextReport, QuietIsOneLine) {
  const ChainReport chain;
  EXPECT_EQ(summary_text(chain.report, {.quiet = true}),
            "chain.onnx: arena 160 B (whole tensors shared 768 B), slowdown 6.250 <= 10.000, verified\n");
}

TEST(TextReport, DefaultViewLinesUpEveryColumn) {
  const ChainReport chain;
  const std::string expected =
      "chain.onnx (chain): 3 actors, 4 buffers\n"
      "platform test (3.58e+09 MAC/s, 1e+09 elem/s, 1.0 us per firing), sequential\n"
      "\n"
      "  activation memory                             bytes  reduction\n"
      "  whole tensors (no sharing)                    768 B       1.0x\n"
      "  whole tensors, shared (layer by layer)        768 B       1.0x\n"
      "  bufopt FIFOs (sum)                            160 B       4.8x\n"
      "  bufopt shared arena                           160 B       4.8x\n"
      "  lower bound (arena within 2.50x)               64 B      12.0x\n"
      "\n"
      "  time per inference 25.0 us (layer by layer 4.0 us), slowdown 6.250 (max 10.000), 24 firings, verified\n"
      "\n"
      "  largest buffers            producer -> consumers           rows      bytes\n"
      "  conv1_out                  conv1 -> conv2                   3/8       96 B\n"
      "  conv2_out                  conv2 -> conv3                   1/8       64 B\n";
  EXPECT_EQ(summary_text(chain.report, {}), expected);
}

TEST(TextReport, VerboseShowsTheScheduleAndTheArenaAsAPicture) {
  const ChainReport chain;
  const std::string text = summary_text(chain.report, {.verbose = true});
  const std::string schedule =
      "firing schedule (node x consecutive firings)\n"
      "  conv1x2 conv2x1 conv3x1 conv1x1 conv2x1 conv3x1 conv1x1 conv2x1 conv3x1 \n"
      "  conv1x1 conv2x1 conv3x1 conv1x1 conv2x1 conv3x1 conv1x1 conv2x1 conv3x1 \n"
      "  conv1x1 conv2x1 conv3x1 conv2x1 conv3x1 \n";
  EXPECT_NE(text.find(schedule), std::string::npos) << text;
  // 160 B over 64 columns: conv1_out (A) covers bytes [0, 96): columns [0, 39); conv2_out (B)
  // covers [96, 160): columns [38, 64), drawn over the shared column 38.
  const std::string only_a = std::string(39, 'A') + std::string(25, '.');
  const std::string both = std::string(38, 'A') + std::string(26, 'B');
  const std::string only_b = std::string(38, '.') + std::string(26, 'B');
  // One line per firing where the live buffers change: 0 (conv1_out starts), 2 (conv2_out
  // starts), 23 (conv1_out ended at 22).
  const std::string map =
      "arena map: 160 B across 64 columns (3 B per column), down: the firings where live buffers change\n"
      "         0 |" +
      only_a +
      "|\n"
      "         2 |" +
      both +
      "|\n"
      "        23 |" +
      only_b + "|\n\n";
  EXPECT_NE(text.find(map), std::string::npos) << text;
  const std::string legend =
      "         offset      bytes  lifetime         buffer\n"
      "   A          0         96  [0, 22]          conv1_out\n"
      "   B         96         64  [2, 23]          conv2_out\n";
  EXPECT_NE(text.find(legend), std::string::npos) << text;
}

}  // namespace
}  // namespace bufopt::report
