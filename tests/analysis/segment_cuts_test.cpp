// The segment plans (segment_schedule.h) and the segment-cut programme (segment_cuts.h).
#include "bufopt/analysis/segment_cuts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "analysis/small_graphs.h"
#include "bufopt/analysis/arena.h"
#include "bufopt/analysis/buffer_usage.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/segment_schedule.h"
#include "bufopt/analysis/verify.h"
#include "bufopt/dataflow/network.h"
#include "support/graph_builder.h"

namespace bufopt::analysis {
namespace {

using dataflow::NodeId;

/// in (12 rows) -> c0 3x3 p1 -> c1 3x3 p1 -> c2 3x3 p1 -> out.
graph::Graph chain_of_three() {
  testing::GraphBuilder builder;
  graph::BufferId current = builder.input("in", 1, 12);
  for (int i = 0; i < 3; ++i) current = builder.conv("c" + std::to_string(i), current, 2, 3, 1, 1);
  builder.output(current);
  return builder.build();
}

TEST(SegmentSchedule, RunsEachSegmentToItsEndAndHoldsTheCutTensorWhole) {
  const graph::Graph graph = chain_of_three();
  const dataflow::Network network = dataflow::build_network(graph, std::vector<int64_t>{1, 1, 1}, {});
  const Schedule schedule = segment_schedule(network, std::vector<int32_t>{0, 0, 1});
  ASSERT_EQ(schedule.firings.size(), 36u);
  const auto first_c2 = std::find(schedule.firings.begin(), schedule.firings.end(), NodeId{2});
  EXPECT_EQ(first_c2 - schedule.firings.begin(), 24);  // c0 and c1 complete first
  const BufferUsage usage = measure_usage(network, schedule);
  EXPECT_EQ(usage.capacity_rows[static_cast<size_t>(graph.actors[0].outputs[0])], 3);   // streamed
  EXPECT_EQ(usage.capacity_rows[static_cast<size_t>(graph.actors[1].outputs[0])], 12);  // crosses the cut
}

TEST(SegmentSchedule, RefusesSegmentsAgainstTheGraphOrder) {
  const graph::Graph graph = chain_of_three();
  const dataflow::Network network = dataflow::build_network(graph, std::vector<int64_t>{1, 1, 1}, {});
  EXPECT_THROW(segment_schedule(network, std::vector<int32_t>{0, 1, 0}), std::invalid_argument);
  EXPECT_THROW(segment_schedule(network, std::vector<int32_t>{0, 1}), std::invalid_argument);
}

/// The firings of nodes whose segment-free position is below `end` (actors < end, their
/// sources and sinks), in order.
std::vector<NodeId> restricted(const dataflow::Network& network, const std::vector<NodeId>& firings, size_t actors,
                               size_t end) {
  std::vector<int32_t> one_each(actors);
  for (size_t a = 0; a < actors; ++a) one_each[a] = static_cast<int32_t>(a);
  const std::vector<int32_t> position = node_segments(network, one_each);
  std::vector<NodeId> kept;
  for (NodeId n : firings) {
    if (static_cast<size_t>(position[static_cast<size_t>(n)]) < end) kept.push_back(n);
  }
  return kept;
}

// The property the programme relies on: the eager order of the first j actors is the eager
// order of all of them with the others' firings removed.
TEST(EagerOrder, APrefixOfActorsKeepsItsOrder) {
  testing::SmallGraphGenerator generator(77, 6, 12);
  for (int g = 0; g < 40; ++g) {
    const graph::Graph graph = generator.next();
    const size_t actors = graph.actors.size();
    const dataflow::Network network =
        dataflow::build_network(graph, generator.granularity(graph), {.stream_io = g % 2 == 0});
    std::vector<int32_t> one_each(actors);
    for (size_t a = 0; a < actors; ++a) one_each[a] = static_cast<int32_t>(a);
    const std::vector<int32_t> position = node_segments(network, one_each);
    auto eager = [&](size_t end) {
      EagerOrder order(network);
      std::vector<char> member(network.nodes.size(), 0);
      for (size_t n = 0; n < member.size(); ++n) member[n] = static_cast<size_t>(position[n]) < end ? 1 : 0;
      std::vector<NodeId> firings;
      order.run(member, [&](NodeId n) {
        firings.push_back(n);
        return true;
      });
      return firings;
    };
    const std::vector<NodeId> all = eager(actors);
    for (size_t end = 1; end < actors; ++end) {
      EXPECT_EQ(eager(end), restricted(network, all, actors, end)) << "graph " << g << ", first " << end << " actors";
    }
  }
}

int64_t extra_firings(const Evaluation& evaluation) {
  int64_t extra = 0;
  for (int64_t phases : evaluation.phases()) extra += phases - 1;
  return extra;
}

// Every plan the programme returns replays to exactly its claimed peak of live bytes (the
// incremental measurement equals a plain replay of the plan's whole order), fits its budget
// and passes the verifier.
TEST(SegmentCuts, PlansReplayToTheirClaimedPeak) {
  testing::SmallGraphGenerator generator(2024, 7, 16);
  int plans = 0;
  int with_cuts = 0;
  for (int g = 0; g < 60; ++g) {
    const graph::Graph graph = generator.next();
    AnalysisOptions options;
    options.stream_io = g % 3 == 0;
    const SegmentCuts cuts(graph, options.stream_io);
    for (int64_t budget : {int64_t{0}, int64_t{5}, int64_t{20}, int64_t{1} << 40}) {
      for (const SegmentPlan& plan : cuts.best_within(budget, 3)) {
        ++plans;
        with_cuts += plan.segment.empty() || plan.segment.back() == 0 ? 0 : 1;
        const dataflow::Network network =
            dataflow::build_network(graph, plan.granularity, {.stream_io = options.stream_io});
        const Schedule schedule = segment_schedule(network, plan.segment);
        const Evaluation evaluation = evaluate_schedule(graph, plan.granularity, schedule, options);
        EXPECT_EQ(peak_live_bytes(channel_requests(evaluation.network, evaluation.usage)), plan.peak_bytes)
            << "graph " << g << ", budget " << budget;
        EXPECT_EQ(extra_firings(evaluation), plan.extra_firings) << "graph " << g;
        EXPECT_LE(plan.extra_firings, budget) << "graph " << g;
        AnalysisOptions unbounded = options;
        unbounded.max_slowdown = 1e9;
        EXPECT_TRUE(verify(graph, evaluation, unbounded).ok) << "graph " << g;
      }
    }
  }
  EXPECT_GT(plans, 150);
  EXPECT_GT(with_cuts, 20);  // not only one-segment plans
}

// More budget never gives a larger peak, and no extra firing gives layer by layer's plan.
TEST(SegmentCuts, PeakNeverGrowsWithTheBudget) {
  testing::SmallGraphGenerator generator(99, 8, 24);
  for (int g = 0; g < 30; ++g) {
    const graph::Graph graph = generator.next();
    const SegmentCuts cuts(graph, false);
    int64_t previous = cuts.best_within(0, 1).front().peak_bytes;
    EXPECT_EQ(cuts.best_within(0, 1).front().extra_firings, 0);
    for (int64_t budget : {1, 3, 10, 30, 100, 1000}) {
      const int64_t peak = cuts.best_within(budget, 1).front().peak_bytes;
      EXPECT_LE(peak, previous) << "graph " << g << ", budget " << budget;
      previous = peak;
    }
  }
}

}  // namespace
}  // namespace bufopt::analysis
