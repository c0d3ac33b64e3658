// Time-varying arrival rates (serving.workload.*.rate_profile, issue 8): the profile's integral and
// its inverse against closed forms; arrivals by time inversion whose count in every hour of a
// day-shaped profile is within 4 sigma of the rate's integral over that hour (Poisson: variance =
// mean; gamma renewal: variance ~ cv^2 x mean); determinism; a profile that ends at 0 ends the
// arrivals; no arrival where the rate is 0.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "stratum/sim/rate_profile.hpp"
#include "stratum/sim/workload.hpp"
#include "workload_checks.hpp"

namespace stratum::sim {
namespace {

using scenarios::RateProfileSpec;

scenarios::Scenario profiled(scenarios::WorkloadKind kind, const RateProfileSpec& profile, double duration_s,
                             double cv = 1.0) {
  scenarios::Scenario s;
  s.seed = 11;
  scenarios::ServingSpec serving;
  serving.workload.kind = kind;
  serving.workload.cv = cv;
  serving.workload.rate_profile = profile;
  serving.workload.duration_s = duration_s;
  serving.workload.max_requests = duration_s > 0 ? 0 : 1000000;
  serving.workload.input = {scenarios::LengthKind::kUniform, 0, 100, 200, 0, 0};
  serving.workload.output = {scenarios::LengthKind::kFixed, 50, 0, 0, 0, 0};
  s.serving = serving;
  return s;
}

// A day whose rate is mean x (1 - A cos(2 pi t / 24 h)), trough at midnight and peak at noon, with
// peak / trough = (1 + A) / (1 - A) = 20, sampled every hour (linear between samples).
RateProfileSpec diurnal(double mean_per_s) {
  const double a = 19.0 / 21.0;
  RateProfileSpec p;
  for (int h = 0; h < 24; ++h) {
    p.points.push_back({h * 3600.0, mean_per_s * (1 - a * std::cos(2 * std::numbers::pi * h / 24))});
  }
  p.period_s = 86400;
  return p;
}

TEST(RateProfile, IntegralAndInverseMatchTheClosedForm) {
  // A ramp from 0 to 10 /s over 10 s: Lambda(t) = t^2 / 2; then 10 /s for ever.
  const RateProfile ramp(RateProfileSpec{{{0, 0}, {10, 10}}, 0});
  EXPECT_DOUBLE_EQ(ramp.integral(5), 12.5);
  EXPECT_DOUBLE_EQ(ramp.integral(10), 50);
  EXPECT_DOUBLE_EQ(ramp.integral(20), 150);
  EXPECT_DOUBLE_EQ(ramp.inverse(12.5), 5);
  EXPECT_DOUBLE_EQ(ramp.inverse(50), 10);
  EXPECT_DOUBLE_EQ(ramp.inverse(150), 20);
  EXPECT_DOUBLE_EQ(ramp.rate(4), 4);
  EXPECT_DOUBLE_EQ(ramp.rate(30), 10);
  // Repeated every 20 s, back down to 0 over [10, 20]: a triangle of area 100 per period.
  const RateProfile tri(RateProfileSpec{{{0, 0}, {10, 10}}, 20});
  EXPECT_DOUBLE_EQ(tri.integral(20), 100);
  EXPECT_DOUBLE_EQ(tri.integral(25), 112.5);
  EXPECT_DOUBLE_EQ(tri.integral(15), 50 + 50 - 12.5);  // 10 s at 10 /s falling to 5 /s: 37.5
  EXPECT_DOUBLE_EQ(tri.inverse(112.5), 25);
  EXPECT_NEAR(tri.inverse(87.5), 15, 1e-12);
  EXPECT_DOUBLE_EQ(tri.rate(35), 5);
  EXPECT_DOUBLE_EQ(tri.peak(), 10);
  EXPECT_DOUBLE_EQ(tri.mean(), 5);
  // inverse(integral(t)) = t wherever the rate is above 0.
  const RateProfile day(diurnal(2.0));
  for (double t = 1; t < 3 * 86400; t += 997) EXPECT_NEAR(day.inverse(day.integral(t)), t, 1e-6) << t;
  EXPECT_NEAR(day.mean(), 2.0, 2.0 * 1e-12);  // the hourly samples of a cosine average to its mean
  EXPECT_DOUBLE_EQ(day.peak(), 2.0 * (1 + 19.0 / 21.0));
}

// Counts in each hour of three days against the profile's integral over that hour.
void expect_hourly_counts(const std::vector<RequestRecord>& r, const RateProfile& profile, double sigma_per_sqrt_mean) {
  std::vector<double> count(72, 0);
  for (const RequestRecord& x : r) count.at(static_cast<size_t>(x.arrival_s / 3600)) += 1;
  for (size_t h = 0; h < count.size(); ++h) {
    const double expected = profile.integral((h + 1) * 3600.0) - profile.integral(h * 3600.0);
    EXPECT_NEAR(count[h], expected, 4 * sigma_per_sqrt_mean * std::sqrt(expected)) << "hour " << h;
  }
}

TEST(RateProfile, PoissonArrivalsFollowTheDayHourByHour) {
  const RateProfileSpec spec = diurnal(2.0);  // 7,200 an hour on average, 690 to 13,700
  scenarios::Diagnostics diags;
  const auto r = build_workload(profiled(scenarios::WorkloadKind::kPoisson, spec, 3 * 86400.0), diags);
  ASSERT_TRUE(diags.ok()) << diags.to_string();
  expect_hourly_counts(r, RateProfile(spec), 1.0);
  for (size_t i = 0; i < r.size(); ++i) {
    ASSERT_EQ(r[i].id, i);
    if (i > 0) {
      ASSERT_GE(r[i].arrival_s, r[i - 1].arrival_s);
    }
  }
}

TEST(RateProfile, GammaArrivalsFollowTheDayHourByHour) {
  const RateProfileSpec spec = diurnal(2.0);
  scenarios::Diagnostics diags;
  const auto r = build_workload(profiled(scenarios::WorkloadKind::kGamma, spec, 3 * 86400.0, 2.0), diags);
  ASSERT_TRUE(diags.ok());
  expect_hourly_counts(r, RateProfile(spec), 2.0);
}

TEST(RateProfile, SameSeedSameRequestsOtherSeedOthers) {
  testing::expect_same_seed_same_requests(profiled(scenarios::WorkloadKind::kPoisson, diurnal(0.5), 86400.0));
}

TEST(RateProfile, ArrivalsEndWhenTheRateEndsAtZero) {
  // 5 /s falling to 0 over 100 s, no period: 250 arrivals expected, none after 100 s, and the
  // generator stops although max_requests (1,000,000) is far away.
  scenarios::Diagnostics diags;
  const auto r = build_workload(
      profiled(scenarios::WorkloadKind::kPoisson, RateProfileSpec{{{0, 5}, {100, 0}}, 0}, 0), diags);
  ASSERT_FALSE(r.empty());
  EXPECT_LE(r.back().arrival_s, 100);
  EXPECT_NEAR(static_cast<double>(r.size()), 250, 4 * std::sqrt(250.0));
}

TEST(RateProfile, NoArrivalWhereTheRateIsZero) {
  // 10 s at 4 /s, steps down to 0 for 10 s, steps back up; repeated every 30 s, for an hour.
  const RateProfileSpec spec{{{0, 4}, {10, 4}, {10, 0}, {20, 0}, {20, 4}}, 30};
  scenarios::Diagnostics diags;
  const auto r = build_workload(profiled(scenarios::WorkloadKind::kPoisson, spec, 3600), diags);
  for (const RequestRecord& x : r) {
    const double phase = std::fmod(x.arrival_s, 30);
    EXPECT_FALSE(phase > 10 && phase < 20) << x.arrival_s;
  }
  // 20 s of every 30 at 4 /s: 9,600 expected.
  EXPECT_NEAR(static_cast<double>(r.size()), 9600, 4 * std::sqrt(9600.0));
}

}  // namespace
}  // namespace stratum::sim
