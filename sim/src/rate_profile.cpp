#include "stratum/sim/rate_profile.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace stratum::sim {

RateProfile::RateProfile(const scenarios::RateProfileSpec& spec) {
  const std::vector<scenarios::RatePointSpec>& p = spec.points;
  periodic_ = spec.period_s > 0;
  tail_rate_ = p.empty() ? 0 : p.back().rate_per_s;
  auto add = [this](double t0, double t1, double r0, double r1) {
    if (!(t1 > t0)) return;  // a step: two points at one time cover no time
    Segment s{t0, t1, r0, r1, area_};
    area_ += (t1 - t0) * (r0 + r1) / 2;  // trapezoid: the exact integral of a linear rate
    segments_.push_back(s);
  };
  for (size_t i = 0; i + 1 < p.size(); ++i) add(p[i].at_s, p[i + 1].at_s, p[i].rate_per_s, p[i + 1].rate_per_s);
  if (p.empty()) return;
  if (periodic_) {
    add(p.back().at_s, spec.period_s, p.back().rate_per_s, p.front().rate_per_s);
    span_ = spec.period_s;
  } else {
    span_ = p.back().at_s;
  }
}

double RateProfile::rate(double t) const {
  if (periodic_) t -= std::floor(t / span_) * span_;
  if (!periodic_ && t >= span_) return tail_rate_;
  // The segment holding t: the last one starting at or before it.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), t,
                             [](double v, const Segment& s) { return v < s.t0; });
  if (it == segments_.begin()) return segments_.empty() ? tail_rate_ : segments_.front().r0;
  const Segment& s = *std::prev(it);
  const double x = std::min(t, s.t1) - s.t0;
  return s.r0 + (s.r1 - s.r0) * x / (s.t1 - s.t0);
}

double RateProfile::area_within(double t) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), t,
                             [](double v, const Segment& s) { return v < s.t0; });
  if (it == segments_.begin()) return 0;
  const Segment& s = *std::prev(it);
  const double x = std::min(t, s.t1) - s.t0;
  return s.area0 + s.r0 * x + (s.r1 - s.r0) / (s.t1 - s.t0) * x * x / 2;
}

double RateProfile::integral(double t) const {
  if (periodic_) {
    const double k = std::floor(t / span_);
    return k * area_ + area_within(t - k * span_);
  }
  if (t <= span_) return area_within(t);
  return area_ + tail_rate_ * (t - span_);
}

double RateProfile::inverse_within(double s) const {
  // The first segment whose end carries Lambda above s; flat (zero-rate) stretches are skipped,
  // so the answer is the smallest t with Lambda(t) = s.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), s, [](double v, const Segment& g) {
    return v < g.area0 + (g.t1 - g.t0) * (g.r0 + g.r1) / 2;
  });
  if (it == segments_.end()) return span_;
  const Segment& g = *it;
  // Solve r0 x + m x^2 / 2 = u for the time x into the segment (m its slope): the root
  // x = 2u / (r0 + sqrt(r0^2 + 2 m u)), the form that neither cancels nor divides by m = 0.
  const double u = std::max(0.0, s - g.area0);
  const double m = (g.r1 - g.r0) / (g.t1 - g.t0);
  const double root = std::sqrt(std::max(0.0, g.r0 * g.r0 + 2 * m * u));
  const double denominator = g.r0 + root;
  const double x = denominator > 0 ? 2 * u / denominator : 0;
  return g.t0 + std::clamp(x, 0.0, g.t1 - g.t0);
}

double RateProfile::inverse(double s) const {
  if (periodic_) {
    double k = std::floor(s / area_);
    double rest = s - k * area_;
    if (rest >= area_) {  // round-off at a period's end
      k += 1;
      rest = 0;
    }
    return k * span_ + inverse_within(rest);
  }
  if (s <= area_ && area_ > 0) return inverse_within(s);
  if (tail_rate_ > 0) return span_ + (s - area_) / tail_rate_;
  return std::numeric_limits<double>::infinity();
}

double RateProfile::peak() const {
  double best = periodic_ ? 0 : tail_rate_;
  for (const Segment& s : segments_) best = std::max({best, s.r0, s.r1});
  return best;
}

double RateProfile::mean() const { return span_ > 0 ? area_ / span_ : tail_rate_; }

}  // namespace stratum::sim
