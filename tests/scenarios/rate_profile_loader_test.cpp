// serving.workload.poisson.rate_profile and gamma.rate_profile (issue 8): a profile is read into
// WorkloadSpec, and each bad input (both rate and profile, no point, a first point after 0 s, times
// out of order, a negative rate, a rate of 0 throughout, a period shorter than the last point) is
// reported at its field with the exact message.
#include <gtest/gtest.h>

#include "../support/scenario_text.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

// Eight H100s as eight one-GPU instances; `process` is the arrival process block, from line 8.
std::string scenario(const std::string& process) {
  return "cluster {\n"
         "  nodes { id: \"a\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 }\n"
         "}\n"
         "serving {\n"
         "  model: \"llama-3.1-8b\"\n"
         "  replica { tensor_parallel: 1 count: 8 }\n"
         "  workload {\n" +
         process +
         "    input { fixed: 100 } output { fixed: 10 } duration: \"1 h\"\n"
         "  }\n"
         "}\n";
}

std::string errors(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  return testing::load_errors("stratum-rate-profile-loader-test", name, text, out);
}

TEST(RateProfileLoader, PoissonProfileIsRead) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("ok.pbtxt",
                   scenario("    poisson { rate_profile {\n"
                            "      point { at: \"0 h\" rate: \"1 /s\" }\n"
                            "      point { at: \"6 h\" rate: \"20 /s\" }\n"
                            "      point { at: \"6 h\" rate: \"2 /min\" }\n"
                            "      period: \"24 h\" } }\n"),
                   &s),
            "");
  const WorkloadSpec& w = s->serving->workload;
  EXPECT_EQ(w.kind, WorkloadKind::kPoisson);
  EXPECT_DOUBLE_EQ(w.rate_per_s, 0);
  ASSERT_TRUE(w.rate_profile.has_value());
  ASSERT_EQ(w.rate_profile->points.size(), 3u);
  EXPECT_DOUBLE_EQ(w.rate_profile->points[1].at_s, 6 * 3600);
  EXPECT_DOUBLE_EQ(w.rate_profile->points[1].rate_per_s, 20);
  EXPECT_DOUBLE_EQ(w.rate_profile->points[2].rate_per_s, 2.0 / 60);
  EXPECT_DOUBLE_EQ(w.rate_profile->period_s, 86400);
}

TEST(RateProfileLoader, GammaProfileWithoutPeriod) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("gamma.pbtxt", scenario("    gamma { cv: 2 rate_profile { point { at: \"0 s\" rate: \"3 /s\" } } }\n"),
                   &s),
            "");
  const WorkloadSpec& w = s->serving->workload;
  EXPECT_EQ(w.kind, WorkloadKind::kGamma);
  EXPECT_DOUBLE_EQ(w.cv, 2);
  ASSERT_TRUE(w.rate_profile.has_value());
  EXPECT_DOUBLE_EQ(w.rate_profile->period_s, 0);
}

TEST(RateProfileLoader, WithoutProfileNothingChanges) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("plain.pbtxt", scenario("    poisson { rate: \"5 /s\" }\n"), &s), "");
  EXPECT_FALSE(s->serving->workload.rate_profile.has_value());
  EXPECT_DOUBLE_EQ(s->serving->workload.rate_per_s, 5);
}

TEST(RateProfileLoader, RateAndProfileTogether) {
  EXPECT_EQ(errors("both.pbtxt",
                   scenario("    poisson { rate: \"5 /s\" rate_profile { point { at: \"0 s\" rate: \"3 /s\" } } }\n")),
            "F:8:15: error: serving.workload.poisson sets both rate and rate_profile; expected one of them (the "
            "profile gives the rate at every time)\n");
}

TEST(RateProfileLoader, NoPoint) {
  EXPECT_EQ(errors("empty.pbtxt", scenario("    poisson { rate_profile { period: \"24 h\" } }\n")),
            "F:8:15: error: serving.workload.poisson.rate_profile has no point; expected at least one point { at: "
            "\"0 s\" rate: \"1 /s\" }\n");
}

