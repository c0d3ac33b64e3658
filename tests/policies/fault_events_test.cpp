// The seeded fault-event generator: determinism, horizon independence, Poisson counts, spot
// replacement, availability traces, switch blast radius, and the Llama 3 default rates.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "stratum/policies/fault_events.hpp"

namespace stratum::policies {
namespace {

using scenarios::ComponentKind;

scenarios::FailureSpec only(ComponentKind kind, double rate_per_gpu_s) {
  scenarios::FailureSpec f;
  for (int k = 0; k < scenarios::kComponentKindCount; ++k) {
    const auto c = static_cast<ComponentKind>(k);
    f.components.push_back({c, c == kind ? rate_per_gpu_s : 0.0});
  }
  return f;
}

FaultInputs inputs(int nodes, int gpn, double horizon, uint64_t seed = 1) {
  FaultInputs in;
  in.nodes = nodes;
  in.gpus_per_node = gpn;
  in.horizon_s = horizon;
  in.seed = seed;
  return in;
}

bool same(const std::vector<FaultEvent>& a, const std::vector<FaultEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].time_s != b[i].time_s || a[i].back_s != b[i].back_s || a[i].nodes != b[i].nodes ||
        a[i].kind != b[i].kind || a[i].component != b[i].component) {
      return false;
    }
  }
  return true;
}

TEST(FaultEvents, Llama3RatesAddUpToTable5) {
  // 419 unexpected interruptions in 54 days on 16,384 H100 (Llama 3 paper, Table 5).
  double total = 0;
  for (int k = 0; k < scenarios::kComponentKindCount; ++k) {
    total += scenarios::llama3_failure_rate_per_gpu_s(static_cast<ComponentKind>(k));
  }
  EXPECT_NEAR(total * 16384 * 54 * 86400, 419, 1e-9);
  EXPECT_NEAR(scenarios::llama3_failure_rate_per_gpu_s(ComponentKind::kHbm) * 16384 * 54 * 86400, 72, 1e-9);
  EXPECT_NEAR(scenarios::llama3_failure_rate_per_gpu_s(ComponentKind::kSwitch) * 16384 * 54 * 86400, 35, 1e-9);
}

TEST(FaultEvents, SameSeedSameEventsOtherSeedOthers) {
  scenarios::SpotSpec spot;
  spot.interruption_rate = 1.0 / 3600;
  const auto f = only(ComponentKind::kGpu, 1e-5);
  const auto a = generate_faults(spot, f, inputs(8, 8, 86400, 7));
  const auto b = generate_faults(spot, f, inputs(8, 8, 86400, 7));
  const auto c = generate_faults(spot, f, inputs(8, 8, 86400, 8));
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(same(a, b));
  EXPECT_FALSE(same(a, c));
}

TEST(FaultEvents, ALaterHorizonOnlyAppends) {
  scenarios::SpotSpec spot;
  spot.interruption_rate = 1.0 / 7200;
  spot.replacement_probability = 0.5;
  const auto f = only(ComponentKind::kHost, 2e-5);
  const auto shortrun = generate_faults(spot, f, inputs(16, 8, 86400));
  const auto longrun = generate_faults(spot, f, inputs(16, 8, 4 * 86400));
  ASSERT_GT(longrun.size(), shortrun.size());
  const std::vector<FaultEvent> prefix(longrun.begin(), longrun.begin() + static_cast<std::ptrdiff_t>(shortrun.size()));
  EXPECT_TRUE(same(shortrun, prefix));
}

TEST(FaultEvents, FailureCountIsPoisson) {
  // Rate x GPUs x scale x horizon events expected; 5 sigma of a Poisson count.
  auto f = only(ComponentKind::kGpu, 1e-6);
  f.scale = 10;
  const double horizon = 1e6;
  const auto events = generate_faults(std::nullopt, f, inputs(32, 8, horizon));
  const double expected = 1e-6 * 10 * 256 * horizon;  // 2,560
  EXPECT_NEAR(static_cast<double>(events.size()), expected, 5 * std::sqrt(expected));
  for (const FaultEvent& e : events) {
    ASSERT_EQ(e.nodes.size(), 1u);
    EXPECT_GE(e.nodes[0], 0);
    EXPECT_LT(e.nodes[0], 32);
    EXPECT_DOUBLE_EQ(e.detected_s, e.time_s + 300);
    EXPECT_DOUBLE_EQ(e.back_s, e.time_s + 300 + 1800);
  }
}

