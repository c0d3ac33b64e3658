// The statistics of `stratum compare`: Student t quantiles against their closed forms and
// published tables, and paired t intervals worked by hand.
#include "stratum/sim/paired_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace stratum::sim {
namespace {

TEST(IncompleteBeta, MatchesClosedForms) {
  // I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b, integrating the definition (A&S 26.5.1) directly.
  EXPECT_NEAR(regularized_incomplete_beta(0.3, 1, 1), 0.3, 1e-14);
  EXPECT_NEAR(regularized_incomplete_beta(0.7, 2.5, 1), std::pow(0.7, 2.5), 1e-14);
  EXPECT_NEAR(regularized_incomplete_beta(0.2, 1, 4), 1 - std::pow(0.8, 4), 1e-14);
  EXPECT_DOUBLE_EQ(regularized_incomplete_beta(0, 2, 3), 0);
  EXPECT_DOUBLE_EQ(regularized_incomplete_beta(1, 2, 3), 1);
  EXPECT_THROW(regularized_incomplete_beta(1.5, 2, 3), std::invalid_argument);
}

TEST(StudentT, QuantilesMatchTheClosedFormsForOneAndTwoDegrees) {
  // df = 1 is the Cauchy distribution: t_p = tan(pi (p - 1/2)); df = 2: t_p = (2p - 1) / sqrt(2 p (1 - p)).
  for (double p : {0.6, 0.9, 0.975, 0.995, 0.1}) {
    EXPECT_NEAR(student_t_quantile(p, 1), std::tan(std::numbers::pi * (p - 0.5)), 1e-9 * (1 + std::fabs(std::tan(std::numbers::pi * (p - 0.5))))) << p;
    EXPECT_NEAR(student_t_quantile(p, 2), (2 * p - 1) / std::sqrt(2 * p * (1 - p)), 1e-10) << p;
  }
}

TEST(StudentT, QuantilesMatchThePublishedTable) {
  // Two-sided 95 % critical values, e.g. NIST/SEMATECH e-Handbook of Statistical Methods,
  // section 1.3.6.7.2 (table of the t distribution's upper critical values, alpha = 0.025).
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.303, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 3), 3.182, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.776, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 9), 2.262, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.995, 5), 4.032, 5e-4);
  // Symmetric, and tends to the normal quantile 1.95996 for many degrees of freedom.
  EXPECT_DOUBLE_EQ(student_t_quantile(0.025, 4), -student_t_quantile(0.975, 4));
  EXPECT_NEAR(student_t_quantile(0.975, 100000), 1.959964, 1e-4);
  EXPECT_EQ(student_t_quantile(0.5, 7), 0.0);
  EXPECT_THROW(student_t_quantile(0.975, 0), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(1.0, 3), std::invalid_argument);
}

TEST(PairedComparison, IntervalWorkedByHandIsSignificant) {
  // d = b - a = {2, 2.5, 2, 2.5}: mean 2.25, s_d = sqrt(4 * 0.25^2 / 3) = 0.288675,
  // half-width t_{0.975,3} s_d / sqrt(4) = 3.182446 * 0.288675 / 2 = 0.459352.
  const std::vector<double> a = {1, 2, 3, 4};
  const std::vector<double> b = {3, 4.5, 5, 6.5};
  const PairedComparison c = compare_paired(a, b);
  EXPECT_EQ(c.n, 4);
  EXPECT_DOUBLE_EQ(c.mean_a, 2.5);
  EXPECT_DOUBLE_EQ(c.mean_b, 4.75);
  EXPECT_DOUBLE_EQ(c.diff, 2.25);
  ASSERT_TRUE(c.has_interval);
  EXPECT_NEAR(c.ci_low, 2.25 - 0.459352, 1e-5);
  EXPECT_NEAR(c.ci_high, 2.25 + 0.459352, 1e-5);
  ASSERT_TRUE(c.has_relative);
  EXPECT_DOUBLE_EQ(c.relative, 0.9);
  EXPECT_TRUE(c.significant);
}

TEST(PairedComparison, IntervalWorkedByHandThatContainsZero) {
  // d = {1, 3, 2}: mean 2, s_d = 1, half-width t_{0.975,2} / sqrt(3) = 4.302653 / 1.732051 = 2.484138.
  const std::vector<double> a = {10, 12, 14};
  const std::vector<double> b = {11, 15, 16};
  const PairedComparison c = compare_paired(a, b);
  ASSERT_TRUE(c.has_interval);
  EXPECT_NEAR(c.ci_low, 2 - 2.484138, 1e-5);
  EXPECT_NEAR(c.ci_high, 2 + 2.484138, 1e-5);
  EXPECT_FALSE(c.significant);
  EXPECT_NEAR(c.relative, 2.0 / 12.0, 1e-15);
}

TEST(PairedComparison, ZeroVarianceDifferencesGiveAPointInterval) {
  const std::vector<double> a = {1, 2, 3};
  const std::vector<double> b = {2, 3, 4};
  const PairedComparison c = compare_paired(a, b);
  ASSERT_TRUE(c.has_interval);
  EXPECT_DOUBLE_EQ(c.ci_low, 1);
  EXPECT_DOUBLE_EQ(c.ci_high, 1);
  EXPECT_TRUE(c.significant);

  const PairedComparison same = compare_paired(a, a);
  ASSERT_TRUE(same.has_interval);
  EXPECT_EQ(same.diff, 0);
  EXPECT_EQ(same.ci_low, 0);
  EXPECT_EQ(same.ci_high, 0);
  EXPECT_FALSE(same.significant);
}

TEST(PairedComparison, OnePairHasNoInterval) {
  const std::vector<double> a = {4};
  const std::vector<double> b = {5};
  const PairedComparison c = compare_paired(a, b);
  EXPECT_EQ(c.n, 1);
  EXPECT_DOUBLE_EQ(c.diff, 1);
  EXPECT_FALSE(c.has_interval);
  EXPECT_FALSE(c.significant);
  EXPECT_DOUBLE_EQ(c.relative, 0.25);
}

TEST(PairedComparison, ZeroBaselineHasNoRelativeChangeAndBadInputThrows) {
  const std::vector<double> zeros = {0, 0};
  const std::vector<double> ones = {1, 1};
  EXPECT_FALSE(compare_paired(zeros, ones).has_relative);
  const std::vector<double> one = {1};
  EXPECT_THROW(compare_paired(zeros, one), std::invalid_argument);
  EXPECT_THROW(compare_paired(std::vector<double>{}, std::vector<double>{}), std::invalid_argument);
}

}  // namespace
}  // namespace stratum::sim
