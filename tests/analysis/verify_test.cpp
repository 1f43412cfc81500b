#include "bufopt/analysis/verify.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "analysis/small_graphs.h"
#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/onnx/import.h"
#include "support/graph_builder.h"

namespace bufopt::analysis {
namespace {

using testing::GraphBuilder;

/// MODEL 5 written out: sum over actors of macs/rate + ops/rate + phases * overhead.
double spec_time(const graph::Graph& graph, const std::vector<int64_t>& phases, const Platform& platform) {
  double total = 0;
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    total += static_cast<double>(graph.actors[a].macs) / platform.macs_per_s +
             static_cast<double>(graph.actors[a].elementwise_ops) / platform.elems_per_s +
             static_cast<double>(phases[a]) * platform.firing_overhead_s;
  }
  return total;
}

AnalysisOptions loose_options() {
  AnalysisOptions options;
  options.max_slowdown = 1000;
  return options;
}

bool has_error(const VerifyReport& report, const std::string& fragment) {
  return std::any_of(report.errors.begin(), report.errors.end(),
                     [&](const std::string& line) { return line.find(fragment) != std::string::npos; });
}

std::string all_errors(const VerifyReport& report) {
  std::string out;
  for (const std::string& line : report.errors) out += line + "\n";
  return out;
}

/// input(6 rows) -> Conv3x3 p1 -> Conv3x3 p1 -> output, every actor g = 1, evaluated by hand:
/// the demand-driven order, the middle buffer 3 rows (MODEL 8), alive from the first firing to
/// the last.
struct HandChain {
  graph::Graph graph;
  Evaluation evaluation;
  graph::BufferId middle = 0;
};

HandChain hand_chain(const AnalysisOptions& options) {
  GraphBuilder builder;
  const graph::BufferId in = builder.input("in", 2, 6);
  const graph::BufferId middle = builder.conv("c1", in, 2, 3, 1, 1);
  builder.output(builder.conv("c2", middle, 2, 3, 1, 1));
  HandChain chain{builder.build(), {}, middle};
  Evaluation& e = chain.evaluation;
  e.network = dataflow::build_network(chain.graph, std::vector<int64_t>{1, 1}, {});  // 6 phases each
  e.schedule.firings = {0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1};
  const size_t channels = chain.graph.buffers.size();
  e.usage.capacity_rows.assign(channels, 0);
  e.usage.lifetimes.assign(channels, Lifetime{});
  e.usage.capacity_rows[static_cast<size_t>(middle)] = 3;
  e.usage.lifetimes[static_cast<size_t>(middle)] = {0, 11};
  e.arena.offsets.assign(channels, 0);
  const int64_t row_bytes = chain.graph.buffers[static_cast<size_t>(middle)].row_bytes();
  e.arena.size = 3 * row_bytes;
  e.fifo_bytes = 3 * row_bytes;
  e.time_s = spec_time(chain.graph, {6, 6}, options.platform);
  e.baseline_time_s = spec_time(chain.graph, {1, 1}, options.platform);
  e.slowdown = e.time_s / e.baseline_time_s;
  return chain;
}

TEST(Verify, AcceptsHandEvaluatedChain) {
  const AnalysisOptions options = loose_options();
  const HandChain chain = hand_chain(options);
  const VerifyReport report = verify(chain.graph, chain.evaluation, options);
  EXPECT_TRUE(report.ok) << all_errors(report);
  EXPECT_TRUE(report.errors.empty());
}

TEST(Verify, RejectsHandChainWithTwoRowMiddleBuffer) {
  const AnalysisOptions options = loose_options();
  HandChain chain = hand_chain(options);
  const int64_t row_bytes = chain.graph.buffers[static_cast<size_t>(chain.middle)].row_bytes();
  chain.evaluation.usage.capacity_rows[static_cast<size_t>(chain.middle)] = 2;
  chain.evaluation.fifo_bytes = 2 * row_bytes;
  chain.evaluation.arena.size = 2 * row_bytes;
  const VerifyReport report = verify(chain.graph, chain.evaluation, options);
  EXPECT_FALSE(report.ok);
  // c1's third firing writes row 2 while rows 0 and 1 are still needed by c2.
  EXPECT_TRUE(has_error(report, "firing 3 (c1): writing rows [2,3) of 'c1_out' holds 3 rows, capacity 2"))
      << all_errors(report);
}

TEST(Verify, RejectsHandChainReadingTooEarly) {
  const AnalysisOptions options = loose_options();
  HandChain chain = hand_chain(options);
  std::swap(chain.evaluation.schedule.firings[1], chain.evaluation.schedule.firings[2]);
  const VerifyReport report = verify(chain.graph, chain.evaluation, options);
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "firing 1 (c2): window [0,2) of 'c1_out' not yet written (1 rows)"))
      << all_errors(report);
}

