#include "bufopt/analysis/exact_search.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "analysis/small_graphs.h"
#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/baselines.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/verify.h"
#include "bufopt/dataflow/network.h"
#include "support/graph_builder.h"

namespace bufopt::analysis {
namespace {

using dataflow::Network;
using dataflow::NodeId;
using testing::GraphBuilder;

std::string all_errors(const VerifyReport& report) {
  std::string out;
  for (const std::string& line : report.errors) out += line + "\n";
  return out;
}

int64_t capacity_of(const std::vector<int64_t>& capacity_rows, graph::BufferId buffer) {
  return capacity_rows[static_cast<size_t>(buffer)];
}

// ---------------------------------------------------------------------------------------------
// Brute force: every complete order, replayed by a third, deliberately naive implementation.

/// Rows of channel c written once each node has fired counts[n] times.
int64_t written_rows(const Network& network, const std::vector<int64_t>& counts, size_t c) {
  const dataflow::Channel& channel = network.channels[c];
  if (channel.producer == dataflow::kNoNode) return channel.rows;
  const dataflow::Node& producer = network.nodes[static_cast<size_t>(channel.producer)];
  const int64_t done = counts[static_cast<size_t>(channel.producer)];
  for (const dataflow::OutputPort& port : producer.outputs) {
    if (static_cast<size_t>(port.channel) == c) return done == 0 ? 0 : port.written[static_cast<size_t>(done - 1)];
  }
  return 0;
}

/// Lowest release point over the readers of channel c (all rows when nobody reads).
int64_t lowest_release(const Network& network, const std::vector<int64_t>& counts, size_t c) {
  int64_t lowest = network.channels[c].rows;
  for (size_t n = 0; n < network.nodes.size(); ++n) {
    for (const dataflow::InputPort& port : network.nodes[n].inputs) {
      if (static_cast<size_t>(port.channel) != c) continue;
      lowest = std::min(lowest, counts[n] == 0 ? 0 : port.release[static_cast<size_t>(counts[n] - 1)]);
    }
  }
  return lowest;
}

bool enabled(const Network& network, const std::vector<int64_t>& counts, size_t n) {
  const dataflow::Node& node = network.nodes[n];
  const int64_t f = counts[n];
  if (f >= node.phases) return false;
  for (const dataflow::InputPort& port : node.inputs) {
    const dataflow::RowRange window = port.window[static_cast<size_t>(f)];
    const int64_t released = f == 0 ? 0 : port.release[static_cast<size_t>(f - 1)];
    if (window.size() == 0) continue;
    if (window.end > written_rows(network, counts, static_cast<size_t>(port.channel))) return false;
    if (window.begin < released) return false;
  }
  return true;
}

/// FIFO bytes and peak live bytes of one complete order (or their minima over `orders` orders).
struct OrderCosts {
  int64_t fifo_bytes = 0;
  int64_t peak_live_bytes = 0;
  int64_t orders = 1;
};

OrderCosts order_costs(const Network& network, const std::vector<NodeId>& order) {
  const size_t channels = network.channels.size();
  std::vector<int64_t> counts(network.nodes.size(), 0);
  std::vector<int64_t> capacity(channels, 0);
  std::vector<int64_t> first(channels, -1);
  std::vector<int64_t> last(channels, -1);
  for (size_t i = 0; i < order.size(); ++i) {
    const auto n = static_cast<size_t>(order[i]);
    std::vector<int64_t> after = counts;
    ++after[n];
    for (size_t c = 0; c < channels; ++c) {
      if (!network.channels[c].counted) continue;
      if (network.channels[c].producer == order[i]) {
        const int64_t before_rows = written_rows(network, counts, c);
        const int64_t during =
            written_rows(network, after, c) - std::min(lowest_release(network, counts, c), before_rows);
        capacity[c] = std::max(capacity[c], during);
        if (first[c] < 0) first[c] = static_cast<int64_t>(i);
      }
      const int64_t rows = network.channels[c].rows;
      const bool done = written_rows(network, after, c) == rows && lowest_release(network, after, c) == rows;
      if (done && last[c] < 0) last[c] = static_cast<int64_t>(i);
    }
    counts = after;
  }
  OrderCosts costs;
  for (size_t c = 0; c < channels; ++c) {
    if (network.channels[c].counted) costs.fifo_bytes += capacity[c] * network.channels[c].row_bytes;
  }
  for (size_t i = 0; i < order.size(); ++i) {
    int64_t live = 0;
    for (size_t c = 0; c < channels; ++c) {
      const auto at = static_cast<int64_t>(i);
      if (network.channels[c].counted && first[c] <= at && at <= last[c])
        live += capacity[c] * network.channels[c].row_bytes;
    }
    costs.peak_live_bytes = std::max(costs.peak_live_bytes, live);
  }
  return costs;
}

/// Minimum of both objectives over every complete order; nullopt when there are more than
/// `max_orders` orders.
std::optional<OrderCosts> brute_force(const Network& network, int64_t max_orders) {
  OrderCosts best{std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max()};
  int64_t orders = 0;
  std::vector<int64_t> counts(network.nodes.size(), 0);
  std::vector<NodeId> order;
  int64_t total = 0;
  for (const dataflow::Node& node : network.nodes) total += node.phases;
  std::function<bool()> extend = [&]() {
    if (static_cast<int64_t>(order.size()) == total) {
      const OrderCosts costs = order_costs(network, order);
      best.fifo_bytes = std::min(best.fifo_bytes, costs.fifo_bytes);
      best.peak_live_bytes = std::min(best.peak_live_bytes, costs.peak_live_bytes);
      return ++orders <= max_orders;
    }
    for (size_t n = 0; n < network.nodes.size(); ++n) {
      if (!enabled(network, counts, n)) continue;
      ++counts[n];
      order.push_back(static_cast<NodeId>(n));
      const bool go_on = extend();
      order.pop_back();
      --counts[n];
      if (!go_on) return false;
    }
    return true;
  };
  if (!extend() || orders == 0) return std::nullopt;
  best.orders = orders;
  return best;
}

// ---------------------------------------------------------------------------------------------
// MODEL section 8 values.

TEST(MinimumFifoSchedule, ChainOfTwo3x3ConvsNeedsThreeMiddleRows) {
  GraphBuilder builder;
  const graph::BufferId in = builder.input("in", 2, 9);
  const graph::BufferId middle = builder.conv("c1", in, 3, 3, 1, 1);
  builder.output(builder.conv("c2", middle, 2, 3, 1, 1));
  const graph::Graph graph = builder.build();
  const Network network = dataflow::build_network(graph, std::vector<int64_t>{1, 1}, {});
  const auto best = minimum_fifo_schedule(network);
  ASSERT_TRUE(best);
  EXPECT_EQ(capacity_of(best->capacity_rows, middle), 3);
  EXPECT_EQ(best->fifo_bytes, 3 * builder.buffer(middle).row_bytes());
  EXPECT_EQ(best->schedule.firings.size(), 18u);
}

/// x = 1x1 conv of the input; m stacked 3x3 p1 convs; Add(x, last conv).
struct Residual {
  graph::Graph graph;
  graph::BufferId x = 0;
  graph::BufferId last_conv = 0;
};

Residual residual_block(int m) {
  GraphBuilder builder;
  Residual block;
  block.x = builder.conv("x", builder.input("in", 2, 10), 4, 1);
  graph::BufferId current = block.x;
  for (int i = 0; i < m; ++i) current = builder.conv("c" + std::to_string(i), current, 4, 3, 1, 1);
  block.last_conv = current;
  builder.output(builder.elementwise("add", {block.x, current}));
  block.graph = builder.build();
  return block;
}

TEST(MinimumFifoSchedule, ResidualBlockSizesOfSpecSection8) {
  for (int m : {2, 3}) {
    const Residual block = residual_block(m);
    const std::vector<int64_t> ones(block.graph.actors.size(), 1);
    const auto best = minimum_fifo_schedule(dataflow::build_network(block.graph, ones, {}));
    ASSERT_TRUE(best) << "m=" << m;
    EXPECT_EQ(capacity_of(best->capacity_rows, block.x), std::max(3, m + 1)) << "m=" << m;
    EXPECT_EQ(capacity_of(best->capacity_rows, block.last_conv), 1) << "m=" << m;
  }
}

TEST(MinimumFifoSchedule, StridedReadersOfSpecSection8) {
  /// A strided reader's kernel and pad, and the rows its input buffer needs.
  struct Case {
    int64_t kernel;
    int64_t pad;
    int64_t rows;
  };
  for (const Case& c : {Case{3, 1, 3}, Case{1, 0, 1}}) {
    GraphBuilder builder;
    const graph::BufferId produced = builder.conv("p", builder.input("in", 1, 12), 2, 1);
    builder.output(builder.conv("s", produced, 2, c.kernel, 2, c.pad));
    const graph::Graph graph = builder.build();
    const auto best = minimum_fifo_schedule(dataflow::build_network(graph, std::vector<int64_t>{1, 1}, {}));
    ASSERT_TRUE(best);
    EXPECT_EQ(capacity_of(best->capacity_rows, produced), c.rows) << "kernel " << c.kernel;
  }
}

TEST(MinimumFifoSchedule, LayerByLayerHoldsWholeTensors) {
  testing::SmallGraphGenerator generator(7, 5, 12);
  for (int i = 0; i < 20; ++i) {
    const graph::Graph graph = generator.next();
    std::vector<int64_t> whole;
    for (size_t a = 0; a < graph.actors.size(); ++a)
      whole.push_back(dataflow::output_rows(graph, static_cast<graph::ActorId>(a)));
    // Graph I/O held by the application: a streamed input may drop rows no reader reads.
    const Network network = dataflow::build_network(graph, whole, {false});
    const auto best = minimum_fifo_schedule(network);
    ASSERT_TRUE(best);
    int64_t tensors = 0;
    for (const graph::Buffer& buffer : graph.buffers) {
      if (buffer.io == graph::IoRole::kNone) tensors += buffer.tensor_bytes();
    }
    EXPECT_EQ(best->fifo_bytes, tensors) << "graph " << i;
  }
}

// ---------------------------------------------------------------------------------------------
// Exactness against brute force on tiny graphs.

TEST(ExactSearch, MatchesBruteForceOverEveryOrder) {
  testing::SmallGraphGenerator generator(99, 4, 6);
  int compared = 0;
  int64_t orders = 0;
  for (int i = 0; i < 150; ++i) {
    const graph::Graph graph = generator.next();
    // Mostly one row per firing: the most orders to tell apart.
    const std::vector<int64_t> granularity =
        i % 3 == 0 ? generator.granularity(graph) : std::vector<int64_t>(graph.actors.size(), 1);
    const Network network = dataflow::build_network(graph, granularity, {i % 2 == 0});
    const auto truth = brute_force(network, 200'000);
    if (!truth) continue;
    ++compared;
    orders += truth->orders;
    const auto fifo = minimum_fifo_schedule(network);
    const auto peak = minimum_peak_schedule(network);
    ASSERT_TRUE(fifo && peak) << "graph " << i;
    EXPECT_EQ(fifo->fifo_bytes, truth->fifo_bytes) << "graph " << i;
    EXPECT_EQ(order_costs(network, fifo->schedule.firings).fifo_bytes, fifo->fifo_bytes) << "graph " << i;
    EXPECT_EQ(peak->peak_live_bytes, truth->peak_live_bytes) << "graph " << i;
    EXPECT_EQ(order_costs(network, peak->schedule.firings).peak_live_bytes, peak->peak_live_bytes) << "graph " << i;
  }
  ::testing::Test::RecordProperty("graphs_compared", compared);
  ::testing::Test::RecordProperty("orders_enumerated", std::to_string(orders));
  EXPECT_GE(compared, 100);
  EXPECT_GE(orders, 100 * compared);  // not only trivial graphs
}

TEST(ExactSearch, GivesUpBeyondTheLabelLimit) {
  GraphBuilder builder;
  graph::BufferId current = builder.input("in", 1, 12);
  for (int i = 0; i < 5; ++i) current = builder.conv("c" + std::to_string(i), current, 1, 3, 1, 1);
  builder.output(current);
  const graph::Graph graph = builder.build();
  const Network network = dataflow::build_network(graph, std::vector<int64_t>(5, 1), {});
  ExactSearchLimits limits;
  limits.max_labels = 50;
  EXPECT_FALSE(minimum_fifo_schedule(network, limits));
  EXPECT_TRUE(minimum_fifo_schedule(network));
}

// ---------------------------------------------------------------------------------------------
// Against the demand-driven scheduler.

TEST(ExactSearch, NeverWorseThanPullScheduleAndVerifies) {
  testing::SmallGraphGenerator generator(424242, 5, 12);
  AnalysisOptions options;
  options.max_slowdown = 1000;
  int graphs = 0;
  int better = 0;
  double ratio_sum = 0;
  double worst_ratio = 1;
  for (int i = 0; i < 200; ++i) {
    const graph::Graph graph = generator.next();
    options.stream_io = i % 4 == 0;
    const std::vector<int64_t> granularity = generator.granularity(graph);
    const Evaluation pull = evaluate_plan(graph, granularity, options);
    const auto exact = minimum_fifo_schedule(pull.network);
    if (!exact) continue;
    ++graphs;
    EXPECT_LE(exact->fifo_bytes, pull.fifo_bytes) << "graph " << i;
    const Evaluation replayed = evaluate_schedule(graph, granularity, exact->schedule, options);
    EXPECT_EQ(replayed.fifo_bytes, exact->fifo_bytes) << "graph " << i;
    const VerifyReport report = verify(graph, replayed, options);
    EXPECT_TRUE(report.ok) << "graph " << i << ":\n" << all_errors(report);
    if (exact->fifo_bytes < pull.fifo_bytes) ++better;
    const double ratio =
        exact->fifo_bytes > 0 ? static_cast<double>(pull.fifo_bytes) / static_cast<double>(exact->fifo_bytes) : 1.0;
    ratio_sum += ratio;
    worst_ratio = std::max(worst_ratio, ratio);
  }
  ASSERT_GT(graphs, 150);
  const std::string summary = fmt::format(
      "pull vs exact FIFO bytes over {} graphs: exact strictly smaller on {}, mean pull/exact {:.4f}, worst {:.4f}",
      graphs, better, ratio_sum / graphs, worst_ratio);
  std::cout << summary << "\n";
  ::testing::Test::RecordProperty("pull_vs_exact_fifo", summary);
}

// ---------------------------------------------------------------------------------------------
// The minimum arena over granularities and orders.

/// Brute force of minimum_arena_plan's peak: every granularity vector within the bound, every order.
std::optional<int64_t> brute_force_min_peak(const graph::Graph& graph, const AnalysisOptions& options) {
  const double baseline = [&] {
    double t = 0;
    for (const graph::Actor& actor : graph.actors) {
      t += static_cast<double>(actor.macs) / options.platform.macs_per_s +
           static_cast<double>(actor.elementwise_ops) / options.platform.elems_per_s +
           options.platform.firing_overhead_s;
    }
    return t;
  }();
  std::vector<int64_t> rows;
  for (size_t a = 0; a < graph.actors.size(); ++a)
    rows.push_back(dataflow::output_rows(graph, static_cast<graph::ActorId>(a)));
  std::vector<int64_t> granularity(graph.actors.size(), 1);
  int64_t best = std::numeric_limits<int64_t>::max();
  for (;;) {
    double extra = 0;
    for (size_t a = 0; a < rows.size(); ++a) {
      const int64_t g = dataflow::effective_granularity(graph, static_cast<graph::ActorId>(a), granularity[a]);
      extra += static_cast<double>((rows[a] + g - 1) / g - 1) * options.platform.firing_overhead_s;
    }
    if ((baseline + extra) / baseline <= options.max_slowdown + 1e-9) {
      const auto costs = brute_force(dataflow::build_network(graph, granularity, {options.stream_io}), 100'000);
      if (!costs) return std::nullopt;
      best = std::min(best, costs->peak_live_bytes);
    }
    size_t a = 0;
    while (a < rows.size() && ++granularity[a] > rows[a]) granularity[a++] = 1;
    if (a == rows.size()) break;
  }
  return best;
}

/// A slow platform on which each extra firing costs about 1% of a small graph's time, and a
/// random slowdown bound from "no extra firing" to "any granularity".
AnalysisOptions random_bound(testing::SmallGraphGenerator& generator) {
  AnalysisOptions options;
  options.platform.macs_per_s = 1e6;
  options.platform.elems_per_s = 1e6;
  options.platform.firing_overhead_s = 1e-6;
  const double bounds[] = {1.0, 1.01, 1.03, 1.1, 1.3, 100.0};
  options.max_slowdown = bounds[generator.pick(0, 5)];
  return options;
}

TEST(MinimumArenaPlan, MatchesBruteForceOnTinyGraphs) {
  testing::SmallGraphGenerator generator(31337, 3, 4);
  int compared = 0;
  int64_t plans = 0;
  for (int i = 0; i < 40; ++i) {
    const graph::Graph graph = generator.next();
    AnalysisOptions options = random_bound(generator);
    options.stream_io = i % 2 == 1;
    const auto truth = brute_force_min_peak(graph, options);
    if (!truth) continue;
    ++compared;
    const auto plan = minimum_arena_plan(graph, options);
    ASSERT_TRUE(plan) << "graph " << i;
    EXPECT_EQ(plan->peak_live_bytes, *truth) << "graph " << i;
    EXPECT_GE(plan->arena.size, plan->peak_live_bytes) << "graph " << i;
    plans += plan->plans_searched;
  }
  EXPECT_GE(compared, 25);
  EXPECT_GT(plans, 2 * compared);  // the bounds let several granularity vectors through
}

TEST(MinimumArenaPlan, WholeTensorsWhenNoExtraFiringIsAllowed) {
  testing::SmallGraphGenerator generator(5, 5, 12);
  AnalysisOptions options;
  options.max_slowdown = 1.0;
  for (int i = 0; i < 20; ++i) {
    const graph::Graph graph = generator.next();
    const auto plan = minimum_arena_plan(graph, options);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->plans_searched, 1);
    for (size_t a = 0; a < graph.actors.size(); ++a) {
      EXPECT_EQ(plan->granularity[a], dataflow::output_rows(graph, static_cast<graph::ActorId>(a)));
    }
    // The model's node order is one of the orders searched.
    EXPECT_LE(plan->peak_live_bytes, whole_tensor_baselines(graph, false).live_peak_bytes) << "graph " << i;
  }
}

/// The exact plan, replayed and placed as the exact search says, passes the verifier.
TEST(MinimumArenaPlan, PlanVerifiesAndBoundsTheOptimizer) {
  testing::SmallGraphGenerator generator(2718, 4, 8);
  int graphs = 0;
  int optimal_arena = 0;
  int optimizer_at_optimum = 0;
  double gap_sum = 0;
  double worst_gap = 1;
  for (int i = 0; i < 40; ++i) {
    const graph::Graph graph = generator.next();
    AnalysisOptions options = random_bound(generator);
    options.stream_io = i % 3 == 0;
    const auto plan = minimum_arena_plan(graph, options);
    if (!plan) continue;
    ++graphs;
    Evaluation evaluation = evaluate_schedule(graph, plan->granularity, plan->schedule, options);
    EXPECT_EQ(evaluation.usage.capacity_rows, plan->capacity_rows) << "graph " << i;
    evaluation.arena = plan->arena;
    const VerifyReport report = verify(graph, evaluation, options);
    EXPECT_TRUE(report.ok) << "graph " << i << ":\n" << all_errors(report);

    const AnalysisResult result = analyze(graph, options);
    EXPECT_GE(result.evaluation.shared_bytes(), plan->peak_live_bytes) << "graph " << i;
    EXPECT_LE(result.lower_bound_bytes, plan->peak_live_bytes) << "graph " << i;
    if (plan->arena_is_optimal) {
      ++optimal_arena;
      const double gap = static_cast<double>(result.evaluation.shared_bytes()) / static_cast<double>(plan->arena.size);
      if (result.evaluation.shared_bytes() == plan->arena.size) ++optimizer_at_optimum;
      gap_sum += gap;
      worst_gap = std::max(worst_gap, gap);
    }
  }
  ASSERT_GT(graphs, 30);
  const std::string summary = fmt::format(
      "optimizer shared_bytes vs exact minimum arena: {} graphs, {} with a proven optimal arena, optimizer at the "
      "optimum on {}, mean ratio {:.4f}, worst {:.4f}",
      graphs, optimal_arena, optimizer_at_optimum, optimal_arena ? gap_sum / optimal_arena : 1.0, worst_gap);
  std::cout << summary << "\n";
  ::testing::Test::RecordProperty("optimizer_vs_exact_arena", summary);
}

// ---------------------------------------------------------------------------------------------
// Placement.

/// Smallest arena by trying every offset in [0, total) for every request.
int64_t brute_force_arena(const std::vector<ArenaRequest>& requests) {
  int64_t total = 0;
  for (const ArenaRequest& request : requests) total += request.size;
  std::vector<int64_t> offsets(requests.size(), 0);
  int64_t best = total;
  std::function<void(size_t, int64_t)> place = [&](size_t i, int64_t extent) {
    if (extent >= best) return;
    if (i == requests.size()) {
      best = extent;
      return;
    }
    for (int64_t offset = 0; offset + requests[i].size <= total; ++offset) {
      bool free = true;
      for (size_t j = 0; j < i && free; ++j) {
        free = !(requests[j].lifetime.overlaps(requests[i].lifetime) && offset < offsets[j] + requests[j].size &&
                 offsets[j] < offset + requests[i].size);
      }
      if (!free) continue;
      offsets[i] = offset;
      place(i + 1, std::max(extent, offset + requests[i].size));
    }
  };
  place(0, 0);
  return best;
}

TEST(BestFirstFitPlacement, OptimalOnSmallInstances) {
  testing::SmallGraphGenerator random(8, 1, 1);
  int beat_largest_first = 0;
  for (int i = 0; i < 300; ++i) {
    std::vector<ArenaRequest> requests(static_cast<size_t>(random.pick(1, 5)));
    for (ArenaRequest& request : requests) {
      request.size = random.pick(1, 4);
      request.lifetime.first = random.pick(0, 5);
      request.lifetime.last = request.lifetime.first + random.pick(0, 3);
    }
    const ArenaPlan best = best_first_fit_placement(requests, 8);
    EXPECT_EQ(best.size, brute_force_arena(requests)) << "instance " << i;
    for (size_t a = 0; a < requests.size(); ++a) {
      EXPECT_LE(best.offsets[a] + requests[a].size, best.size);
      for (size_t b = a + 1; b < requests.size(); ++b) {
        const bool collide = best.offsets[a] < best.offsets[b] + requests[b].size &&
                             best.offsets[b] < best.offsets[a] + requests[a].size;
        EXPECT_FALSE(requests[a].lifetime.overlaps(requests[b].lifetime) && collide) << "instance " << i;
      }
    }
    if (best.size < best_first_fit_placement(requests, 0).size) ++beat_largest_first;
  }
  ::testing::Test::RecordProperty("instances_where_largest_first_is_worse", beat_largest_first);
}

}  // namespace
}  // namespace bufopt::analysis
