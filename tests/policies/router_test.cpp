// Routing policies on crafted states, and closed-form load-balance checks over identical replicas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "stratum/policies/least_kv_load_router.hpp"
#include "stratum/policies/least_outstanding_router.hpp"
#include "stratum/policies/power_of_two_router.hpp"
#include "stratum/policies/prefix_aware_router.hpp"
#include "stratum/policies/round_robin_router.hpp"
#include "stratum/policies/routing.hpp"

namespace stratum::policies {
namespace {

std::vector<InstanceLoad> outstanding(std::initializer_list<int64_t> counts) {
  std::vector<InstanceLoad> out;
  for (int64_t c : counts) out.push_back({c, 0, 100});
  return out;
}

size_t pick(Router& r, const std::vector<InstanceLoad>& loads, std::vector<uint64_t> prefix = {}) {
  return r.pick(RouterView{loads}, RequestView{0, 100, prefix});
}

// Routes `requests` requests that never finish over `n` identical instances: each one's load is
// the number routed to it so far (balls into bins). Returns the loads.
std::vector<int64_t> balls_into_bins(Router& r, size_t n, int requests) {
  std::vector<InstanceLoad> loads(n, InstanceLoad{0, 0, 100});
  for (int k = 0; k < requests; ++k) ++loads[pick(r, loads)].outstanding;
  std::vector<int64_t> out;
  for (const auto& l : loads) out.push_back(l.outstanding);
  return out;
}

int64_t max_of(const std::vector<int64_t>& v) { return *std::max_element(v.begin(), v.end()); }

TEST(RoundRobinRouter, CyclesRegardlessOfLoad) {
  RoundRobinRouter r;
  const auto loads = outstanding({9, 0, 5});
  EXPECT_EQ(pick(r, loads), 0u);
  EXPECT_EQ(pick(r, loads), 1u);
  EXPECT_EQ(pick(r, loads), 2u);
  EXPECT_EQ(pick(r, loads), 0u);
}

TEST(RoundRobinRouter, CountsOverIdenticalReplicasDifferByAtMostOne) {
  for (int requests : {1, 6, 7, 100, 1001}) {
    RoundRobinRouter r;
    std::vector<int64_t> counts(7, 0);
    const std::vector<InstanceLoad> loads(7);
    for (int k = 0; k < requests; ++k) ++counts[pick(r, loads)];
    EXPECT_LE(max_of(counts) - *std::min_element(counts.begin(), counts.end()), 1) << requests;
  }
}

TEST(LeastOutstandingRouter, PicksTheLeastLoaded) {
  LeastOutstandingRouter r;
  EXPECT_EQ(pick(r, outstanding({3, 1, 2})), 1u);
  EXPECT_EQ(pick(r, outstanding({3, 4, 2})), 2u);
}

TEST(LeastOutstandingRouter, TiesGoRoundRobinFromTheLastChoice) {
  LeastOutstandingRouter r;
  const auto idle = outstanding({0, 0, 0});
  EXPECT_EQ(pick(r, idle), 0u);
  EXPECT_EQ(pick(r, idle), 1u);
  EXPECT_EQ(pick(r, idle), 2u);
  EXPECT_EQ(pick(r, idle), 0u);
  // Ties between 1 and 2 only: the scan starts after the last choice (0), so 1 first.
  EXPECT_EQ(pick(r, outstanding({5, 1, 1})), 1u);
  EXPECT_EQ(pick(r, outstanding({5, 1, 1})), 2u);
}

TEST(LeastKvLoadRouter, PicksTheSmallestUsedShareNotTheFewestBlocks) {
  LeastKvLoadRouter r;
  // 50/100 = 0.5 < 30/50 = 0.6, although instance 1 uses fewer blocks.
  const std::vector<InstanceLoad> loads{{4, 50, 100}, {0, 30, 50}, {0, 90, 100}};
  EXPECT_EQ(pick(r, loads), 0u);
}

TEST(LeastKvLoadRouter, TiesGoToTheLeastOutstandingThenRoundRobin) {
  LeastKvLoadRouter r;
  const std::vector<InstanceLoad> loads{{3, 10, 100}, {1, 20, 200}, {5, 80, 100}, {1, 5, 50}};
  // Instances 0, 1 and 3 all use 10 %; 1 and 3 have one outstanding each: 1, then 3.
  EXPECT_EQ(pick(r, loads), 1u);
  EXPECT_EQ(pick(r, loads), 3u);
  EXPECT_EQ(pick(r, loads), 1u);
}

TEST(LeastKvLoadRouter, AnInstanceWithoutKvBlocksCountsAsFull) {
  LeastKvLoadRouter r;
  const std::vector<InstanceLoad> loads{{0, 0, 0}, {9, 99, 100}};
  EXPECT_EQ(pick(r, loads), 1u);
}

TEST(PowerOfTwoRouter, TheLessLoadedOfTheTwoWins) {
  PowerOfTwoRouter r(7);
  // Two instances: both are always drawn, so the lighter one always wins.
  for (int k = 0; k < 50; ++k) EXPECT_EQ(pick(r, outstanding({10, 2})), 1u);
  // Three instances, one idle: it loses only when it is not drawn (1 in 3 draws), and the other
  // two never go to the heaviest unless both drawn are the two heavy ones.
  int idle = 0, heaviest = 0;
  for (int k = 0; k < 3000; ++k) {
    const size_t i = pick(r, outstanding({10, 0, 20}));
    idle += i == 1;
    heaviest += i == 2;
  }
  EXPECT_EQ(heaviest, 0);
  EXPECT_NEAR(idle / 3000.0, 2.0 / 3.0, 0.03);  // P(1 among the two drawn) = 2/3
}

TEST(PowerOfTwoRouter, OneInstanceTakesEverything) {
  PowerOfTwoRouter r(1);
  EXPECT_EQ(pick(r, outstanding({4})), 0u);
}

TEST(PowerOfTwoRouter, DeterministicGivenTheSeed) {
  PowerOfTwoRouter a(42), b(42), c(43);
  const std::vector<InstanceLoad> loads(64);
  std::vector<size_t> pa, pb, pc;
  for (int k = 0; k < 200; ++k) {
    pa.push_back(pick(a, loads));
    pb.push_back(pick(b, loads));
    pc.push_back(pick(c, loads));
  }
  EXPECT_EQ(pa, pb);
  EXPECT_NE(pa, pc);
}

// n requests on n instances: the most loaded holds ln ln n / ln 2 + O(1) with two choices
// against about ln n / ln ln n with one random choice (Mitzenmacher 2001, Theorem 1; Azar et al.
// 1999). For n = 10^4: 3.2 + O(1) against 4.0 (1 + o(1)), which is 6 or 7 in practice.
TEST(PowerOfTwoRouter, MaximumLoadFarBelowRandomAssignment) {
  constexpr size_t n = 10000;
  PowerOfTwoRouter two(5);
  const int64_t two_max = max_of(balls_into_bins(two, n, static_cast<int>(n)));
  std::mt19937_64 rng(5);
  std::vector<int64_t> random(n, 0);
  for (size_t k = 0; k < n; ++k) ++random[std::uniform_int_distribution<size_t>(0, n - 1)(rng)];
  const int64_t random_max = max_of(random);
  EXPECT_LE(two_max, static_cast<int64_t>(std::log(std::log(n)) / std::log(2.0)) + 2);
  EXPECT_GE(random_max, 6);
  EXPECT_LT(two_max, random_max - 2);
}

// Heavily loaded: m = 100 n requests. Two choices keep the maximum within ln ln n / ln 2 + O(1)
// of the mean m / n (Berenbrink, Czumaj, Steger, Voecking, STOC 2000); one random choice strays
// by about sqrt(2 (m / n) ln n) (= 43 for n = 1000).
TEST(PowerOfTwoRouter, GapStaysSmallUnderHeavyLoad) {
  constexpr size_t n = 1000;
  PowerOfTwoRouter two(9);
  const int64_t gap = max_of(balls_into_bins(two, n, static_cast<int>(100 * n))) - 100;
  EXPECT_LE(gap, static_cast<int64_t>(std::log(std::log(n)) / std::log(2.0)) + 3);
  EXPECT_GE(gap, 1);
}

TEST(BlockLru, ForgetsTheLeastRecentlyTouched) {
  BlockLru lru(2);
  lru.touch(1);
  lru.touch(2);
  lru.touch(1);  // 2 is now the least recent
  lru.touch(3);
  EXPECT_TRUE(lru.contains(1));
  EXPECT_FALSE(lru.contains(2));
  EXPECT_TRUE(lru.contains(3));
  EXPECT_EQ(lru.size(), 2u);
  lru.touch(4);  // evicts 1
  EXPECT_FALSE(lru.contains(1));
  EXPECT_TRUE(lru.contains(3));
  EXPECT_TRUE(lru.contains(4));
}

TEST(PrefixAwareRouter, RequestsSharingAPrefixGoToTheSameInstance) {
  PrefixAwareRouter r(1024);
  const size_t first = pick(r, outstanding({0, 0, 0}), {1, 2, 3});
  EXPECT_EQ(first, 0u);  // no match anywhere: least outstanding, round-robin from 0
  // The instance that served the prefix keeps winning even when it is the busiest.
  auto loads = outstanding({5, 0, 0});
  EXPECT_EQ(pick(r, loads, {1, 2, 3, 4}), 0u);
  EXPECT_EQ(pick(r, loads, {1, 2, 7}), 0u);
  // A different prefix goes to the least loaded.
  EXPECT_EQ(pick(r, loads, {9, 10}), 1u);
  EXPECT_EQ(r.matched_blocks(0, std::vector<uint64_t>{1, 2, 3, 4, 5}), 4u);
  EXPECT_EQ(r.matched_blocks(1, std::vector<uint64_t>{9, 10}), 2u);
  EXPECT_EQ(r.matched_blocks(2, std::vector<uint64_t>{9, 10}), 0u);
}

TEST(PrefixAwareRouter, TheLongestMatchWinsAndOnlyLeadingBlocksCount) {
  PrefixAwareRouter r(1024);
  const auto idle = outstanding({0, 0, 0});
  EXPECT_EQ(pick(r, idle, {1}), 0u);
  EXPECT_EQ(pick(r, idle, {2, 3, 4}), 1u);
  // Instance 1 holds 3 and 4 but not block 1: a match must start at the first block.
  EXPECT_EQ(r.matched_blocks(1, std::vector<uint64_t>{1, 3, 4}), 0u);
  EXPECT_EQ(pick(r, outstanding({9, 9, 0}), {1, 3, 4}), 0u);
  EXPECT_EQ(pick(r, outstanding({9, 9, 0}), {2, 3, 8}), 1u);
}

TEST(PrefixAwareRouter, EqualMatchesAndMissingPrefixesFallBackToLeastOutstanding) {
  PrefixAwareRouter r(1024);
  EXPECT_EQ(pick(r, outstanding({0, 0}), {1, 2}), 0u);
  EXPECT_EQ(pick(r, outstanding({0, 0}), {1, 2}), 0u);  // instance 0 matches now
  EXPECT_EQ(pick(r, outstanding({3, 0}), {}), 1u);      // no hashes: least outstanding
  EXPECT_EQ(pick(r, outstanding({3, 1}), {}), 1u);
}

TEST(PrefixAwareRouter, BoundedMemoryForgetsOldPrefixesLeadingBlocksLast) {
  PrefixAwareRouter r(3);
  const auto idle = outstanding({0, 0});
  EXPECT_EQ(pick(r, idle, {1, 2, 3, 4}), 0u);
  // Capacity 3: the tail block 4 was touched first, so it is the one forgotten.
  EXPECT_EQ(r.matched_blocks(0, std::vector<uint64_t>{1, 2, 3, 4}), 3u);
  EXPECT_EQ(pick(r, outstanding({1, 0}), {5, 6, 7}), 1u);
  EXPECT_EQ(pick(r, outstanding({1, 1}), {5}), 1u);
}

TEST(MakeRouter, BuildsThePolicyTheScenarioNames) {
  scenarios::RouterSpec spec;
  EXPECT_NE(dynamic_cast<LeastOutstandingRouter*>(make_router(spec, 1).get()), nullptr);
  spec.kind = scenarios::RouterKind::kRoundRobin;
  EXPECT_NE(dynamic_cast<RoundRobinRouter*>(make_router(spec, 1).get()), nullptr);
  spec.kind = scenarios::RouterKind::kLeastKvLoad;
  EXPECT_NE(dynamic_cast<LeastKvLoadRouter*>(make_router(spec, 1).get()), nullptr);
  spec.kind = scenarios::RouterKind::kPowerOfTwo;
  EXPECT_NE(dynamic_cast<PowerOfTwoRouter*>(make_router(spec, 1).get()), nullptr);
  spec.kind = scenarios::RouterKind::kPrefixAware;
  spec.prefix_blocks_per_instance = 1;
  const auto prefix = make_router(spec, 1);
  ASSERT_NE(dynamic_cast<PrefixAwareRouter*>(prefix.get()), nullptr);
  // The bound reaches the router: one block remembered, so the second evicts the first.
  const auto idle = outstanding({0, 0});
  EXPECT_EQ(pick(*prefix, idle, {1}), 0u);
  EXPECT_EQ(pick(*prefix, outstanding({1, 0}), {1}), 0u);
  EXPECT_EQ(pick(*prefix, outstanding({1, 0}), {2}), 1u);
}

}  // namespace
}  // namespace stratum::policies
