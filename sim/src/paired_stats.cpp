#include "stratum/sim/paired_stats.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace stratum::sim {
namespace {

// Continued fraction of I_x(a, b) (Abramowitz & Stegun 26.5.8), evaluated with the modified Lentz
// method (Press et al., Numerical Recipes 3rd ed., 2007, section 5.2 and betacf in section 6.4).
// Converges fast for x < (a + 1) / (a + b + 2); the caller uses the symmetry otherwise.
double beta_continued_fraction(double x, double a, double b) {
  constexpr int kMaxIterations = 300;
  constexpr double kEpsilon = 1e-15;
  constexpr double kTiny = 1e-300;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return h;
}

// P(T <= t) for Student's t with df degrees of freedom: A&S 26.7.1 gives
// A(t|df) = P(|T| <= |t|) = 1 - I_{df/(df+t^2)}(df/2, 1/2); the distribution is symmetric.
double student_t_cdf(double t, int df) {
  const double nu = df;
  const double tail = 0.5 * regularized_incomplete_beta(nu / (nu + t * t), 0.5 * nu, 0.5);
  return t >= 0 ? 1.0 - tail : tail;
}

}  // namespace

double regularized_incomplete_beta(double x, double a, double b) {
  if (!(x >= 0.0 && x <= 1.0) || !(a > 0.0) || !(b > 0.0)) {
    throw std::invalid_argument("regularized_incomplete_beta: needs 0 <= x <= 1 and a, b > 0");
  }
  if (x == 0.0 || x == 1.0) return x;
  // Prefactor x^a (1-x)^b / (a B(a, b)), in logarithms to avoid overflow (A&S 26.5.8).
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  // I_x(a, b) = 1 - I_{1-x}(b, a) (A&S 26.5.2) keeps the fraction in its fast region.
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(x, a, b) / a;
  return 1.0 - front * beta_continued_fraction(1.0 - x, b, a) / b;
}

double student_t_quantile(double p, int df) {
  if (!(p > 0.0 && p < 1.0) || df < 1) throw std::invalid_argument("student_t_quantile: needs 0 < p < 1 and df >= 1");
  if (p == 0.5) return 0.0;
  // The CDF is monotone: bisect on [0, hi] for the upper half and use the symmetry for the lower.
  const double q = p > 0.5 ? p : 1.0 - p;
  double lo = 0.0;
  double hi = 1.0;
  while (student_t_cdf(hi, df) < q) {
    hi *= 2.0;
    if (hi > 1e300) break;  // q within rounding of 1: the quantile is not representable anyway
  }
  for (int i = 0; i < 200 && hi - lo > 4 * std::numeric_limits<double>::epsilon() * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, df) < q ? lo : hi) = mid;
  }
  const double t = 0.5 * (lo + hi);
  return p > 0.5 ? t : -t;
}

PairedComparison compare_paired(std::span<const double> a, std::span<const double> b, double confidence) {
  if (a.size() != b.size() || a.empty()) throw std::invalid_argument("compare_paired: needs equal, non-empty samples");
  if (!(confidence > 0.0 && confidence < 1.0)) throw std::invalid_argument("compare_paired: confidence in (0, 1)");
  PairedComparison r;
  r.n = static_cast<int>(a.size());
  double sum_a = 0, sum_b = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sum_a += a[i];
    sum_b += b[i];
  }
  r.mean_a = sum_a / r.n;
  r.mean_b = sum_b / r.n;
  double sum_d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum_d += b[i] - a[i];
  r.diff = sum_d / r.n;
  if (r.mean_a != 0.0) {
    r.has_relative = true;
    r.relative = r.diff / r.mean_a;
  }
  if (r.n < 2) return r;
  // Paired t interval (Student, "The probable error of a mean", Biometrika 6(1), 1908, whose
  // worked example is itself paired): d-bar +- t_{(1+c)/2, n-1} * s_d / sqrt(n), with s_d the
  // sample standard deviation of the differences (denominator n - 1).
  double ss = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double e = (b[i] - a[i]) - r.diff;
    ss += e * e;
  }
  const double s_d = std::sqrt(ss / (r.n - 1));
  const double half = student_t_quantile(0.5 * (1.0 + confidence), r.n - 1) * s_d / std::sqrt(static_cast<double>(r.n));
  r.has_interval = true;
  r.ci_low = r.diff - half;
  r.ci_high = r.diff + half;
  r.significant = r.ci_low > 0.0 || r.ci_high < 0.0;
  return r;
}

}  // namespace stratum::sim
