#include "bufopt/analysis/arena.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace bufopt::analysis {
namespace {

/// The test's own check (TFLite Micro's DoAnyBuffersOverlap): requests alive at the same time
/// never share a byte, and every request fits in the arena. Returns the first problem found.
std::string placement_problem(const std::vector<ArenaRequest>& requests, const ArenaPlan& plan) {
  if (plan.offsets.size() != requests.size()) return "one offset per request expected";
  for (size_t i = 0; i < requests.size(); ++i) {
    const ArenaRequest& a = requests[i];
    if (a.size == 0 || a.lifetime.first < 0) continue;
    if (plan.offsets[i] < 0 || plan.offsets[i] + a.size > plan.size) return "request " + std::to_string(i) + " outside";
    for (size_t j = i + 1; j < requests.size(); ++j) {
      const ArenaRequest& b = requests[j];
      if (b.size == 0 || b.lifetime.first < 0) continue;
      const bool same_time = a.lifetime.first <= b.lifetime.last && b.lifetime.first <= a.lifetime.last;
      const bool same_bytes = plan.offsets[i] < plan.offsets[j] + b.size && plan.offsets[j] < plan.offsets[i] + a.size;
      if (same_time && same_bytes) return "requests " + std::to_string(i) + " and " + std::to_string(j) + " overlap";
    }
  }
  return "";
}

TEST(GreedyArena, ReusesMemoryOfDeadBuffers) {
  // A chain: each buffer lives with its neighbours only, so A and C share.
  const std::vector<ArenaRequest> requests = {{10, {0, 1}}, {10, {1, 2}}, {10, {2, 3}}};
  const ArenaPlan plan = place_greedy_by_size(requests);
  EXPECT_EQ(placement_problem(requests, plan), "");
  EXPECT_EQ(plan.size, 20);
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 10, 0}));
  EXPECT_EQ(peak_live_bytes(requests), 20);
}

TEST(GreedyArena, FillsTheGapBetweenPlacedBlocks) {
  // Largest first: A at 0; B and C (disjoint in time) both above A; D alive with all three
  // goes above them. The optimum is the peak, 180 bytes, at every moment from 1 to 4.
  const std::vector<ArenaRequest> requests = {{100, {0, 5}}, {50, {0, 2}}, {50, {3, 5}}, {30, {1, 4}}};
  const ArenaPlan plan = place_greedy_by_size(requests);
  EXPECT_EQ(placement_problem(requests, plan), "");
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 100, 100, 150}));
  EXPECT_EQ(plan.size, 180);
  EXPECT_EQ(peak_live_bytes(requests), 180);
}

TEST(GreedyArena, PlacesSmallBlockInAHoleBelowALargerOne) {
  // A (40) at 0, B (40) alive with A at 40; C (30) lives with B only and takes A's old place
  // at 0; D (10) lives with B and C and fits in the 10-byte hole between them.
  const std::vector<ArenaRequest> requests = {{40, {0, 2}}, {40, {2, 6}}, {30, {3, 6}}, {10, {4, 4}}};
  const ArenaPlan plan = place_greedy_by_size(requests);
  EXPECT_EQ(placement_problem(requests, plan), "");
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 40, 0, 30}));
  EXPECT_EQ(plan.size, 80);
  EXPECT_EQ(peak_live_bytes(requests), 80);
}

TEST(GreedyArena, SkipsEmptyAndUnallocatedRequests) {
  const std::vector<ArenaRequest> requests = {{0, {0, 3}}, {16, {-1, -1}}, {8, {1, 2}}};
  const ArenaPlan plan = place_greedy_by_size(requests);
  EXPECT_EQ(plan.size, 8);
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(peak_live_bytes(requests), 8);
  EXPECT_EQ(place_greedy_by_size({}).size, 0);
}

TEST(GreedyArena, TiesGoToTheLowerIndex) {
  const std::vector<ArenaRequest> requests = {{8, {0, 1}}, {8, {0, 1}}};
  EXPECT_EQ(place_greedy_by_size(requests).offsets, (std::vector<int64_t>{0, 8}));
}

