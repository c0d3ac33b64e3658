#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "stratum/scenarios/trace.hpp"
#include "stratum/sim/workload.hpp"
#include "workload_checks.hpp"

namespace stratum::sim {
namespace {

scenarios::Scenario synthetic(scenarios::WorkloadKind kind, double rate, double cv, int64_t n) {
  scenarios::Scenario s;
  s.seed = 11;
  scenarios::ServingSpec serving;
  serving.workload.kind = kind;
  serving.workload.rate_per_s = rate;
  serving.workload.cv = cv;
  serving.workload.max_requests = n;
  serving.workload.input = {scenarios::LengthKind::kUniform, 0, 100, 200, 0, 0};
  serving.workload.output = {scenarios::LengthKind::kLognormal, 0, 1, 0, 200, 150};
  s.serving = serving;
  return s;
}

// Mean and coefficient of variation of the inter-arrival gaps.
std::pair<double, double> gap_moments(const std::vector<RequestRecord>& r) {
  double sum = 0, sq = 0;
  double prev = 0;
  for (const auto& x : r) {
    const double g = x.arrival_s - prev;
    prev = x.arrival_s;
    sum += g;
    sq += g * g;
  }
  const double n = static_cast<double>(r.size());
  const double mean = sum / n;
  return {mean, std::sqrt(sq / n - mean * mean) / mean};
}

TEST(Workload, PoissonHasItsRateAndUnitCv) {
  scenarios::Diagnostics diags;
  const auto r = build_workload(synthetic(scenarios::WorkloadKind::kPoisson, 5.0, 1.0, 50000), diags);
  ASSERT_TRUE(diags.ok());
  ASSERT_EQ(r.size(), 50000u);
  const auto [mean, cv] = gap_moments(r);
  EXPECT_NEAR(mean, 0.2, 0.2 * 0.02);
  EXPECT_NEAR(cv, 1.0, 0.03);
}

TEST(Workload, GammaHasItsCv) {
  scenarios::Diagnostics diags;
  const auto r = build_workload(synthetic(scenarios::WorkloadKind::kGamma, 2.0, 3.0, 50000), diags);
  const auto [mean, cv] = gap_moments(r);
  EXPECT_NEAR(mean, 0.5, 0.5 * 0.05);
  EXPECT_NEAR(cv, 3.0, 0.15);
}

TEST(Workload, FixedRateIsEvenlySpaced) {
  scenarios::Diagnostics diags;
  const auto r = build_workload(synthetic(scenarios::WorkloadKind::kFixedRate, 4.0, 1.0, 10), diags);
  ASSERT_EQ(r.size(), 10u);
  EXPECT_DOUBLE_EQ(r[0].arrival_s, 0.25);
  EXPECT_DOUBLE_EQ(r[9].arrival_s, 2.5);
}

TEST(Workload, LengthsFollowTheirDistributions) {
  scenarios::Diagnostics diags;
  const auto r = build_workload(synthetic(scenarios::WorkloadKind::kPoisson, 5.0, 1.0, 40000), diags);
  double out_sum = 0;
  for (const auto& x : r) {
    EXPECT_GE(x.input_tokens, 100);
    EXPECT_LE(x.input_tokens, 200);
    out_sum += static_cast<double>(x.output_tokens);
  }
  EXPECT_NEAR(out_sum / r.size(), 200.0, 200.0 * 0.03);  // log-normal mean, barely clamped
}

TEST(Workload, SameSeedSameRequestsOtherSeedOthers) {
  testing::expect_same_seed_same_requests(synthetic(scenarios::WorkloadKind::kPoisson, 5.0, 1.0, 100));
}

TEST(Workload, DurationStopsArrivals) {
  scenarios::Diagnostics diags;
  auto s = synthetic(scenarios::WorkloadKind::kFixedRate, 10.0, 1.0, 0);
  s.serving->workload.duration_s = 3.0;
  const auto r = build_workload(s, diags);
  EXPECT_EQ(r.size(), 29u);  // 0.1 .. 2.9 s
}

TEST(Workload, NeverEndingSyntheticWorkloadIsAnError) {
  scenarios::Diagnostics diags;
  auto s = synthetic(scenarios::WorkloadKind::kPoisson, 10.0, 1.0, 0);
  EXPECT_TRUE(build_workload(s, diags).empty());
  EXPECT_FALSE(diags.ok());
}

// A serving scenario replaying one of the traces shipped in scenarios/traces/.
scenarios::Scenario trace_replay(const char* relative_path, scenarios::TraceFormat format) {
  scenarios::Scenario s;
  scenarios::ServingSpec serving;
  serving.workload.kind = scenarios::WorkloadKind::kTrace;
  serving.workload.trace_path = std::string(STRATUM_SOURCE_DIR "/scenarios/traces/") + relative_path;
  serving.workload.trace_format = format;
  s.serving = serving;
  return s;
}

TEST(Workload, ReplaysTheAzureTraceWithTimeScale) {
  scenarios::Scenario s = trace_replay("azure-llm-2023/conv.csv", scenarios::TraceFormat::kAzureCsv);
  s.serving->workload.time_scale = 2.0;
  scenarios::Diagnostics diags;
  const auto r = build_workload(s, diags);
  ASSERT_TRUE(diags.ok()) << diags.to_string();
  ASSERT_EQ(r.size(), 19366u);
  EXPECT_EQ(r.front().arrival_s, 0.0);
  EXPECT_NEAR(r.back().arrival_s, 3500.0 / 2, 300.0);  // 58 minutes halved
  for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(r[i].id, i);
}

// trace.repeat plays the scaled trace back to back: copy k is copy 0 shifted by k periods, the
// period being the span plus one mean gap, so the mean rate is unchanged.
TEST(Workload, RepeatPlaysTheScaledTraceBackToBack) {
  scenarios::Scenario s = trace_replay("azure-llm-2023/conv.csv", scenarios::TraceFormat::kAzureCsv);
  s.serving->workload.time_scale = 4.0;
  scenarios::Diagnostics diags;
  const auto once = build_workload(s, diags);
  s.serving->workload.repeat = 3;
  const auto thrice = build_workload(s, diags);
  ASSERT_TRUE(diags.ok()) << diags.to_string();
  ASSERT_EQ(thrice.size(), 3 * once.size());
  const size_t n = once.size();
  const double span = once.back().arrival_s - once.front().arrival_s;
  const double period = span + span / static_cast<double>(n - 1);
  for (size_t k = 0; k < 3; ++k) {
    for (size_t i : {size_t{0}, n / 2, n - 1}) {
      const auto& r = thrice[k * n + i];
      EXPECT_EQ(r.id, k * n + i);
      EXPECT_DOUBLE_EQ(r.arrival_s, once[i].arrival_s + static_cast<double>(k) * period);
      EXPECT_EQ(r.input_tokens, once[i].input_tokens);
    }
  }
  // max_requests cuts across copies.
  s.serving->workload.max_requests = static_cast<int64_t>(n) + 10;
  EXPECT_EQ(build_workload(s, diags).size(), n + 10);
}

// The Mooncake trace's hash_ids reach the run flat: request i's are exactly its trace line's,
// and max_requests cuts the table with the requests.
TEST(Workload, CarriesTheMooncakePrefixHashesFlat) {
  scenarios::Scenario s = trace_replay("mooncake-fast25/synthetic_trace.jsonl", scenarios::TraceFormat::kMooncakeJsonl);
  s.serving->workload.max_requests = 500;
  scenarios::Diagnostics diags;
  RequestPrefixes prefixes;
  const auto r = build_workload(s, diags, &prefixes);
  ASSERT_TRUE(diags.ok()) << diags.to_string();
  ASSERT_EQ(r.size(), 500u);
  ASSERT_EQ(prefixes.offsets.size(), r.size() + 1);
  const auto trace = scenarios::read_trace(s.serving->workload.trace_path, s.serving->workload.trace_format, diags);
  size_t total = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    const auto ids = prefixes.of(i);
    ASSERT_EQ(ids.size(), trace[i].hash_ids.size()) << i;
    EXPECT_TRUE(std::equal(ids.begin(), ids.end(), trace[i].hash_ids.begin())) << i;
    total += ids.size();
  }
  EXPECT_EQ(prefixes.ids.size(), total);
  EXPECT_GT(total, 0u);
  EXPECT_TRUE(prefixes.of(500).empty());  // beyond the table
}

TEST(Workload, NoPrefixHashesWithoutATraceThatHasThem) {
  scenarios::Diagnostics diags;
  RequestPrefixes prefixes;
  prefixes.ids = {1, 2};
  prefixes.offsets = {0, 2};
  const auto r = build_workload(synthetic(scenarios::WorkloadKind::kFixedRate, 4.0, 1.0, 10), diags, &prefixes);
  EXPECT_EQ(r.size(), 10u);
  EXPECT_TRUE(prefixes.ids.empty());
  EXPECT_TRUE(prefixes.offsets.empty());
  EXPECT_TRUE(prefixes.of(0).empty());
}

}  // namespace
}  // namespace stratum::sim