TEST(FaultEvents, SpotReplacementAfterDelayOrNever) {
  scenarios::SpotSpec spot;
  spot.interruption_rate = 1.0 / 3600;
  spot.replacement_delay_s = 600;
  spot.notice_s = 120;
  spot.replacement_probability = 1;
  for (const FaultEvent& e : generate_faults(spot, std::nullopt, inputs(4, 8, 86400))) {
    EXPECT_EQ(e.kind, FaultKind::kSpotInterruption);
    EXPECT_DOUBLE_EQ(e.back_s, e.time_s + 600);
    EXPECT_DOUBLE_EQ(e.notice_s, std::min(120.0, e.time_s));
  }
  spot.replacement_probability = 0;
  const auto never = generate_faults(spot, std::nullopt, inputs(4, 8, 1e7));
  EXPECT_LE(never.size(), 4u);  // each node is interrupted once and never returns
  for (const FaultEvent& e : never) EXPECT_TRUE(std::isinf(e.back_s));
  spot.replacement_probability = 0.25;  // attempts every 600 s, a quarter succeed: mean 4 attempts
  double attempts = 0;
  const auto some = generate_faults(spot, std::nullopt, inputs(64, 8, 1e6));
  for (const FaultEvent& e : some) attempts += (e.back_s - e.time_s) / 600;
  ASSERT_GT(some.size(), 1000u);
  EXPECT_NEAR(attempts / static_cast<double>(some.size()), 4, 0.3);
}

TEST(FaultEvents, AvailabilityTraceTakesTheHighestNodesAndGivesThemBack) {
  scenarios::SpotSpec spot;
  spot.notice_s = 30;
  spot.availability = {{0, 4}, {100, 2}, {200, 3}, {300, 4}};
  const auto e = generate_faults(spot, std::nullopt, inputs(4, 8, 1000));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_TRUE(e[0].from_trace);
  EXPECT_EQ(e[0].nodes, std::vector<int>{2});
  EXPECT_EQ(e[1].nodes, std::vector<int>{3});
  EXPECT_DOUBLE_EQ(e[0].time_s, 100);
  EXPECT_DOUBLE_EQ(e[0].notice_s, 30);
  EXPECT_DOUBLE_EQ(e[0].back_s, 200);  // capacity 3: the lowest away node returns first
  EXPECT_DOUBLE_EQ(e[1].back_s, 300);
}

TEST(FaultEvents, SwitchFailureTakesEveryNodeBehindTheLeaf) {
  FaultInputs in = inputs(8, 8, 1e6);
  in.nodes_behind_switch = {{0, 1, 2, 3}, {4, 5, 6, 7}};
  const auto events = generate_faults(std::nullopt, only(ComponentKind::kSwitch, 1e-6), in);
  ASSERT_FALSE(events.empty());
  std::set<std::vector<int>> seen;
  for (const FaultEvent& e : events) seen.insert(e.nodes);
  EXPECT_EQ(seen, (std::set<std::vector<int>>{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  // Without a fabric there is no switch to fail.
  EXPECT_TRUE(generate_faults(std::nullopt, only(ComponentKind::kSwitch, 1e-6), inputs(8, 8, 1e6)).empty());
}

TEST(FaultEvents, SoftwareFailuresTakeNoNode) {
  const auto events = generate_faults(std::nullopt, only(ComponentKind::kSoftware, 1e-5), inputs(2, 8, 1e5));
  ASSERT_FALSE(events.empty());
  for (const FaultEvent& e : events) EXPECT_TRUE(e.nodes.empty());
}

TEST(FaultEvents, JobRateSumsSpotAndComponents) {
  scenarios::SpotSpec spot;
  spot.interruption_rate = 0.05 / 3600;
  const auto f = only(ComponentKind::kGpu, 2e-6);
  EXPECT_DOUBLE_EQ(fault_rate_per_s(spot, f, inputs(10, 8, 0)), 0.05 / 3600 * 10 + 2e-6 * 80);
}

}  // namespace
}  // namespace stratum::policies
