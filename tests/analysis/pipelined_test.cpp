#include "bufopt/analysis/pipelined.h"
#include "bufopt/analysis/pipelined/exact.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "analysis/analysis_test_graphs.h"
#include "analysis/small_graphs.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/onnx/import.h"
#include "support/graph_builder.h"
#include "support/run_command.h"

namespace bufopt::analysis {
namespace {

using testing::GraphBuilder;

/// One tick per MAC and per element, 100 ticks of overhead: every time below is an integer.
AnalysisOptions tick_options(double max_slowdown = 1.2) {
  AnalysisOptions options;
  options.mode = Mode::kPipelined;
  options.platform.macs_per_s = kTicksPerSecond;
  options.platform.elems_per_s = kTicksPerSecond;
  options.platform.firing_overhead_s = 100 / kTicksPerSecond;
  options.max_slowdown = max_slowdown;
  return options;
}

/// MODEL 5 written out in ticks for tick_options(): work of the whole actor.
Ticks work_ticks(const graph::Actor& actor) { return actor.macs + actor.elementwise_ops; }

constexpr Ticks kOverhead = 100;

std::string all_errors(const VerifyReport& report) {
  std::string out;
  for (const std::string& line : report.errors) out += line + "\n";
  return out;
}

bool has_error(const VerifyReport& report, const std::string& fragment) {
  return std::any_of(report.errors.begin(), report.errors.end(),
                     [&](const std::string& line) { return line.find(fragment) != std::string::npos; });
}

/// A plan for given granularities and capacities, its period from the max-plus analysis.
PipelinedPlan plan_for(const graph::Graph& graph, const std::vector<int64_t>& granularity,
                       const std::vector<int64_t>& capacity, const AnalysisOptions& options) {
  PipelinedPlan plan;
  plan.network = dataflow::build_network(graph, granularity, {.stream_io = options.stream_io});
  plan.capacity_rows = capacity;
  plan.times = firing_times(graph, plan.network, options);
  const ThroughputAnalysis analysis = analyze_throughput(plan.network, plan.times, capacity);
  plan.period = analysis.period;
  plan.baseline_period = baseline_period_ticks(graph, options);
  plan.slowdown = period_ratio(plan.period, plan.baseline_period);
  for (size_t c = 0; c < graph.buffers.size(); ++c) {
    if (plan.network.channels[c].counted && sized_channel(plan.network.channels[c])) {
      plan.fifo_bytes += capacity[c] * plan.network.channels[c].row_bytes;
    }
  }
  plan.critical_cycle = analysis.cycle;
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Firing times.

TEST(PipelinedTimes, PhasesShareTheWorkByOutputRows) {
  GraphBuilder builder;
  const auto in = builder.input("in", 2, 8, 4);
  builder.output(builder.conv("c", in, 3, 1));
  const graph::Graph graph = builder.build();
  const AnalysisOptions options = tick_options();
  const Ticks work = work_ticks(graph.actors[0]);
  ASSERT_EQ(work % 8, 0);
  for (const int64_t g : {1, 2, 3, 8}) {
    const dataflow::Network network = dataflow::build_network(graph, std::vector<int64_t>{g}, {});
    const FiringTimes times = firing_times(graph, network, options);
    ASSERT_EQ(times.ticks.size(), 1u);
    const std::vector<Ticks>& phases = times.ticks[0];
    const int64_t count = (8 + g - 1) / g;
    ASSERT_EQ(static_cast<int64_t>(phases.size()), count);
    EXPECT_EQ(std::accumulate(phases.begin(), phases.end(), Ticks{0}), work + count * kOverhead);
    for (int64_t f = 0; f < count; ++f) {
      const int64_t rows = std::min<int64_t>(8, (f + 1) * g) - f * g;
      EXPECT_EQ(phases[static_cast<size_t>(f)], work / 8 * rows + kOverhead) << "g " << g << " firing " << f;
    }
  }
  EXPECT_EQ(baseline_period_ticks(graph, options), work + kOverhead);
}

TEST(PipelinedTimes, MeasuredSecondsReplaceTheWorkModel) {
  GraphBuilder builder;
  const auto in = builder.input("in", 2, 8, 4);
  const auto mid = builder.conv("first", in, 3, 1);
  builder.output(builder.conv("second", mid, 3, 1));
  const graph::Graph graph = builder.build();
  AnalysisOptions options = tick_options();
  options.actor_seconds["second"] = 1e-6;  // 1e6 ticks, of which 100 are the firing overhead
  EXPECT_EQ(baseline_period_ticks(graph, options), 1'000'000);
  const dataflow::Network network = dataflow::build_network(graph, std::vector<int64_t>{8, 2}, {});
  const FiringTimes times = firing_times(graph, network, options);
  EXPECT_EQ(times.ticks[0][0], work_ticks(graph.actors[0]) + kOverhead);
  EXPECT_EQ(times.ticks[1], (std::vector<Ticks>{(1'000'000 - 100) / 4 + 100, (1'000'000 - 100) / 2 - (1'000'000 - 100) / 4 + 100,
                                                 (1'000'000 - 100) * 3 / 4 - (1'000'000 - 100) / 2 + 100,
                                                 (1'000'000 - 100) - (1'000'000 - 100) * 3 / 4 + 100}));
}

TEST(PipelinedTimes, PeriodsCompareExactly) {
  EXPECT_EQ(make_period(10, 4), (Period{5, 2}));
  EXPECT_TRUE(shorter(make_period(7, 3), make_period(5, 2)));
  EXPECT_FALSE(shorter(make_period(5, 2), make_period(10, 4)));
  EXPECT_DOUBLE_EQ(make_period(3, 2).seconds(), 1.5e-12);
}

// ---------------------------------------------------------------------------------------------
// Hand-derived throughput.

/// input(8 rows) -> 1x1 conv "a" -> 1x1 conv "b" -> output.
graph::Graph pointwise_chain() {
  GraphBuilder builder;
  const auto in = builder.input("in", 2, 8, 4);
  const auto mid = builder.conv("a", in, 3, 1);
  builder.output(builder.conv("b", mid, 5, 1));
  return builder.build();
}

TEST(PipelinedThroughput, ChainWithOneRowAlternatesAndWithTwoRowsOverlaps) {
  const graph::Graph graph = pointwise_chain();
  const AnalysisOptions options = tick_options();
  const Ticks a = work_ticks(graph.actors[0]) / 8 + kOverhead;  // one row of "a"
  const Ticks b = work_ticks(graph.actors[1]) / 8 + kOverhead;
  ASSERT_NE(a, b);
  const std::vector<int64_t> rows(2, 1);
  std::vector<int64_t> capacity(graph.buffers.size(), 0);
  const auto middle = static_cast<size_t>(graph.actors[0].outputs[0]);
  const dataflow::Network network = dataflow::build_network(graph, rows, {});
  const FiringTimes times = firing_times(graph, network, options);
  EXPECT_EQ(capacity_lower_bounds(network)[middle], 1);

  // One row: "a" writes row r only after "b" released row r-1, and "b" reads row r after "a"
  // wrote it: the two strictly alternate, 8 (a + b) per image.
  capacity[middle] = 1;
  ThroughputAnalysis one = analyze_throughput(network, times, capacity);
  ASSERT_TRUE(one.live);
  EXPECT_EQ(one.period, make_period(8 * (a + b), 1));
  EXPECT_TRUE(std::any_of(one.cycle.begin(), one.cycle.end(),
                          [&](const Dependency& d) { return d.kind == DependencyKind::kSpace && d.channel == static_cast<int>(middle); }));

  // Two rows: "a" writes row r while "b" reads row r-1; the slower one sets the pace.
  capacity[middle] = 2;
  const ThroughputAnalysis two = analyze_throughput(network, times, capacity);
  ASSERT_TRUE(two.live);
  EXPECT_EQ(two.period, make_period(8 * std::max(a, b), 1));

  // Unbounded: the same; more room does not beat the slowest actor.
  capacity[middle] = kUnboundedRows;
  EXPECT_EQ(analyze_throughput(network, times, capacity).period, make_period(8 * std::max(a, b), 1));

  // The independent replay measures the same periods.
  for (const int64_t c : {1, 2, 3}) {
    capacity[middle] = c;
    const PipelinedPlan plan = plan_for(graph, rows, capacity, tick_options(100));
    const VerifyReport report = verify_pipelined(graph, plan, tick_options(100));
    EXPECT_TRUE(report.ok) << "capacity " << c << ":\n" << all_errors(report);
  }
}

TEST(PipelinedThroughput, ThreeByThreeWindowNeedsThreeRows) {
  // MODEL 8: the middle buffer of a 3x3 chain at one row per firing holds at least 3 rows.
  const test::TestGraph chain = test::conv_chain(8);
  const dataflow::Network network = dataflow::build_network(chain.graph, std::vector<int64_t>{1, 1}, {});
  EXPECT_EQ(capacity_lower_bounds(network)[static_cast<size_t>(chain.buffers[1])], 3);
  // MODEL 8: a 1x1 stride-2 conv releases the row it skips: one row suffices.
  const test::TestGraph strided = test::strided_pair(8, 1, 2, 0);
  const dataflow::Network strided_network = dataflow::build_network(strided.graph, std::vector<int64_t>{1, 1}, {});
  std::vector<int64_t> capacity = capacity_lower_bounds(strided_network);
  EXPECT_EQ(capacity[static_cast<size_t>(strided.buffers[1])], 1);
  EXPECT_TRUE(analyze_throughput(strided_network, firing_times(strided.graph, strided_network, tick_options()), capacity).live);
}

/// x = 1x1 conv(input); `m` 1x1 convs on x; Add(x, branch) -> output.
graph::Graph pointwise_residual(int m) {
  GraphBuilder builder;
  const auto in = builder.input("in", 2, 6, 4);
  const auto x = builder.conv("x", in, 3, 1);
  auto branch = x;
  for (int i = 0; i < m; ++i) branch = builder.conv("b" + std::to_string(i), branch, 3, 1);
  builder.output(builder.elementwise("add", {x, branch}));
  return builder.build();
}

TEST(PipelinedThroughput, UnsplitResidualSkipBufferHoldsTheBranchDepthInImages) {
  // Every actor fires once per image. The skip buffer x (read by the branch and by the Add)
  // with room for j images lets "x" write image k + j only once the Add has finished image k:
  // the cycle x -> b0 -> ... -> add -> x has delay j, so the period is
  // max(slowest actor, (sum of all actors) / j) (branch buffers hold two images: their own
  // cycles, (t_i + t_i+1) / 2, never win).
  const int m = 3;
  const graph::Graph graph = pointwise_residual(m);
  const AnalysisOptions options = tick_options();
  const std::vector<int64_t> whole(graph.actors.size(), 6);
  const dataflow::Network network = dataflow::build_network(graph, whole, {});
  const FiringTimes times = firing_times(graph, network, options);
  Ticks sum = 0;
  Ticks slowest = 0;
  for (const graph::Actor& actor : graph.actors) {
    sum += work_ticks(actor) + kOverhead;
    slowest = std::max(slowest, work_ticks(actor) + kOverhead);
  }
  std::vector<int64_t> capacity(graph.buffers.size(), 0);
  for (size_t c = 0; c < graph.buffers.size(); ++c) {
    if (bounded_channel(network.channels[c])) capacity[c] = 12;
  }
  const auto x = static_cast<size_t>(graph.actors[0].outputs[0]);
  for (int64_t images = 1; images <= m + 3; ++images) {
    capacity[x] = 6 * images;
    const ThroughputAnalysis analysis = analyze_throughput(network, times, capacity);
    ASSERT_TRUE(analysis.live);
    const Period expected = shorter(make_period(sum, images), make_period(slowest, 1)) ? make_period(slowest, 1)
                                                                                        : make_period(sum, images);
    EXPECT_EQ(analysis.period, expected) << images << " images";
    const PipelinedPlan plan = plan_for(graph, whole, capacity, tick_options(100));
    const VerifyReport report = verify_pipelined(graph, plan, tick_options(100));
    EXPECT_TRUE(report.ok) << images << " images:\n" << all_errors(report);
  }
}

TEST(PipelinedThroughput, ResidualOfThreeByThreeConvsDeadlocksBelowBranchDepth) {
  // MODEL 8's residual with m = 3 stacked 3x3 convs at one row per firing: before the Add can
  // release row 0 of x, the branch must read x up to row m: x needs m + 1 = 4 rows.
  const test::TestGraph residual = test::residual(8, 3);
  const std::vector<int64_t> rows(residual.graph.actors.size(), 1);
  const dataflow::Network network = dataflow::build_network(residual.graph, rows, {});
  const FiringTimes times = firing_times(residual.graph, network, tick_options());
  std::vector<int64_t> capacity = capacity_lower_bounds(network);
  const auto x = static_cast<size_t>(residual.buffers[0]);
  ASSERT_EQ(capacity[x], 3);
  const ThroughputAnalysis stuck = analyze_throughput(network, times, capacity);
  EXPECT_FALSE(stuck.live);
  EXPECT_TRUE(std::any_of(stuck.cycle.begin(), stuck.cycle.end(), [&](const Dependency& d) {
    return d.kind == DependencyKind::kSpace && d.channel == static_cast<int>(x);
  }));
  for (const Dependency& d : stuck.cycle) EXPECT_EQ(d.delay, 0);
  const PipelinedPlan plan = plan_for(residual.graph, rows, capacity, tick_options(100));
  EXPECT_TRUE(has_error(verify_pipelined(residual.graph, plan, tick_options(100)), "deadlock"));

  capacity[x] = 4;
  EXPECT_TRUE(analyze_throughput(network, times, capacity).live);
  const PipelinedPlan live = plan_for(residual.graph, rows, capacity, tick_options(100));
  const VerifyReport report = verify_pipelined(residual.graph, live, tick_options(100));
  EXPECT_TRUE(report.ok) << all_errors(report);
}

TEST(PipelinedThroughput, UnreadBufferHoldsOneFiringAndNeverLimits) {
  // "dead" writes a tensor nobody reads (not a graph output): it still holds the rows one firing
  // writes (MODEL 4) and costs those bytes, but never makes its producer wait.
  GraphBuilder builder;
  const auto in = builder.input("in", 2, 8, 4);
  const auto mid = builder.conv("a", in, 3, 1);
  builder.output(builder.conv("b", mid, 2, 1));
  const auto dead = builder.conv("dead", mid, 2, 1);
  const graph::Graph graph = builder.build();
  const AnalysisOptions options = tick_options(1.5);
  const std::optional<PipelinedPlan> plan = optimize_pipelined(graph, options);
  ASSERT_TRUE(plan);
  const auto d = static_cast<size_t>(dead);
  EXPECT_EQ(plan->capacity_rows[d], plan->granularity()[2]);
  int64_t bytes = 0;
  for (size_t c = 0; c < graph.buffers.size(); ++c) {
    if (graph.buffers[c].io == graph::IoRole::kNone) bytes += plan->capacity_rows[c] * graph.buffers[c].row_bytes();
  }
  EXPECT_EQ(plan->fifo_bytes, bytes);
  EXPECT_TRUE(verify_pipelined(graph, *plan, options).ok);
  PipelinedPlan none = *plan;
  none.capacity_rows[d] = 0;
  none.fifo_bytes = bytes - plan->capacity_rows[d] * graph.buffers[d].row_bytes();
  EXPECT_TRUE(has_error(verify_pipelined(graph, none, options), "unread buffer"));
}

// ---------------------------------------------------------------------------------------------
// The verifier against the max-plus analysis, on random graphs and capacities.

TEST(PipelinedVerify, ReplayMeasuresTheMaxPlusPeriodOnRandomGraphs) {
  testing::SmallGraphGenerator generator(7001, 5, 10);
  std::mt19937 random(99);
  int live = 0;
  int dead = 0;
  for (int i = 0; i < 300; ++i) {
    const graph::Graph graph = generator.next();
    AnalysisOptions options = tick_options(1e9);
    options.stream_io = i % 3 == 0;
    const std::vector<int64_t> granularity = generator.granularity(graph);
    const dataflow::Network network = dataflow::build_network(graph, granularity, {.stream_io = options.stream_io});
    std::vector<int64_t> capacity = capacity_lower_bounds(network);
    for (size_t c = 0; c < capacity.size(); ++c) {
      if (bounded_channel(network.channels[c])) capacity[c] += std::uniform_int_distribution<int64_t>(0, network.channels[c].rows)(random);
    }
    const ThroughputAnalysis analysis = analyze_throughput(network, firing_times(graph, network, options), capacity);
    const PipelinedPlan plan = plan_for(graph, granularity, capacity, options);
    const VerifyReport report = verify_pipelined(graph, plan, options);
    if (analysis.live) {
      ++live;
      EXPECT_TRUE(report.ok) << "graph " << i << ":\n" << all_errors(report);
    } else {
      ++dead;
      EXPECT_TRUE(has_error(report, "deadlock")) << "graph " << i << ":\n" << all_errors(report);
    }
  }
  EXPECT_GT(live, 100);
  EXPECT_GT(dead, 5);
}

TEST(PipelinedVerify, RejectsWrongClaims) {
  const graph::Graph graph = pointwise_chain();
  const AnalysisOptions options = tick_options(100);
  const std::vector<int64_t> rows(2, 1);
  std::vector<int64_t> capacity(graph.buffers.size(), 0);
  capacity[static_cast<size_t>(graph.actors[0].outputs[0])] = 1;
  const PipelinedPlan plan = plan_for(graph, rows, capacity, options);
  ASSERT_TRUE(verify_pipelined(graph, plan, options).ok);

  PipelinedPlan faster = plan;
  faster.period = make_period(plan.period.ticks - 1, plan.period.images);
  EXPECT_TRUE(has_error(verify_pipelined(graph, faster, options), "period"));

  PipelinedPlan cheaper = plan;
  cheaper.fifo_bytes -= 1;
  EXPECT_TRUE(has_error(verify_pipelined(graph, cheaper, options), "fifo_bytes"));

  PipelinedPlan quicker_firing = plan;
  quicker_firing.times.ticks[0][0] -= 1;
  EXPECT_TRUE(has_error(verify_pipelined(graph, quicker_firing, options), "times"));

  PipelinedPlan other_phases = plan;
  other_phases.network.nodes[0].phases = 4;
  EXPECT_TRUE(has_error(verify_pipelined(graph, other_phases, options), "phases"));

  // The strict alternation is far slower than the bound allows.
  EXPECT_TRUE(has_error(verify_pipelined(graph, plan, tick_options(1.5)), "exceeds"));
}

// ---------------------------------------------------------------------------------------------
// The optimizer.

TEST(PipelinedOptimizer, ResidualNeverDeadlocksAndMeetsTheBound) {
  for (const int m : {1, 2, 3, 4}) {
    const test::TestGraph residual = test::residual(16, m);
    for (const double bound : {1.0, 1.1, 2.0}) {
      const AnalysisOptions options = tick_options(bound);
      const std::optional<PipelinedPlan> plan = optimize_pipelined(residual.graph, options);
      ASSERT_TRUE(plan) << "m " << m << " R " << bound;
      EXPECT_LE(plan->slowdown, bound + 1e-9);
      const VerifyReport report = verify_pipelined(residual.graph, *plan, options);
      EXPECT_TRUE(report.ok) << "m " << m << " R " << bound << ":\n" << all_errors(report);
    }
  }
}

TEST(PipelinedOptimizer, MeetsTheBoundAndVerifiesOnRandomGraphs) {
  std::mt19937 random(4242);
  for (int i = 0; i < 60; ++i) {
    const graph::Graph graph = test::random_model(random);
    for (const double bound : {1.0, 1.2, 3.0}) {
      AnalysisOptions options = tick_options(bound);
      options.stream_io = i % 2 == 0;
      const std::optional<PipelinedPlan> plan = optimize_pipelined(graph, options);
      ASSERT_TRUE(plan) << "graph " << i << " R " << bound;
      const VerifyReport report = verify_pipelined(graph, *plan, options);
      EXPECT_TRUE(report.ok) << "graph " << i << " R " << bound << ":\n" << all_errors(report);
    }
  }
}

TEST(PipelinedOptimizer, BytesNeverGrowWithTheBound) {
  std::mt19937 random(777);
  const std::vector<double> bounds = {1.0, 1.01, 1.05, 1.2, 1.5, 2.0, 5.0, 20.0};
  for (int i = 0; i < 30; ++i) {
    const graph::Graph graph = test::random_model(random);
    int64_t previous = std::numeric_limits<int64_t>::max();
    for (const double bound : bounds) {
      const std::optional<PipelinedPlan> plan = optimize_pipelined(graph, tick_options(bound));
      ASSERT_TRUE(plan);
      EXPECT_LE(plan->fifo_bytes, previous) << "graph " << i << " R " << bound;
      previous = plan->fifo_bytes;
    }
    const std::vector<ParetoPoint> front = pipelined_pareto_front(graph, tick_options(), bounds);
    ASSERT_EQ(front.size(), bounds.size());
    for (size_t k = 1; k < front.size(); ++k) EXPECT_LE(front[k].fifo_bytes, front[k - 1].fifo_bytes);
  }
}

TEST(PipelinedOptimizer, StaysCloseToTheExhaustiveOptimum) {
  testing::SmallGraphGenerator generator(31366, 4, 6);
  int compared = 0;
  double worst = 1;
  double sum = 0;
  for (int i = 0; i < 40; ++i) {
    const graph::Graph graph = generator.next();
    for (const double bound : {1.0, 1.2, 2.0}) {
      const AnalysisOptions options = tick_options(bound);
      const std::optional<PipelinedPlan> exact = exact_pipelined_plan(graph, options);
      const std::optional<PipelinedPlan> heuristic = optimize_pipelined(graph, options);
      ASSERT_TRUE(heuristic);
      if (!exact) continue;  // nothing in the box meets R (the answer needs more than one extra image)
      ++compared;
      EXPECT_TRUE(verify_pipelined(graph, *exact, options).ok);
      // The exact search covers capacities up to one extra image: within that box nothing beats it.
      const std::vector<int64_t> lower = capacity_lower_bounds(heuristic->network);
      bool in_box = true;
      for (size_t c = 0; c < lower.size(); ++c) {
        if (heuristic->network.channels[c].counted && bounded_channel(heuristic->network.channels[c]) &&
            heuristic->capacity_rows[c] > lower[c] + heuristic->network.channels[c].rows) {
          in_box = false;
        }
      }
      if (in_box) {
        EXPECT_LE(exact->fifo_bytes, heuristic->fifo_bytes) << "graph " << i;
      }
      const double ratio = static_cast<double>(heuristic->fifo_bytes) / static_cast<double>(std::max<int64_t>(exact->fifo_bytes, 1));
      worst = std::max(worst, ratio);
      sum += ratio;
      EXPECT_LE(ratio, 1.5) << "graph " << i << " R " << bound;
    }
  }
  ASSERT_GT(compared, 60);
  EXPECT_LE(sum / compared, 1.03);
  ::testing::Test::RecordProperty("heuristic_over_exact", std::to_string(sum / compared) + " mean, " + std::to_string(worst) + " worst");
}

// ---------------------------------------------------------------------------------------------
// Real models: the answer verifies, meets the bound and takes seconds.

namespace models {

/// A model file and the input shapes the tests fix.
struct ModelFile {
  std::string name;
  std::string path;
  std::map<std::string, std::vector<int64_t>> shapes;
};

std::vector<ModelFile> real_models() {
  const std::string root = std::string(BUFOPT_SOURCE_DIR) + "/models/";
  std::vector<ModelFile> files = {
      {"embedding", root + "openwakeword/embedding_model.onnx", {{"input_1", {1, 76, 32, 1}}}},
      {"melspectrogram", root + "openwakeword/melspectrogram.onnx", {{"input", {1, 1280}}}},
      {"cls", root + "ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx", {{"x", {1, 3, 48, 192}}}},
      {"det", root + "external/ppocr/ch_PP-OCRv4_det_infer.onnx", {{"x", {1, 3, 640, 640}}}},
      {"rec", root + "external/ppocr/ch_PP-OCRv4_rec_infer.onnx", {{"x", {1, 3, 48, 320}}}},
  };
  std::erase_if(files, [](const ModelFile& file) { return !std::filesystem::exists(file.path); });
  // Classic architectures from bufopt-zoo, with residual Adds and Concats of branches.
  const std::string zoo = bufopt::testing::fresh_temp_dir("pipelined_zoo");
  const std::vector<std::string> names = {"resnet18", "resnet50", "mobilenetv2", "squeezenet1_1", "yolov3_tiny"};
  std::string command = bufopt::testing::shell_quote(BUFOPT_ZOO) + " " + bufopt::testing::shell_quote(zoo);
  for (const std::string& name : names) command += " " + name;
  if (std::system((command + " >/dev/null").c_str()) != 0) ADD_FAILURE() << "bufopt-zoo failed: " << command;
  for (const std::string& name : names) files.push_back({name, zoo + "/" + name + ".onnx", {}});
  return files;
}

}  // namespace models

TEST(PipelinedModels, AnswersVerifyMeetTheBoundAndTakeSeconds) {
  int tightened = 0;
  for (const models::ModelFile& model : models::real_models()) {
    onnx::ImportOptions import;
    import.input_shapes = model.shapes;
    const graph::Graph graph = onnx::import_model(model.path, import);
    for (const bool stream_io : {false, true}) {
      AnalysisOptions options;
      options.mode = Mode::kPipelined;
      options.stream_io = stream_io;
      const auto start = std::chrono::steady_clock::now();
      const std::optional<PipelinedPlan> plan = optimize_pipelined(graph, options);
      const double sizing = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ASSERT_TRUE(plan) << model.name;
      const VerifyReport report = verify_pipelined(graph, *plan, options);
      EXPECT_TRUE(report.ok) << model.name << ":\n" << all_errors(report);
      EXPECT_LE(plan->slowdown, options.max_slowdown + 1e-9) << model.name;
      EXPECT_LE(pipelined_lower_bound_bytes(graph, options), plan->fifo_bytes) << model.name;
      EXPECT_LT(sizing, 20.0) << model.name;
      ::testing::Test::RecordProperty(model.name + (stream_io ? "_stream_io" : ""),
                                      std::to_string(sizing) + " s, " + std::to_string(plan->fifo_bytes) + " bytes");
      // One row less in a FIFO of the critical cycle lengthens that cycle (or deadlocks): the
      // replay must see that the claimed period no longer holds.
      for (const Dependency& edge : plan->critical_cycle) {
        if (edge.kind != DependencyKind::kSpace) continue;
        PipelinedPlan tighter = *plan;
        tighter.capacity_rows[static_cast<size_t>(edge.channel)] -= 1;
        const VerifyReport smaller = verify_pipelined(graph, tighter, options);
        EXPECT_FALSE(smaller.ok) << model.name << ": one row less in " << graph.buffers[static_cast<size_t>(edge.channel)].name;
        ++tightened;
        break;
      }
    }
  }
  EXPECT_GT(tightened, 3);
}

}  // namespace
}  // namespace bufopt::analysis
