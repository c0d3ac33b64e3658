#include "stratum/kernels/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace stratum::kernels {

double percentile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) throw std::invalid_argument("percentile of an empty sample");
  if (!(p >= 0.0 && p <= 100.0)) throw std::invalid_argument("percentile outside [0, 100]: " + std::to_string(p));
  // Hyndman & Fan definition 7: h = (n - 1) p / 100, interpolate between x[floor h] and x[ceil h].
  const double h = (static_cast<double>(sorted.size()) - 1.0) * p / 100.0;
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

scenarios::Timing summarize_timings(std::vector<double>& samples_s) {
  if (samples_s.empty()) throw std::invalid_argument("no timing samples to summarise");
  for (double s : samples_s) {
    if (!std::isfinite(s) || s < 0) throw std::invalid_argument("timing sample is negative or not finite: " + std::to_string(s));
  }
  std::sort(samples_s.begin(), samples_s.end());
  scenarios::Timing t;
  t.median_s = percentile_sorted(samples_s, 50.0);
  t.p10_s = percentile_sorted(samples_s, 10.0);
  t.p90_s = percentile_sorted(samples_s, 90.0);
  t.repetitions = static_cast<int>(samples_s.size());
  return t;
}

}  // namespace stratum::kernels