TEST(RateProfileLoader, FirstPointAfterZero) {
  EXPECT_EQ(errors("late.pbtxt", scenario("    poisson { rate_profile { point { at: \"1 h\" rate: \"3 /s\" } } }\n")),
            "F:8:38: error: serving.workload.poisson.rate_profile.point[0].at is \"1 h\"; expected \"0 s\" (the "
            "profile starts at the run's start)\n");
}

TEST(RateProfileLoader, TimesOutOfOrder) {
  EXPECT_EQ(errors("order.pbtxt",
                   scenario("    poisson { rate_profile {\n"
                            "      point { at: \"0 h\" rate: \"1 /s\" }\n"
                            "      point { at: \"2 h\" rate: \"5 /s\" }\n"
                            "      point { at: \"90 min\" rate: \"5 /s\" } } }\n")),
            "F:11:15: error: serving.workload.poisson.rate_profile.point[2].at is \"90 min\", before "
            "serving.workload.poisson.rate_profile.point[1].at \"2 h\"; expected times in non-decreasing order\n");
}

TEST(RateProfileLoader, NegativeRate) {
  EXPECT_EQ(errors("negative.pbtxt",
                   scenario("    gamma { cv: 1 rate_profile {\n"
                            "      point { at: \"0 h\" rate: \"1 /s\" }\n"
                            "      point { at: \"2 h\" rate: \"-5 /s\" } } }\n")),
            "F:10:25: error: serving.workload.gamma.rate_profile.point[1].rate is \"-5 /s\"; expected a rate from 0 to "
            "1000000 /s\n");
}

TEST(RateProfileLoader, RateZeroThroughout) {
  EXPECT_EQ(errors("zero.pbtxt",
                   scenario("    poisson { rate_profile {\n"
                            "      point { at: \"0 h\" rate: \"0 /s\" }\n"
                            "      point { at: \"2 h\" rate: \"0 /h\" } period: \"24 h\" } }\n")),
            "F:8:15: error: serving.workload.poisson.rate_profile has a rate of 0 throughout; expected a rate above 0 "
            "for some time\n");
  // A rate above 0 at one instant only (a step's point) still carries no arrivals.
  EXPECT_EQ(errors("instant.pbtxt",
                   scenario("    poisson { rate_profile {\n"
                            "      point { at: \"0 h\" rate: \"0 /s\" }\n"
                            "      point { at: \"2 h\" rate: \"0 /s\" }\n"
                            "      point { at: \"2 h\" rate: \"9 /s\" }\n"
                            "      point { at: \"2 h\" rate: \"0 /s\" } } }\n")),
            "F:8:15: error: serving.workload.poisson.rate_profile has a rate of 0 throughout; expected a rate above 0 "
            "for some time\n");
}

TEST(RateProfileLoader, PeriodShorterThanTheLastPoint) {
  EXPECT_EQ(errors("period.pbtxt",
                   scenario("    poisson { rate_profile {\n"
                            "      point { at: \"0 h\" rate: \"1 /s\" }\n"
                            "      point { at: \"25 h\" rate: \"5 /s\" }\n"
                            "      period: \"24 h\" } }\n")),
            "F:11:7: error: serving.workload.poisson.rate_profile.period is \"24 h\", shorter than the last point's "
            "time \"25 h\"; expected at least the last point's time\n");
}

TEST(RateProfileLoader, MissingFieldsAreAllReported) {
  EXPECT_EQ(errors("missing.pbtxt",
                   scenario("    poisson { rate_profile {\n"
                            "      point { rate: \"1 /s\" }\n"
                            "      point { at: \"2 h\" } } }\n")),
            "F:9:7: error: serving.workload.poisson.rate_profile.point[0].at is missing; expected \"0 s\" (the profile "
            "starts at the run's start)\n"
            "F:10:7: error: serving.workload.poisson.rate_profile.point[1].rate is missing; expected a rate such as "
            "\"5 /s\" (units: /s, /min, /h)\n");
}

}  // namespace
}  // namespace stratum::scenarios
