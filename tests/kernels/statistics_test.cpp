#include "stratum/kernels/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace stratum::kernels {
namespace {

TEST(Statistics, PercentilesOfOneToHundredFollowHyndmanFanDefinition7) {
  // x = 1..101: h = 100 p / 100 = p, so the p-th percentile is exactly 1 + p.
  std::vector<double> v;
  for (int i = 101; i >= 1; --i) v.push_back(i);  // unsorted on purpose
  const auto t = summarize_timings(v);
  EXPECT_DOUBLE_EQ(t.median_s, 51.0);
  EXPECT_DOUBLE_EQ(t.p10_s, 11.0);
  EXPECT_DOUBLE_EQ(t.p90_s, 91.0);
  EXPECT_EQ(t.repetitions, 101);
}

TEST(Statistics, InterpolatesBetweenRanks) {
  // NumPy: np.percentile([1, 2, 3, 4], [10, 50, 90]) = [1.3, 2.5, 3.7].
  std::vector<double> v = {4, 1, 3, 2};
  const auto t = summarize_timings(v);
  EXPECT_NEAR(t.p10_s, 1.3, 1e-12);
  EXPECT_NEAR(t.median_s, 2.5, 1e-12);
  EXPECT_NEAR(t.p90_s, 3.7, 1e-12);
}

TEST(Statistics, OneSlowRepetitionDoesNotMoveTheMedian) {
  std::vector<double> v(50, 1e-3);
  v[17] = 1.0;  // a context switch
  const auto t = summarize_timings(v);
  EXPECT_DOUBLE_EQ(t.median_s, 1e-3);
  EXPECT_DOUBLE_EQ(t.p90_s, 1e-3);
}

TEST(Statistics, SingleSampleIsEveryPercentile) {
  std::vector<double> v = {2.5e-6};
  const auto t = summarize_timings(v);
  EXPECT_EQ(t.median_s, 2.5e-6);
  EXPECT_EQ(t.p10_s, 2.5e-6);
  EXPECT_EQ(t.p90_s, 2.5e-6);
  EXPECT_EQ(t.repetitions, 1);
}

TEST(Statistics, RejectsEmptyNegativeAndNonFiniteSamples) {
  std::vector<double> empty;
  EXPECT_THROW(summarize_timings(empty), std::invalid_argument);
  std::vector<double> negative = {1.0, -1.0};
  EXPECT_THROW(summarize_timings(negative), std::invalid_argument);
  std::vector<double> nan = {1.0, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_THROW(summarize_timings(nan), std::invalid_argument);
  const std::vector<double> sorted = {1.0, 2.0};
  EXPECT_THROW(percentile_sorted(sorted, 101), std::invalid_argument);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 0), 1.0);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 100), 2.0);
}

}  // namespace
}  // namespace stratum::kernels
