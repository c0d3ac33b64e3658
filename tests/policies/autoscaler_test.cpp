// The autoscalers' decisions step by step on scripted loads (policies/hpa.hpp, knative.hpp):
// every expected count is worked out by hand from the documented formula in the comment beside it.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "stratum/policies/hpa.hpp"
#include "stratum/policies/knative.hpp"

namespace stratum::policies {
namespace {

std::vector<HpaPodSample> ready(std::vector<double> values) {
  std::vector<HpaPodSample> pods;
  for (double v : values) pods.push_back({true, v});
  return pods;
}

std::vector<HpaPodSample> with(std::vector<HpaPodSample> pods, int unready, int missing) {
  for (int i = 0; i < unready; ++i) pods.push_back({false, std::nullopt});
  for (int i = 0; i < missing; ++i) pods.push_back({true, std::nullopt});
  return pods;
}

TEST(HpaMetricReplicas, DesiredIsCeilOfCurrentTimesRatio) {
  // ceil(3 x 0.9 / 0.7) = ceil(3.857) = 4.
  EXPECT_EQ(hpa_metric_replicas(3, ready({0.9, 0.9, 0.9}), 0.7, 0.1), 4);
  // ceil(4 x 0.35 / 0.7) = 2.
  EXPECT_EQ(hpa_metric_replicas(4, ready({0.35, 0.35, 0.35, 0.35}), 0.7, 0.1), 2);
  // Mean, not per pod: (0.2 + 1.0) / 2 / 0.6 = 1.0, within the tolerance.
  EXPECT_EQ(hpa_metric_replicas(2, ready({0.2, 1.0}), 0.6, 0.1), 2);
  // Exact products stay exact: ceil(3 x 1.2 / 0.6) = 6, not 7.
  EXPECT_EQ(hpa_metric_replicas(3, ready({1.2, 1.2, 1.2}), 0.6, 0.1), 6);
}

TEST(HpaMetricReplicas, WithinToleranceNothingChanges) {
  // 0.75 / 0.7 = 1.071 and 0.65 / 0.7 = 0.929: |1 - ratio| <= 0.1.
  EXPECT_EQ(hpa_metric_replicas(3, ready({0.75, 0.75, 0.75}), 0.7, 0.1), 3);
  EXPECT_EQ(hpa_metric_replicas(3, ready({0.65, 0.65, 0.65}), 0.7, 0.1), 3);
  // 0.78 / 0.7 = 1.114 is outside: ceil(3 x 1.114) = 4.
  EXPECT_EQ(hpa_metric_replicas(3, ready({0.78, 0.78, 0.78}), 0.7, 0.1), 4);
  // A tolerance of 0.2 absorbs it.
  EXPECT_EQ(hpa_metric_replicas(3, ready({0.78, 0.78, 0.78}), 0.7, 0.2), 3);
}

TEST(HpaMetricReplicas, NotYetReadyPodsCountAsZeroOnScaleUp) {
  // Ready mean 1.4 / 0.7 = 2 (scale up); two starting pods at 0: 2.8 / 4 / 0.7 = 1.0, within the
  // tolerance: no change.
  EXPECT_EQ(hpa_metric_replicas(4, with(ready({1.4, 1.4}), 2, 0), 0.7, 0.1), 4);
  // One starting pod: 2.8 / 3 / 0.7 = 1.333; ceil(3 x 1.333) = 4.
  EXPECT_EQ(hpa_metric_replicas(3, with(ready({1.4, 1.4}), 1, 0), 0.7, 0.1), 4);
  // On a scale-down they are left out: 0.35 / 0.7 = 0.5 over the 2 ready pods, ceil(1) = 1.
  EXPECT_EQ(hpa_metric_replicas(4, with(ready({0.35, 0.35}), 2, 0), 0.7, 0.1), 1);
}

TEST(HpaMetricReplicas, MissingMetricsDampenBothDirections) {
  // Scale-down: the missing pod counts at the target: (3 x 0.35 + 0.7) / 4 / 0.7 = 0.625,
  // ceil(4 x 0.625) = 3 (not ceil(3 x 0.5) = 2).
  EXPECT_EQ(hpa_metric_replicas(4, with(ready({0.35, 0.35, 0.35}), 0, 1), 0.7, 0.1), 3);
  // Scale-up: missing pods count at 0: 2.1 / 4 / 0.7 = 0.75 reverses the direction: no change.
  EXPECT_EQ(hpa_metric_replicas(4, with(ready({1.05, 1.05}), 0, 2), 0.7, 0.1), 4);
  // Scale-up with one missing: 2.8 / 3 / 0.7 = 1.333, ceil(3 x 1.333) = 4.
  EXPECT_EQ(hpa_metric_replicas(3, with(ready({1.4, 1.4}), 0, 1), 0.7, 0.1), 4);
}

TEST(HpaMetricReplicas, NoMeasuredPodGivesNoRecommendation) {
  EXPECT_EQ(hpa_metric_replicas(2, with({}, 2, 0), 0.7, 0.1), std::nullopt);
  EXPECT_EQ(hpa_metric_replicas(2, with({}, 0, 2), 0.7, 0.1), std::nullopt);
}

HpaConfig bounds(int min, int max) {
  HpaConfig c;
  c.min_replicas = min;
  c.max_replicas = max;
  return c;
}

TEST(HpaController, DefaultScaleUpPolicyIsMaxOfFourPodsAndDoubling) {
  HpaController hpa(bounds(1, 100));
  // t = 0: 2 replicas want 40. Limits: 2 + 4 = 6 pods, ceil(2 x 2) = 4 percent: max 6.
  EXPECT_EQ(hpa.decide(0, 2, {40}), 6);
  // t = 15: the event at 0 is not after 15 - 15 = 0: period start 6, limits 10 and 12: 12.
  EXPECT_EQ(hpa.decide(15, 6, {40}), 12);
  // t = 30: 24 (doubling beats 4 pods); t = 45: the 40 wanted is under the limit 48.
  EXPECT_EQ(hpa.decide(30, 12, {40}), 24);
  EXPECT_EQ(hpa.decide(45, 24, {40}), 40);
  EXPECT_EQ(hpa.decide(60, 40, {40}), 40);
}

TEST(HpaController, ScaleDownWaitsForTheStabilisationWindow) {
  HpaController hpa(bounds(1, 10));
  EXPECT_EQ(hpa.decide(0, 10, {10}), 10);
  // From t = 15 the metric wants 3, but the highest recommendation in (t - 300, t] is the 10
  // of t = 0 until t = 300 leaves it out.
  for (double t = 15; t < 300; t += 15) EXPECT_EQ(hpa.decide(t, 10, {3}), 10) << "t = " << t;
  // t = 300: the window (0, 300] no longer holds t = 0: 3; the 100 % per 15 s policy allows it.
  EXPECT_EQ(hpa.decide(300, 10, {3}), 3);
}

TEST(HpaController, ScaleDownTakesTheHighestRecommendationInTheWindow) {
  HpaController hpa(bounds(1, 10));
  EXPECT_EQ(hpa.decide(0, 8, {8}), 8);
  EXPECT_EQ(hpa.decide(15, 8, {6}), 8);  // max(8, 6)
  EXPECT_EQ(hpa.decide(30, 8, {2}), 8);
  EXPECT_EQ(hpa.decide(300, 8, {2}), 6);  // window (0, 300]: max(6, 2, 2...) = 6
  EXPECT_EQ(hpa.decide(315, 6, {2}), 2);  // window (15, 315]: 2
}

TEST(HpaController, CustomPoliciesLimitTheRatePerPeriod) {
  HpaConfig c = bounds(1, 20);
  c.scale_up.policies = {{false, 2, 60}};     // 2 pods per 60 s
  c.scale_down.stabilization_window_s = 0;
  c.scale_down.policies = {{true, 50, 30}};   // half per 30 s
  HpaController hpa(c);
  EXPECT_EQ(hpa.decide(0, 1, {10}), 3);   // 1 + 2
  EXPECT_EQ(hpa.decide(15, 3, {10}), 3);  // period start 3 - 2 = 1: limit 3
  EXPECT_EQ(hpa.decide(45, 3, {10}), 3);
  EXPECT_EQ(hpa.decide(60, 3, {10}), 5);  // the event at 0 left (0, 60]: start 3, limit 5
  // Down, int(start x 0.5) per 30 s, with 8 running (scaled by hand): the +2 at 60 is inside
  // (45, 75]: period start 8 - 2 = 6, int(6 x 0.5) = 3.
  EXPECT_EQ(hpa.decide(75, 8, {1}), 3);
  // (60, 90] holds the -5 at 75 (not the +2 at 60): start 3 + 5 = 8, int(4) = 4 >= 3: no lower.
  EXPECT_EQ(hpa.decide(90, 3, {1}), 3);
  EXPECT_EQ(hpa.decide(106, 3, {1}), 1);  // (76, 106]: no events: start 3, int(1.5) = 1
}

TEST(HpaController, MinMaxAndSeveralMetrics) {
  HpaController hpa(bounds(2, 5));
  EXPECT_EQ(hpa.decide(0, 7, {1}), 5);                       // above max: back to max
  EXPECT_EQ(hpa.decide(15, 1, {1}), 2);                      // below min: back to min
  EXPECT_EQ(hpa.decide(30, 3, {2, 4, std::nullopt}), 4);     // the largest metric wins
  EXPECT_EQ(hpa.decide(45, 4, {std::nullopt}), 4);           // no data: no change
  EXPECT_EQ(hpa.decide(60, 4, {40}), 5);                     // capped at max
}

TEST(Knative, PanicScalesOnTheShortWindowAndNeverDown) {
  KpaAutoscaler kpa{KpaConfig{}};  // target 100 x 0.7 = 70 per pod
  for (double t = 2; t <= 60; t += 2) EXPECT_EQ(kpa.decide(t, 70, 1), 1) << t;
  // t = 62, 350 in flight. Stable (2, 62]: (28 x 70 + 350) / 29 = 79.7, ceil(/70) = 2. Panic
  // (55.8, 62]: (70 + 70 + 350) / 3 = 163.3, ceil(/70) = 3 >= 2 x 1 ready: panic, max(2, 3) = 3.
  EXPECT_EQ(kpa.decide(62, 350, 1), 3);
  EXPECT_TRUE(kpa.panicking());
  // t = 64, 3 ready: panic (57.8, 64] = (70 + 350 + 350) / 3 = 256.7: 4 pods (4 / 3 < 2, but the
  // panic lasts a stable window after its last trigger).
  EXPECT_EQ(kpa.decide(64, 350, 3), 4);
  // Load gone: no scale-down while panicking, until 62 + 60 = 122 has passed.
  for (double t = 66; t <= 122; t += 2) EXPECT_EQ(kpa.decide(t, 0, 4), 4) << t;
  // t = 124: stable (64, 124] is all 0, but at most halving per tick: floor(4 / 2) = 2.
  EXPECT_EQ(kpa.decide(124, 0, 4), 2);
  EXPECT_FALSE(kpa.panicking());
}

TEST(Knative, ScalesToZeroAfterTheGracePeriodAndBackOnDemand) {
  KpaAutoscaler kpa{KpaConfig{}};
  EXPECT_EQ(kpa.decide(2, 0, 2), 1);   // floor(2 / 2) = 1
  // With 1 ready the stable window wants 0; the last replica stays for the 30 s grace period.
  EXPECT_EQ(kpa.decide(4, 0, 1), 1);
  EXPECT_EQ(kpa.decide(32, 0, 1), 1);  // 28 s
  EXPECT_EQ(kpa.decide(34, 0, 1), 0);  // 30 s
  EXPECT_EQ(kpa.decide(36, 0, 0), 0);
  // One request queued at the router: stable mean > 0, ceil(/70) = 1.
  EXPECT_EQ(kpa.decide(38, 1, 0), 1);
}

TEST(Knative, APokeDecidesWithoutKeepingItsSample) {
  // At zero, a request held at 36.5 s pokes the autoscaler (MultiScaler.Poke): the decision sees
  // it (1 replica) but the windows keep only the ticks' samples, so the 38 s tick, with nothing in
  // flight, averages zeros again (and keeps the new replica for its grace period).
  KpaAutoscaler kpa{KpaConfig{}};
  EXPECT_EQ(kpa.decide(2, 0, 0), 0);
  EXPECT_EQ(kpa.decide(36.5, 1, 0, /*keep_sample=*/false), 1);
  EXPECT_DOUBLE_EQ(kpa.stable_average(), 0.5);  // the 2 s tick's 0 and the poke's 1
  EXPECT_EQ(kpa.decide(38, 0, 1), 1);
  EXPECT_DOUBLE_EQ(kpa.stable_average(), 0.0);
}

TEST(Knative, MinAndMaxScaleBound) {
  KpaConfig c;
  c.min_replicas = 1;
  c.max_replicas = 3;
  KpaAutoscaler kpa{c};
  EXPECT_EQ(kpa.decide(2, 0, 1), 1);      // never below min-scale
  EXPECT_EQ(kpa.decide(4, 7000, 1), 3);   // never above max-scale
}

}  // namespace
}  // namespace stratum::policies
