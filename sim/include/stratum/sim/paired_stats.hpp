#pragma once
// Paired comparison of two scenarios run with the same seeds (`stratum compare`, issue 6).
// Pure functions: no I/O, no simulation.
#include <span>

namespace stratum::sim {

// The p-quantile of Student's t distribution with `df` >= 1 degrees of freedom, 0 < p < 1.
// Computed, not tabulated: the CDF is A&S 26.7.1 through the regularised incomplete beta function
// (A&S 26.5.8 continued fraction), inverted by bisection to double precision.
double student_t_quantile(double p, int df);

// The regularised incomplete beta function I_x(a, b), 0 <= x <= 1, a, b > 0.
double regularized_incomplete_beta(double x, double a, double b);

struct PairedComparison {
  int n = 0;               // pairs
  double mean_a = 0;
  double mean_b = 0;
  double diff = 0;         // mean of b_i - a_i
  bool has_interval = false;  // false with one pair: no variance estimate
  double ci_low = 0;
  double ci_high = 0;
  bool has_relative = false;  // false when mean_a is 0
  double relative = 0;     // diff / mean_a
  bool significant = false;   // the interval excludes zero (only with has_interval)
};

// The paired t interval of the mean difference b - a at `confidence` (two-sided), pairs
// (a[i], b[i]). `a` and `b` have the same size >= 1.
PairedComparison compare_paired(std::span<const double> a, std::span<const double> b, double confidence = 0.95);

}  // namespace stratum::sim
