#include <gtest/gtest.h>

#include "stratum/sim/metrics.hpp"

namespace stratum::sim {
namespace {

TEST(Percentile, InterpolatesLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4], [50, 90, 99]) = 2.5, 3.7, 3.97
  const std::vector<double> v{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 2.5);
  EXPECT_NEAR(percentile(v, 0.9), 3.7, 1e-12);
  EXPECT_NEAR(percentile(v, 0.99), 3.97, 1e-12);
  EXPECT_DOUBLE_EQ(percentile({7.0}, 0.99), 7.0);
  EXPECT_DOUBLE_EQ(percentile({}, 0.5), 0.0);
}

TEST(Distribution, SortsAndSummarises) {
  const Distribution d = distribution({5, 1, 4, 2, 3});
  EXPECT_EQ(d.count, 5);
  EXPECT_DOUBLE_EQ(d.mean, 3);
  EXPECT_DOUBLE_EQ(d.p50, 3);
  EXPECT_DOUBLE_EQ(d.max, 5);
}

RequestRecord done(double arrival, double first, double finish, int64_t out) {
  RequestRecord r;
  r.arrival_s = arrival;
  r.first_scheduled_s = arrival;
  r.first_token_s = first;
  r.finish_s = finish;
  r.output_tokens = out;
  r.input_tokens = 10;
  r.status = RequestStatus::kCompleted;
  return r;
}

TEST(Slo, EveryBoundMustHold) {
  scenarios::SloSpec slo;
  slo.ttft_s = 1.0;
  slo.tpot_s = 0.1;
  EXPECT_TRUE(meets_slo(done(0, 0.5, 1.4, 10), slo));   // tpot 0.1
  EXPECT_FALSE(meets_slo(done(0, 1.5, 1.6, 2), slo));   // ttft too long
  EXPECT_FALSE(meets_slo(done(0, 0.5, 2.5, 11), slo));  // tpot 0.2
  RequestRecord rejected = done(0, 0.1, 0.2, 2);
  rejected.status = RequestStatus::kRejected;
  EXPECT_FALSE(meets_slo(rejected, slo));
  EXPECT_TRUE(meets_slo(done(0, 9, 99, 2), {}));  // no bounds set
}

TEST(Summarize, CountsRatesAndGoodput) {
  ServingRunResult run;
  run.requests = {done(0, 0.5, 1.4, 10), done(1, 3.0, 4.0, 2)};
  RequestRecord rejected;
  rejected.status = RequestStatus::kRejected;
  rejected.reason = "too long";
  run.requests.push_back(rejected);
  run.simulated_time_s = 4.0;
  scenarios::SloSpec slo;
  slo.ttft_s = 1.0;
  const ServingMetrics m = summarize(run, slo);
  EXPECT_EQ(m.arrived, 3);
  EXPECT_EQ(m.completed, 2);
  EXPECT_EQ(m.rejected, 1);
  EXPECT_EQ(m.slo_met, 1);
  EXPECT_DOUBLE_EQ(m.requests_per_s, 0.5);
  EXPECT_DOUBLE_EQ(m.goodput_requests_per_s, 0.25);
  EXPECT_DOUBLE_EQ(m.output_tokens_per_s, 3.0);
  EXPECT_DOUBLE_EQ(m.ttft_s.mean, 1.25);
  EXPECT_EQ(m.tpot_s.count, 2);
}

}  // namespace
}  // namespace stratum::sim