TEST(Verify, RejectsLifetimeThatEndsEarly) {
  const AnalysisOptions options = loose_options();
  HandChain chain = hand_chain(options);
  chain.evaluation.usage.lifetimes[static_cast<size_t>(chain.middle)] = {0, 10};
  const VerifyReport report = verify(chain.graph, chain.evaluation, options);
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "lifetime [0,10]")) << all_errors(report);
}

TEST(Verify, RejectsTamperedNetwork) {
  const AnalysisOptions options = loose_options();
  HandChain chain = hand_chain(options);
  chain.evaluation.network.nodes[1].inputs[0].window[2] = {2, 4};
  const VerifyReport report = verify(chain.graph, chain.evaluation, options);
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "node 1 (c2): input 0 windows")) << all_errors(report);
}

TEST(Verify, RejectsWrongPhaseClaim) {
  const AnalysisOptions options = loose_options();
  HandChain chain = hand_chain(options);
  chain.evaluation.network.nodes[0].phases = 5;
  const VerifyReport report = verify(chain.graph, chain.evaluation, options);
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "actor 'c1': claims 5 phases")) << all_errors(report);
}

TEST(Verify, ReportsMalformedClaimWithoutCrashing) {
  const AnalysisOptions options = loose_options();
  HandChain chain = hand_chain(options);
  chain.evaluation.arena.offsets.pop_back();
  const VerifyReport report = verify(chain.graph, chain.evaluation, options);
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "arena offsets has 2 entries, expected 3")) << all_errors(report);
}

TEST(Verify, EmptyWindowNeedsNoRows) {
  // q's only output row reads rows -1 and 1 of a one-row input (dilation 2): no real row, so q
  // may fire before p, in either order.
  GraphBuilder builder;
  const graph::BufferId p = builder.conv("p", builder.input("in", 1, 1), 1, 1);
  builder.output(builder.conv("q", p, 1, 2, 2, 1, 2));
  const graph::Graph graph = builder.build();
  const AnalysisOptions options = loose_options();
  Evaluation evaluation = evaluate_plan(graph, std::vector<int64_t>{1, 1}, options);
  ASSERT_EQ(evaluation.network.nodes[1].inputs[0].window[0].size(), 0);
  for (const auto& order : {std::vector<dataflow::NodeId>{0, 1}, std::vector<dataflow::NodeId>{1, 0}}) {
    evaluation.schedule.firings = order;
    // p's row is dropped as soon as it is written when q has already released it; the claimed
    // lifetime [0, 1] covers both orders.
    evaluation.usage.lifetimes[static_cast<size_t>(p)] = {0, 1};
    const VerifyReport report = verify(graph, evaluation, options);
    EXPECT_TRUE(report.ok) << all_errors(report);
  }
}

TEST(Verify, ListsOnlyTheFirstFewViolationsOfAKind) {
  GraphBuilder builder;
  graph::BufferId current = builder.input("in", 1, 40);
  for (int i = 0; i < 8; ++i) current = builder.conv("c" + std::to_string(i), current, 1, 3, 1, 1);
  builder.output(current);
  const graph::Graph graph = builder.build();
  const AnalysisOptions options = loose_options();
  Evaluation evaluation = evaluate_plan(graph, std::vector<int64_t>(graph.actors.size(), 1), options);
  for (int64_t& capacity : evaluation.usage.capacity_rows) capacity = std::min<int64_t>(capacity, 1);
  const VerifyReport report = verify(graph, evaluation, options);
  EXPECT_FALSE(report.ok);
  const auto capacity_lines = std::count_if(report.errors.begin(), report.errors.end(), [](const std::string& line) {
    return line.find("capacity 1") != std::string::npos;
  });
  EXPECT_EQ(capacity_lines, 5);
  EXPECT_TRUE(has_error(report, "more capacity violations")) << all_errors(report);
}

// ---------------------------------------------------------------------------------------------
// Mutations of evaluations produced by evaluate_plan.

/// input -> three 3x3 convs -> output at g = 1: two counted buffers alive together.
graph::Graph three_conv_chain() {
  GraphBuilder builder;
  graph::BufferId current = builder.input("in", 3, 10);
  current = builder.conv("c1", current, 4, 3, 1, 1);
  current = builder.conv("c2", current, 4, 3, 1, 1);
  builder.output(builder.conv("c3", current, 2, 3, 1, 1));
  return builder.build();
}

