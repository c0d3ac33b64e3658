#pragma once
// Sample quantiles of measurements and simulated latencies, one rule for the whole project:
// linear interpolation between closest ranks, Hyndman & Fan (1996), "Sample Quantiles in
// Statistical Packages", definition 7 — the default of numpy.percentile and R's quantile(), so
// results can be checked with either tool.
#include <algorithm>
#include <cmath>
#include <span>

namespace stratum::calibration {

// The q-quantile (0 <= q <= 1) of `sorted`, which must be ascending and non-empty.
inline double quantile_sorted(std::span<const double> sorted, double q) {
  const double h = (static_cast<double>(sorted.size()) - 1.0) * q;
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace stratum::calibration
