// Admission control decisions on crafted states (policies/admission.hpp): pure, no simulation.
#include "stratum/policies/admission.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace stratum::policies {
namespace {

InstanceLoad load(int64_t outstanding, int64_t queued_prefill, int64_t running = 0) {
  InstanceLoad l;
  l.outstanding = outstanding;
  l.queued_prefill_tokens = queued_prefill;
  l.running = running;
  return l;
}

AdmissionRequest request(int64_t input, std::optional<double> ttft, int rank = 0, int levels = 1) {
  AdmissionRequest r;
  r.input_tokens = input;
  r.ttft_slo_s = ttft;
  r.priority = rank;
  r.priority_rank = rank;
  r.priority_levels = levels;
  return r;
}

// 8,000 prefill tokens per second: 8,192-token chunks in 1.024 s.
PrefillCapacity capacity(bool chunked = false) { return {8192, 1.024, chunked}; }

TEST(Admission, NoneAdmitsToTheRoutersPick) {
  scenarios::AdmissionSpec spec;
  const auto a = make_admission(spec, {});
  const std::vector<InstanceLoad> loads{load(1000, 1'000'000), load(0, 0)};
  const AdmissionDecision d = a->decide(RouterView{loads}, request(100, std::nullopt), 0);
  EXPECT_EQ(d.action, AdmissionAction::kAdmit);
  EXPECT_EQ(d.instance, 0u);
}

TEST(Admission, PredictedTtftIsQueuedPlusOwnPrefillOverThroughput) {
  // (3,000 queued + 1,000 own) / 8,000 tokens/s = 0.5 s.
  EXPECT_DOUBLE_EQ(predict_ttft_s(load(0, 3000), capacity(), 1000), 0.5);
  // Chunked prefill: 192 running decodes leave 8,000 of 8,192 tokens per iteration to prefill:
  // 4,000 / (8,000 / 1.024) = 0.512 s.
  EXPECT_DOUBLE_EQ(predict_ttft_s(load(0, 3000, 192), capacity(true), 1000), 0.512);
  // Without chunking, decodes do not share a prefill iteration.
  EXPECT_DOUBLE_EQ(predict_ttft_s(load(0, 3000, 192), capacity(false), 1000), 0.5);
  EXPECT_THROW(predict_ttft_s(load(0, 0), PrefillCapacity{}, 10), std::invalid_argument);
}

TEST(Admission, QueueLimitRejectsAtTheLimitWithTheCount) {
  scenarios::AdmissionSpec spec;
  spec.kind = scenarios::AdmissionKind::kQueueLimit;
  spec.max_outstanding_per_instance = 64;
  const auto a = make_admission(spec, {});
  const std::vector<InstanceLoad> loads{load(63, 0), load(64, 0)};
  EXPECT_EQ(a->decide(RouterView{loads}, request(10, std::nullopt), 0).action, AdmissionAction::kAdmit);
  const AdmissionDecision d = a->decide(RouterView{loads}, request(10, std::nullopt), 1);
  EXPECT_EQ(d.action, AdmissionAction::kReject);
  EXPECT_EQ(d.reason(), "admission: instance queue full (64 outstanding)");
  EXPECT_EQ(d.cause, AdmissionCause::kQueueFull);
}

TEST(Admission, QueueLimitShedsLowerPrioritiesFirst) {
  EXPECT_EQ(queue_limit_for(64, 0, 1), 64);
  EXPECT_EQ(queue_limit_for(64, 0, 2), 32);
  EXPECT_EQ(queue_limit_for(64, 1, 2), 64);
  EXPECT_EQ(queue_limit_for(10, 0, 3), 4);  // ceil(10 / 3)
  EXPECT_EQ(queue_limit_for(10, 1, 3), 7);  // ceil(20 / 3)
  scenarios::AdmissionSpec spec;
  spec.kind = scenarios::AdmissionKind::kQueueLimit;
  spec.max_outstanding_per_instance = 64;
  const auto a = make_admission(spec, {});
  const std::vector<InstanceLoad> loads{load(40, 0)};
  const AdmissionDecision low = a->decide(RouterView{loads}, request(10, std::nullopt, 0, 2), 0);
  EXPECT_EQ(low.action, AdmissionAction::kReject);
  EXPECT_EQ(low.reason(), "admission: instance queue full (40 outstanding; priority 0 is shed at 32 of 64)");
  EXPECT_EQ(a->decide(RouterView{loads}, request(10, std::nullopt, 1, 2), 0).action, AdmissionAction::kAdmit);
}

TEST(Admission, SloAwareKeepsThePickWhenItMeetsTheSlo) {
  scenarios::AdmissionSpec spec;
  spec.kind = scenarios::AdmissionKind::kSloAware;
  const auto a = make_admission(spec, {capacity(), capacity()});
  const std::vector<InstanceLoad> loads{load(5, 8000), load(0, 0)};
  // Instance 0: 9,000 tokens -> 1.125 s, within 2 s: the router's pick stands.
  const AdmissionDecision d = a->decide(RouterView{loads}, request(1000, 2.0), 0);
  EXPECT_EQ(d.action, AdmissionAction::kAdmit);
  EXPECT_EQ(d.instance, 0u);
  EXPECT_DOUBLE_EQ(d.predicted_ttft_s, 1.125);
}

TEST(Admission, SloAwareMovesToTheFastestInstanceWhenThePickMisses) {
  scenarios::AdmissionSpec spec;
  spec.kind = scenarios::AdmissionKind::kSloAware;
  const auto a = make_admission(spec, {capacity(), capacity(), capacity()});
  const std::vector<InstanceLoad> loads{load(0, 40000), load(0, 12000), load(0, 6000)};
  const AdmissionDecision d = a->decide(RouterView{loads}, request(1000, 2.0), 0);
  EXPECT_EQ(d.action, AdmissionAction::kAdmit);
  EXPECT_EQ(d.instance, 2u);
  EXPECT_DOUBLE_EQ(d.predicted_ttft_s, 0.875);
}

TEST(Admission, SloAwareRejectsOrDefersWithTheNumbersWhenNoInstanceMeetsTheSlo) {
  scenarios::AdmissionSpec spec;
  spec.kind = scenarios::AdmissionKind::kSloAware;
  const std::vector<InstanceLoad> loads{load(0, 40000), load(0, 24600), load(0, 30000), load(0, 50000)};
  const auto reject = make_admission(spec, std::vector<PrefillCapacity>(4, capacity()));
  const AdmissionDecision d = reject->decide(RouterView{loads}, request(1000, 2.0), 0);
  EXPECT_EQ(d.action, AdmissionAction::kReject);
  // Best: (24,600 + 1,000) / 8,000 = 3.2 s.
  EXPECT_EQ(d.reason(), "admission: predicted TTFT 3.2 s exceeds the SLO 2 s on all 4 instances");
  EXPECT_EQ(d.cause, AdmissionCause::kPredictedTtft);
  spec.defer = true;
  const auto defer = make_admission(spec, std::vector<PrefillCapacity>(4, capacity()));
  EXPECT_EQ(defer->decide(RouterView{loads}, request(1000, 2.0), 0).action, AdmissionAction::kDefer);
}

TEST(Admission, SloAwareNeedsATtftBound) {
  scenarios::AdmissionSpec spec;
  spec.kind = scenarios::AdmissionKind::kSloAware;
  const auto a = make_admission(spec, {capacity()});
  const std::vector<InstanceLoad> loads{load(0, 0)};
  EXPECT_THROW(a->decide(RouterView{loads}, request(10, std::nullopt), 0), std::logic_error);
}

}  // namespace
}  // namespace stratum::policies
