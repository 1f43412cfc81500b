// The optimizer against the true optimum on small graphs (issue 13): on random graphs of 2-5
// actors and at most 12 rows, at slowdown bounds from "no extra firing" to "any granularity",
// optimize()'s arena equals exact_search's minimum arena on at least 95% of the graphs whose
// optimum is proven, and is never more than 1.25 times it. The distribution is printed.
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "analysis/small_graphs.h"
#include "bufopt/analysis/exact_search.h"
#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/verify.h"

namespace bufopt::analysis {
namespace {

TEST(OptimizerAgainstExactSearch, EqualOnNinetyFivePercentAndWithinAQuarter) {
  const double bounds[] = {1.0, 1.01, 1.03, 1.1, 1.3, 100.0};
  int proven = 0;
  int equal = 0;
  double worst = 1;
  std::string worst_case;
  std::map<int, int> histogram;  // ratio bucket (percent above the optimum, floor to 5) -> graphs
  for (int actors = 2; actors <= 5; ++actors) {
    testing::SmallGraphGenerator generator(static_cast<uint32_t>(9000 + actors), actors, 12);
    for (int i = 0; i < 60; ++i) {
      const graph::Graph graph = generator.next();
      AnalysisOptions options;
      options.platform.macs_per_s = 1e6;
      options.platform.elems_per_s = 1e6;
      options.platform.firing_overhead_s = 1e-6;
      options.inplace = false;  // the exact search is the FIFO model's (MODEL 4)
      options.max_slowdown = bounds[generator.pick(0, 5)];
      options.stream_io = i % 2 == 1;
      const auto exact = minimum_arena_plan(graph, options);
      if (!exact || !exact->arena_is_optimal) continue;
      ++proven;
      const Evaluation answer = optimize(graph, options);
      ASSERT_TRUE(verify(graph, answer, options).ok) << actors << " actors, graph " << i;
      ASSERT_GE(answer.shared_bytes(), exact->arena.size) << actors << " actors, graph " << i;
      const double ratio = exact->arena.size > 0
                               ? static_cast<double>(answer.shared_bytes()) / static_cast<double>(exact->arena.size)
                               : 1.0;
      if (answer.shared_bytes() == exact->arena.size) {
        ++equal;
      } else {
        std::cout << "  not equal: " << actors << " actors, graph " << i << ", R " << options.max_slowdown
                  << (options.stream_io ? ", streamed I/O" : "") << ": " << answer.shared_bytes() << " B vs optimum "
                  << exact->arena.size << " B\n";
      }
      ++histogram[std::min(100, static_cast<int>((ratio - 1) * 100) / 5 * 5)];
      if (ratio > worst) {
        worst = ratio;
        std::ostringstream where;
        where << actors << " actors, graph " << i << ", R " << options.max_slowdown
              << (options.stream_io ? ", streamed I/O" : "") << ": " << answer.shared_bytes() << " B vs optimum "
              << exact->arena.size << " B";
        worst_case = where.str();
      }
    }
  }
  ASSERT_GE(proven, 150);
  std::cout << "optimizer vs exact minimum arena: " << proven << " graphs with a proven optimum, equal on " << equal
            << " (" << 100.0 * equal / proven << "%), worst " << worst << (worst_case.empty() ? "" : " (") << worst_case
            << (worst_case.empty() ? "" : ")") << "\n  ratio - 1 in percent, by bucket of 5:";
  for (const auto& [bucket, count] : histogram) std::cout << " [" << bucket << "]: " << count;
  std::cout << "\n";
  // Issue 13's target. Measured: 232 of 240 (96.7%), worst 1.25 (40 B against 32 B); the
  // graphs it misses need a firing order none of the optimizer's schedules produces.
  EXPECT_GE(equal * 100, proven * 95) << "equal on " << equal << " of " << proven;
  EXPECT_LE(worst, 1.25) << worst_case;
}

}  // namespace
}  // namespace bufopt::analysis
