#include "stratum/kernels/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "stratum/calibration/quantile.hpp"

namespace stratum::kernels {

double percentile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) throw std::invalid_argument("percentile of an empty sample");
  if (!(p >= 0.0 && p <= 100.0)) throw std::invalid_argument("percentile outside [0, 100]: " + std::to_string(p));
  return calibration::quantile_sorted(sorted, p / 100.0);
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