class VerifyMutation : public ::testing::Test {
 protected:
  void SetUp() override {
    graph_ = three_conv_chain();
    options_ = loose_options();
    evaluation_ = evaluate_plan(graph_, std::vector<int64_t>{1, 1, 1}, options_);
    const VerifyReport report = verify(graph_, evaluation_, options_);
    ASSERT_TRUE(report.ok) << "evaluate_plan's answer must verify:\n" << all_errors(report);
  }

  VerifyReport mutated() const { return verify(graph_, evaluation_, options_); }

  /// Index of a firing that reads rows written by the firing just before it (first firing of a
  /// consumer in a demand-driven order).
  size_t dependent_pair() const {
    const auto& firings = evaluation_.schedule.firings;
    std::vector<int64_t> seen(evaluation_.network.nodes.size(), 0);
    for (size_t i = 0; i + 1 < firings.size(); ++i) {
      ++seen[static_cast<size_t>(firings[i])];
      const dataflow::Node& next = evaluation_.network.nodes[static_cast<size_t>(firings[i + 1])];
      for (const dataflow::InputPort& port : next.inputs) {
        const auto producer = evaluation_.network.channels[static_cast<size_t>(port.channel)].producer;
        if (producer == firings[i] && seen[static_cast<size_t>(firings[i + 1])] == 0) return i;
      }
    }
    return firings.size();
  }

  graph::Graph graph_;
  AnalysisOptions options_;
  Evaluation evaluation_;
};

TEST_F(VerifyMutation, CapacityBelowWhatTheOrderNeeds) {
  const auto channel =
      std::max_element(evaluation_.usage.capacity_rows.begin(), evaluation_.usage.capacity_rows.end()) -
      evaluation_.usage.capacity_rows.begin();
  ASSERT_GT(evaluation_.usage.capacity_rows[static_cast<size_t>(channel)], 1);
  --evaluation_.usage.capacity_rows[static_cast<size_t>(channel)];
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "capacity")) << all_errors(report);
  EXPECT_TRUE(has_error(report, "fifo_bytes")) << all_errors(report);
}

TEST_F(VerifyMutation, DependentFiringsSwapped) {
  const size_t i = dependent_pair();
  ASSERT_LT(i + 1, evaluation_.schedule.firings.size());
  std::swap(evaluation_.schedule.firings[i], evaluation_.schedule.firings[i + 1]);
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "not yet written")) << all_errors(report);
}

TEST_F(VerifyMutation, FiringDropped) {
  evaluation_.schedule.firings.pop_back();
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "incomplete order")) << all_errors(report);
}

TEST_F(VerifyMutation, FiringDuplicated) {
  evaluation_.schedule.firings.push_back(evaluation_.schedule.firings.back());
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "more than its")) << all_errors(report);
}

TEST_F(VerifyMutation, OverlappingArenaOffsets) {
  const auto& channels = evaluation_.network.channels;
  std::vector<size_t> counted;
  for (size_t c = 0; c < channels.size(); ++c) {
    if (channels[c].counted && evaluation_.usage.capacity_rows[c] > 0) counted.push_back(c);
  }
  ASSERT_EQ(counted.size(), 2u);
  ASSERT_TRUE(evaluation_.usage.lifetimes[counted[0]].overlaps(evaluation_.usage.lifetimes[counted[1]]));
  evaluation_.arena.offsets[counted[0]] = evaluation_.arena.offsets[counted[1]];
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "overlap while both alive")) << all_errors(report);
}

TEST_F(VerifyMutation, ArenaTooSmall) {
  --evaluation_.arena.size;
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "outside the arena")) << all_errors(report);
}

TEST_F(VerifyMutation, WrongTime) {
  evaluation_.time_s *= 1 + 1e-6;
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "time_s")) << all_errors(report);
}

TEST_F(VerifyMutation, WrongBaselineTime) {
  evaluation_.baseline_time_s *= 0.5;
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "baseline_time_s")) << all_errors(report);
}

TEST_F(VerifyMutation, WrongSlowdown) {
  evaluation_.slowdown *= 0.9;
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "slowdown")) << all_errors(report);
}

TEST_F(VerifyMutation, SlowdownAboveTheBound) {
  ASSERT_GT(evaluation_.slowdown, 1.0);
  options_.max_slowdown = 1.0 + (evaluation_.slowdown - 1.0) / 2;
  const VerifyReport report = mutated();
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(has_error(report, "exceeds --max-slowdown")) << all_errors(report);
}

TEST_F(VerifyMutation, SlowdownJustAtTheBound) {
  options_.max_slowdown = evaluation_.slowdown;
  EXPECT_TRUE(mutated().ok);
}

// ---------------------------------------------------------------------------------------------
// Every plan evaluate_plan produces must verify.

