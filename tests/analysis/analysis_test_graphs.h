#pragma once
/// Small graphs and helpers shared by the analysis tests (MODEL 8 shapes).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bufopt/analysis/buffer_usage.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/schedule.h"
#include "bufopt/dataflow/network.h"
#include "support/graph_builder.h"

namespace bufopt::analysis::test {

/// A graph plus the ids of the buffers a test looks at.
struct TestGraph {
  graph::Graph graph;
  std::vector<graph::BufferId> buffers;  ///< meaning depends on the builder below
};

/// input -> Conv3x3/s1/p1 -> Conv3x3/s1/p1 -> output. buffers = {input, middle, output}.
inline TestGraph conv_chain(int64_t rows) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 2, rows, 5);
  const auto mid = builder.conv("c1", in, 3, 3, 1, 1);
  const auto out = builder.conv("c2", mid, 2, 3, 1, 1);
  builder.output(out);
  return {builder.build(), {in, mid, out}};
}

/// input -> Conv1x1 (writes one row per firing) -> `kernel`x`kernel` conv with `stride` and
/// `pad` -> output. buffers = {input, between, output}.
inline TestGraph strided_pair(int64_t rows, int64_t kernel, int64_t stride, int64_t pad) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 2, rows, 4);
  const auto between = builder.conv("producer", in, 3, 1);
  const auto out = builder.conv("strided", between, 2, kernel, stride, pad);
  builder.output(out);
  return {builder.build(), {in, between, out}};
}

/// x = Conv1x1(input); `m` stacked Conv3x3/s1/p1 on x; Add(x, last) (or Add(last, x) when
/// `branch_first`) -> output. buffers = {x, last conv output, add output}.
inline TestGraph residual(int64_t rows, int m, bool branch_first = false) {
  testing::GraphBuilder builder;
  const auto in = builder.input("in", 2, rows, 4);
  const auto x = builder.conv("x", in, 3, 1);
  auto branch = x;
  for (int i = 0; i < m; ++i) branch = builder.conv("b" + std::to_string(i), branch, 3, 3, 1, 1);
  const auto sum = builder.elementwise("add", branch_first ? std::vector{branch, x} : std::vector{x, branch});
  builder.output(sum);
  return {builder.build(), {x, branch, sum}};
}

/// A random model: convs (kernel 1/3/5, stride 1/2), residual blocks, two-branch Concats, the
/// odd barrier, and sometimes a second graph output taken from the middle.
inline graph::Graph random_model(std::mt19937& random) {
  const auto pick = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };
  testing::GraphBuilder builder;
  auto current = builder.input("in", pick(1, 3), pick(6, 20), 3);
  const int64_t layers = pick(2, 6);
  graph::BufferId side_output = -1;
  for (int64_t layer = 0; layer < layers; ++layer) {
    const std::string name = "l" + std::to_string(layer);
    const int64_t channels = pick(1, 6);
    const int64_t kind = pick(0, 5);
    const int64_t height = builder.buffer(current).shape[2];
    if (kind == 3 && height >= 3) {
      const auto x = builder.conv(name + "x", current, channels, 1);
      auto branch = x;
      const int64_t m = pick(1, 3);
      for (int64_t i = 0; i < m; ++i) branch = builder.conv(name + "b" + std::to_string(i), branch, channels, 3, 1, 1);
      current = builder.elementwise(name + "add", {x, branch});
    } else if (kind == 4) {
      const auto left = builder.conv(name + "l", current, channels, 3, 1, 1);
      const auto right = builder.conv(name + "r", builder.conv(name + "r0", current, channels, 1), pick(1, 4), 3, 1, 1);
      current = builder.elementwise(name + "cat", {left, right}, true);
    } else if (kind == 5 && layer > 0) {
      current = builder.barrier(name, current, pick(1, height));
    } else {
      const int64_t kernel = std::vector<int64_t>{1, 3, 5}[static_cast<size_t>(kind % 3)];
      const int64_t stride = height >= 8 ? pick(1, 2) : 1;
      current = builder.conv(name, current, channels, kernel, stride, kernel / 2);
    }
    if (side_output < 0 && layer + 1 < layers && pick(0, 5) == 0) side_output = current;
  }
  if (side_output >= 0) builder.output(side_output);
  builder.output(current);
  return builder.build();
}

/// A random granularity in [1, output rows] for every actor.
inline std::vector<int64_t> random_granularity(const graph::Graph& graph, std::mt19937& random) {
  std::vector<int64_t> granularity(graph.actors.size());
  for (size_t a = 0; a < granularity.size(); ++a) {
    const int64_t rows = dataflow::output_rows(graph, static_cast<graph::ActorId>(a));
    granularity[a] = std::uniform_int_distribution<int64_t>(1, rows)(random);
  }
  return granularity;
}

/// Granularity `g` for every actor.
inline std::vector<int64_t> uniform(const graph::Graph& graph, int64_t g) {
  return std::vector<int64_t>(graph.actors.size(), g);
}

/// Demand-driven usage of `graph` at the given granularities.
inline BufferUsage pull_usage(const graph::Graph& graph, const std::vector<int64_t>& granularity,
                              bool stream_io = false) {
  const dataflow::Network network = dataflow::build_network(graph, granularity, {.stream_io = stream_io});
  return measure_usage(network, smallest_arena_pull_schedule(network));
}

/// Options on the cpu preset with a generous slowdown bound.
inline AnalysisOptions loose_options() {
  AnalysisOptions options;
  options.max_slowdown = 1e9;
  return options;
}

}  // namespace bufopt::analysis::test
