#include "bufopt/analysis/evaluate.h"

#include <gtest/gtest.h>

#include "analysis/analysis_test_graphs.h"
#include "bufopt/analysis/baselines.h"
#include "bufopt/analysis/plan_policy.h"
#include "bufopt/analysis/time_model.h"

namespace bufopt::analysis {
namespace {

size_t at(graph::BufferId id) {
  return static_cast<size_t>(id);
}

TEST(EvaluatePlan, FiguresAgreeWithEachOther) {
  const auto block = test::residual(10, 3);
  const AnalysisOptions options = test::loose_options();
  const Evaluation evaluation = evaluate_plan(block.graph, test::uniform(block.graph, 1), options);
  ASSERT_EQ(evaluation.phases().size(), block.graph.actors.size());
  int64_t fifo = 0;
  for (size_t c = 0; c < evaluation.network.channels.size(); ++c) {
    fifo += evaluation.usage.capacity_rows[c] * evaluation.network.channels[c].row_bytes;
  }
  EXPECT_EQ(evaluation.fifo_bytes, fifo);
  EXPECT_EQ(evaluation.shared_bytes(), evaluation.arena.size);
  EXPECT_EQ(evaluation.phases(), (std::vector<int64_t>(block.graph.actors.size(), 10)));
  EXPECT_DOUBLE_EQ(evaluation.time_s, sequential_time_seconds(block.graph, evaluation.phases(), options.platform));
  EXPECT_DOUBLE_EQ(evaluation.baseline_time_s, baseline_time_seconds(block.graph, options.platform));
  EXPECT_DOUBLE_EQ(evaluation.slowdown, evaluation.time_s / evaluation.baseline_time_s);
  EXPECT_GT(evaluation.slowdown, 1.0);
  // MODEL 8 through the whole evaluation: skip buffer m + 1 rows, branch end 1 row.
  EXPECT_EQ(evaluation.usage.capacity_rows[at(block.buffers[0])], 4);
  EXPECT_EQ(evaluation.usage.capacity_rows[at(block.buffers[1])], 1);
}

TEST(EvaluatePlan, ClampsGranularities) {
  const auto chain = test::conv_chain(6);
  const Evaluation evaluation = evaluate_plan(chain.graph, std::vector<int64_t>{0, 50}, test::loose_options());
  EXPECT_EQ(evaluation.granularity(), (std::vector<int64_t>{1, 6}));
  EXPECT_EQ(evaluation.phases(), (std::vector<int64_t>{6, 1}));
  EXPECT_THROW(evaluate_plan(chain.graph, std::vector<int64_t>{1}, test::loose_options()), std::invalid_argument);
}

// MODEL 8: layer by layer, the FIFO sum is the sum of the (counted) tensor sizes.
TEST(EvaluatePlan, LayerByLayerFifoSumIsTheTensorSum) {
  for (bool stream_io : {false, true}) {
    const auto block = test::residual(9, 2);
    AnalysisOptions options = test::loose_options();
    options.stream_io = stream_io;
    const Evaluation evaluation = evaluate_plan(block.graph, layer_by_layer_granularity(block.graph), options);
    int64_t tensors = 0;
    for (const graph::Buffer& buffer : block.graph.buffers) {
      if (buffer.io == graph::IoRole::kNone || stream_io) tensors += buffer.tensor_bytes();
    }
    EXPECT_EQ(evaluation.fifo_bytes, tensors);
    EXPECT_DOUBLE_EQ(evaluation.slowdown, 1.0);
  }
}

// MODEL 5: with a firing overhead, R = 1 allows no extra phase: fifo_bytes == baseline_bytes and
// the arena is no larger than the baselines' layer-by-layer arena.
TEST(EvaluatePlan, NoSlowdownMeansWholeTensors) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 3, 16, 8);
  const auto a = builder.conv("a", in, 8, 3, 2, 1);
  const auto b = builder.conv("b", a, 8, 3, 1, 1);
  const auto c = builder.conv("c", b, 8, 1);
  const auto d = builder.elementwise("add", {a, c});
  const auto e = builder.conv("e", d, 4, 3, 1, 1);
  builder.output(builder.barrier("head", e, 1));
  const graph::Graph graph = builder.build();
  for (bool stream_io : {false, true}) {
    AnalysisOptions options;
    options.max_slowdown = 1.0;
    options.stream_io = stream_io;
    ASSERT_GT(options.platform.firing_overhead_s, 0);
    const Evaluation evaluation = evaluate_plan(graph, simple_policy_granularity(graph, options), options);
    const Baselines baselines = whole_tensor_baselines(graph, stream_io);
    EXPECT_EQ(evaluation.fifo_bytes, baselines.baseline_bytes);
    EXPECT_LE(evaluation.shared_bytes(), baselines.baseline_shared_bytes);
    EXPECT_DOUBLE_EQ(evaluation.slowdown, 1.0);
  }
}

TEST(EvaluateSchedule, MeasuresTheGivenOrder) {
  const auto chain = test::conv_chain(5);
  const auto granularity = test::uniform(chain.graph, 1);
  const dataflow::Network network = dataflow::build_network(chain.graph, granularity, {});
  // c1 whole, then c2 whole: the middle buffer holds all 5 rows.
  const Schedule whole = node_by_node_schedule(network);
  const Evaluation evaluation = evaluate_schedule(chain.graph, granularity, whole, test::loose_options());
  EXPECT_EQ(evaluation.schedule.firings, whole.firings);
  EXPECT_EQ(evaluation.usage.capacity_rows[at(chain.buffers[1])], 5);
  EXPECT_EQ(evaluation.fifo_bytes, chain.graph.buffers[at(chain.buffers[1])].tensor_bytes());
  // The plan's own order is better: 3 rows.
  EXPECT_EQ(evaluate_plan(chain.graph, granularity, test::loose_options()).usage.capacity_rows[at(chain.buffers[1])],
            3);
  const Schedule broken{{1, 0, 0, 0, 0, 0, 1, 1, 1, 1}};
  EXPECT_THROW(evaluate_schedule(chain.graph, granularity, broken, test::loose_options()), std::logic_error);
}

}  // namespace
}  // namespace bufopt::analysis
