#include "stratum/calibration/interpolation.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace stratum::calibration {

LogLogSeries::LogLogSeries(std::vector<Point> points) {
  std::map<double, std::pair<double, int>> by_x;  // log x -> (sum of log y, count)
  for (const Point& p : points) {
    if (!(p.x > 0) || !(p.y > 0)) continue;
    auto& slot = by_x[std::log(p.x)];
    slot.first += std::log(p.y);
    slot.second += 1;
  }
  for (const auto& [lx, acc] : by_x) {
    xs_.push_back(lx);
    ys_.push_back(acc.first / acc.second);
  }
}

double LogLogSeries::min_x() const { return std::exp(xs_.front()); }
double LogLogSeries::max_x() const { return std::exp(xs_.back()); }

namespace {

// Least-squares line through (xs[i], ys[i]) for i in [first, last).
void fit_line(const std::vector<double>& xs, const std::vector<double>& ys, size_t first, size_t last,
              double& slope, double& intercept) {
  const double n = static_cast<double>(last - first);
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = first; i < last; ++i) {
    sx += xs[i];
    sy += ys[i];
    sxx += xs[i] * xs[i];
    sxy += xs[i] * ys[i];
  }
  const double denom = n * sxx - sx * sx;
  slope = denom != 0 ? (n * sxy - sx * sy) / denom : 0.0;
  intercept = (sy - slope * sx) / n;
}

}  // namespace

Estimate LogLogSeries::at(double x) const {
  if (xs_.empty() || !(x > 0)) return {0.0, Provenance::kRoofline};
  const double lx = std::log(x);
  if (xs_.size() == 1) {
    if (lx == xs_[0]) return {std::exp(ys_[0]), Provenance::kMeasured};
    return {std::exp(ys_[0] + lx - xs_[0]), Provenance::kExtrapolated};  // t proportional to x
  }
  const auto it = std::lower_bound(xs_.begin(), xs_.end(), lx);
  if (it != xs_.end() && *it == lx) return {std::exp(ys_[static_cast<size_t>(it - xs_.begin())]), Provenance::kMeasured};
  if (it != xs_.begin() && it != xs_.end()) {
    const size_t hi = static_cast<size_t>(it - xs_.begin());
    const size_t lo = hi - 1;
    const double w = (lx - xs_[lo]) / (xs_[hi] - xs_[lo]);
    return {std::exp(ys_[lo] + w * (ys_[hi] - ys_[lo])), Provenance::kInterpolated};
  }
  const size_t n = std::min<size_t>(3, xs_.size());
  double slope = 0, intercept = 0;
  if (it == xs_.begin()) {
    fit_line(xs_, ys_, 0, n, slope, intercept);
  } else {
    fit_line(xs_, ys_, xs_.size() - n, xs_.size(), slope, intercept);
  }
  return {std::exp(intercept + slope * lx), Provenance::kExtrapolated};
}

bool fit_alpha_beta(std::span<const Point> points, AlphaBeta& out) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
  double lo = INFINITY, hi = 0;
  for (const Point& p : points) {
    if (!(p.x > 0) || !(p.y > 0)) continue;
    sx += p.x;
    sy += p.y;
    sxx += p.x * p.x;
    sxy += p.x * p.y;
    n += 1;
    lo = std::min(lo, p.x);
    hi = std::max(hi, p.x);
  }
  if (n < 2 || !(hi > lo)) return false;
  double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  double alpha = (sy - slope * sx) / n;
  if (alpha < 0) {  // refit through the origin
    alpha = 0;
    slope = sxy / sxx;
  }
  if (!(slope > 0)) return false;
  out = AlphaBeta{alpha, 1.0 / slope, lo, hi};
  return true;
}

}  // namespace stratum::calibration