/// The test's own first fit, written the plain way: for each request in order, collect the
/// placed requests alive at the same time, sort them by offset, and take the lowest gap.
ArenaPlan reference_first_fit(const std::vector<ArenaRequest>& requests, const std::vector<size_t>& order) {
  ArenaPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> done;
  for (size_t index : order) {
    const ArenaRequest& request = requests[index];
    if (request.size <= 0 || request.lifetime.first < 0) continue;
    std::vector<std::pair<int64_t, int64_t>> alive;  // (offset, end)
    for (size_t other : done) {
      if (requests[other].lifetime.overlaps(request.lifetime)) {
        alive.emplace_back(plan.offsets[other], plan.offsets[other] + requests[other].size);
      }
    }
    std::sort(alive.begin(), alive.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : alive) {
      if (offset + request.size <= begin) break;
      offset = std::max(offset, end);
    }
    plan.offsets[index] = offset;
    plan.size = std::max(plan.size, offset + request.size);
    done.push_back(index);
  }
  return plan;
}

TEST(GreedyArena, RandomRequestsNeverOverlapAndRespectThePeak) {
  std::mt19937 random(12345);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<ArenaRequest> requests(std::uniform_int_distribution<size_t>(1, 25)(random));
    for (ArenaRequest& request : requests) {
      request.size = std::uniform_int_distribution<int64_t>(0, 100)(random);
      const int64_t first = std::uniform_int_distribution<int64_t>(-1, 30)(random);
      request.lifetime = {first, first < 0 ? -1 : first + std::uniform_int_distribution<int64_t>(0, 8)(random)};
    }
    const ArenaPlan plan = place_greedy_by_size(requests);
    ASSERT_EQ(placement_problem(requests, plan), "") << "trial " << trial;
    EXPECT_GE(plan.size, peak_live_bytes(requests));
    int64_t total = 0;
    for (const ArenaRequest& request : requests) total += request.lifetime.first >= 0 ? request.size : 0;
    EXPECT_LE(plan.size, total);
    // Greedy by size is first fit in order of decreasing size (ties: lower index first).
    std::vector<size_t> by_size(requests.size());
    std::iota(by_size.begin(), by_size.end(), size_t{0});
    std::stable_sort(by_size.begin(), by_size.end(),
                     [&](size_t a, size_t b) { return requests[a].size > requests[b].size; });
    EXPECT_EQ(plan.offsets, reference_first_fit(requests, by_size).offsets) << "trial " << trial;
  }
}


TEST(FirstFitArena, SameOffsetsAsThePlainFirstFit) {
  std::mt19937 random(777);
  for (int trial = 0; trial < 400; ++trial) {
    // Few distinct sizes and long lifetimes: many equal offsets and many requests alive
    // together; from trial 300 on, many requests with short lifetimes over a long schedule
    // (a deep network: each buffer lives with few others).
    const bool deep = trial >= 300;
    std::vector<ArenaRequest> requests(std::uniform_int_distribution<size_t>(1, deep ? 300 : 40)(random));
    for (ArenaRequest& request : requests) {
      request.size = 8 * std::uniform_int_distribution<int64_t>(0, 6)(random);
      const int64_t first = std::uniform_int_distribution<int64_t>(-1, deep ? 1000 : 20)(random);
      request.lifetime = {first, first < 0 ? -1 : first + std::uniform_int_distribution<int64_t>(0, 25)(random)};
    }
    std::vector<size_t> order(requests.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::shuffle(order.begin(), order.end(), random);
    const ArenaPlan expected = reference_first_fit(requests, order);
    const ArenaPlan plan = place_first_fit(requests, order);
    ASSERT_EQ(plan.offsets, expected.offsets) << "trial " << trial;
    EXPECT_EQ(plan.size, expected.size);
  }
}

TEST(PeakLiveBytes, CountsInclusiveLifetimes) {
  // Lifetimes [0, 2] and [2, 4] meet at firing 2: both alive then.
  EXPECT_EQ(peak_live_bytes(std::vector<ArenaRequest>{{5, {0, 2}}, {7, {2, 4}}}), 12);
  EXPECT_EQ(peak_live_bytes(std::vector<ArenaRequest>{{5, {0, 1}}, {7, {2, 4}}}), 7);
}

}  // namespace
}  // namespace bufopt::analysis