TEST(Verify, AcceptsEvaluatePlanOnRandomSmallGraphs) {
  testing::SmallGraphGenerator generator(20261124, 5, 12);
  for (int i = 0; i < 300; ++i) {
    const graph::Graph graph = generator.next();
    AnalysisOptions options = loose_options();
    options.stream_io = i % 3 == 0;
    const std::vector<int64_t> granularity = generator.granularity(graph);
    const Evaluation evaluation = evaluate_plan(graph, granularity, options);
    const VerifyReport report = verify(graph, evaluation, options);
    ASSERT_TRUE(report.ok) << "graph " << i << ":\n" << all_errors(report);
    // The measured capacities are tight: one row less anywhere is an overflow the replay sees.
    for (size_t c = 0; c < graph.buffers.size(); ++c) {
      if (!evaluation.network.channels[c].counted) continue;
      Evaluation tighter = evaluation;
      --tighter.usage.capacity_rows[c];
      EXPECT_TRUE(
          has_error(verify(graph, tighter, options), "capacity " + std::to_string(tighter.usage.capacity_rows[c])))
          << "graph " << i << " buffer " << graph.buffers[c].name;
    }
  }
}

TEST(Verify, IsFastOnThousandsOfFirings) {
  GraphBuilder builder;
  graph::BufferId current = builder.input("in", 3, 224, 8);
  for (int i = 0; i < 30; ++i) current = builder.conv("c" + std::to_string(i), current, 8, 3, 1, 1);
  builder.output(current);
  const graph::Graph graph = builder.build();
  const AnalysisOptions options = loose_options();
  const Evaluation evaluation = evaluate_plan(graph, std::vector<int64_t>(graph.actors.size(), 1), options);
  ASSERT_EQ(evaluation.schedule.firings.size(), 30u * 224u);
  const auto start = std::chrono::steady_clock::now();
  const VerifyReport report = verify(graph, evaluation, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(report.ok) << all_errors(report);
  ::testing::Test::RecordProperty("verify_ms_6720_firings", std::to_string(seconds * 1e3));
  EXPECT_LT(seconds, 0.5);
}

// ---------------------------------------------------------------------------------------------
// Real models: the optimiser's answer verifies, quickly, and the verifier is not vacuous on it.

/// A bundled model and the input shape the tests fix (models/*/README.md).
struct BundledModel {
  std::string path;  ///< relative to the source tree
  std::string input;
  std::vector<int64_t> shape;
};

TEST(Verify, AcceptsAnalysisOfBundledModelsAndCatchesATighterBuffer) {
  const std::vector<BundledModel> models = {
      {"models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx", "x", {1, 3, 48, 192}},
      {"models/openwakeword/embedding_model.onnx", "input_1", {1, 76, 32, 1}},
      {"models/openwakeword/melspectrogram.onnx", "input", {1, 1280}},
      {"models/external/ppocr/ch_PP-OCRv4_det_infer.onnx", "x", {1, 3, 640, 640}},
      {"models/external/ppocr/ch_PP-OCRv4_rec_infer.onnx", "x", {1, 3, 48, 320}},
  };
  int checked = 0;
  for (const BundledModel& model : models) {
    const std::filesystem::path path = std::filesystem::path(BUFOPT_SOURCE_DIR) / model.path;
    if (!std::filesystem::exists(path)) continue;  // models/external/ is fetched, not committed
    onnx::ImportOptions import_options;
    import_options.input_shapes[model.input] = model.shape;
    const graph::Graph graph = onnx::import_model(path.string(), import_options);
    for (const bool stream_io : {false, true}) {
      AnalysisOptions options;
      options.stream_io = stream_io;
      const AnalysisResult result = analyze(graph, options);
      const auto start = std::chrono::steady_clock::now();
      const VerifyReport report = verify(result.graph, result.evaluation, options);  // views eliminated (4.1)
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      EXPECT_TRUE(report.ok) << model.path << ":\n" << all_errors(report);
      EXPECT_LT(seconds, 0.5) << model.path;
      ::testing::Test::RecordProperty(
          std::filesystem::path(model.path).stem().string() + (stream_io ? "_stream_io" : ""),
          fmt::format("{} firings verified in {:.2f} ms", result.evaluation.schedule.firings.size(), seconds * 1e3));
      // One row less in the largest counted buffer: the replay must overflow it.
      Evaluation tighter = result.evaluation;
      const auto largest = std::max_element(tighter.usage.capacity_rows.begin(), tighter.usage.capacity_rows.end());
      ASSERT_GT(*largest, 0) << model.path;
      --*largest;
      EXPECT_TRUE(has_error(verify(result.graph, tighter, options), "capacity " + std::to_string(*largest)))
          << model.path;
    }
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "no bundled model found";
}

}  // namespace
}  // namespace bufopt::analysis
