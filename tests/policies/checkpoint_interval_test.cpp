// Young's and Daly's checkpoint intervals against their closed forms and Daly's worked case.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "stratum/policies/checkpoint_interval.hpp"

namespace stratum::policies {
namespace {

TEST(CheckpointInterval, YoungIsSqrtTwoDeltaM) {
  EXPECT_DOUBLE_EQ(young_interval_s(300, 86400), std::sqrt(2.0 * 300 * 86400));  // 7200 s
  EXPECT_DOUBLE_EQ(young_interval_s(300, 86400), 7200);
}

TEST(CheckpointInterval, DalysWorkedCaseIsAbout117Minutes) {
  // Daly 2006: M = 24 h, delta = 5 min gives about 117 min (REFERENCES.md, Operations).
  const double tau = daly_interval_s(300, 86400);
  EXPECT_NEAR(tau / 60, 117, 0.5);
  // eq. 37 term by term: sqrt(2 delta M) = 7200, x = delta / 2M = 1/576.
  const double x = 300.0 / (2 * 86400);
  EXPECT_DOUBLE_EQ(tau, 7200 * (1 + std::sqrt(x) / 3 + x / 9) - 300);
}

TEST(CheckpointInterval, DalyIsMWhenTheCheckpointCostsTwoMtbfOrMore) {
  EXPECT_DOUBLE_EQ(daly_interval_s(200, 100), 100);
  EXPECT_DOUBLE_EQ(daly_interval_s(200.0, 100.0), 100.0);
  EXPECT_LT(daly_interval_s(199.9, 100), 200);
}

TEST(CheckpointInterval, RejectsNonPositiveInputs) {
  EXPECT_THROW(young_interval_s(0, 100), std::invalid_argument);
  EXPECT_THROW(daly_interval_s(10, -1), std::invalid_argument);
  EXPECT_THROW(daly_interval_s(std::nan(""), 1), std::invalid_argument);
}

}  // namespace
}  // namespace stratum::policies
