#pragma once
/// Random small graphs (chains, branches, residual blocks, the odd barrier) for the verifier
/// and exact-search tests.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bufopt/dataflow/network.h"
#include "bufopt/graph/graph.h"
#include "support/graph_builder.h"

namespace bufopt::testing {

/// Builds random graphs of at most `max_actors` actors whose heights are at most `max_rows`.
class SmallGraphGenerator {
 public:
  SmallGraphGenerator(uint32_t seed, int max_actors, int64_t max_rows)
      : rng_(seed), max_actors_(max_actors), max_rows_(max_rows) {}

  graph::Graph next() {
    GraphBuilder builder;
    names_ = 0;
    graph::BufferId current = builder.input("in", pick(1, 3), pick(3, max_rows_));
    int actors = 0;
    while (actors < max_actors_) {
      const int remaining = max_actors_ - actors;
      const int64_t pattern = actors == 0 ? 0 : pick(0, 4);
      if (pattern == 1 && remaining >= 2) {
        // Residual block: m stride-1 "same" convs, then Add with the block input.
        const int64_t m = pick(1, std::min(3, remaining - 1));
        const graph::BufferId block_input = current;
        for (int64_t i = 0; i < m; ++i) current = same_conv(builder, current, 1);
        current = builder.elementwise(name(), {block_input, current});
        actors += static_cast<int>(m) + 1;
      } else if (pattern == 2 && remaining >= 3) {
        // Two branches of equal height joined by a channel Concat.
        const int64_t stride = pick(1, 2);
        const graph::BufferId left = same_conv(builder, current, stride);
        const graph::BufferId right = same_conv(builder, current, stride);
        current = builder.elementwise(name(), {left, right}, true);
        actors += 3;
      } else if (pattern == 3 && pick(0, 3) == 0) {
        current = builder.barrier(name(), current, pick(1, max_rows_));
        ++actors;
      } else {
        current = random_conv(builder, current);
        ++actors;
      }
    }
    builder.output(current);
    return builder.build();
  }

  /// A random granularity per actor in [1, output rows].
  std::vector<int64_t> granularity(const graph::Graph& graph) {
    std::vector<int64_t> result;
    for (size_t a = 0; a < graph.actors.size(); ++a) {
      result.push_back(pick(1, dataflow::output_rows(graph, static_cast<graph::ActorId>(a))));
    }
    return result;
  }

  int64_t pick(int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(rng_); }

 private:
  std::string name() { return "a" + std::to_string(names_++); }

  graph::BufferId random_conv(GraphBuilder& builder, graph::BufferId in) {
    const int64_t in_rows = builder.buffer(in).shape[2];
    for (;;) {
      const int64_t kernel = pick(1, 5);
      const int64_t stride = pick(1, 3);
      const int64_t dilation = kernel > 1 && pick(0, 4) == 0 ? 2 : 1;
      const int64_t pad = pick(0, kernel / 2);
      const int64_t k_eff = dilation * (kernel - 1) + 1;
      if (in_rows + 2 * pad >= k_eff) {
        return builder.conv(name(), in, pick(1, 3), kernel, stride, pad, dilation);
      }
    }
  }

  graph::BufferId same_conv(GraphBuilder& builder, graph::BufferId in, int64_t stride) {
    const int64_t kernel = pick(0, 1) == 0 ? 1 : 3;
    return builder.conv(name(), in, pick(1, 3), kernel, stride, kernel / 2);
  }

  std::mt19937 rng_;
  int max_actors_;
  int64_t max_rows_;
  int names_ = 0;
};

}  // namespace bufopt::testing
