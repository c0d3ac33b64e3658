#pragma once
// A time-varying arrival rate (scenarios::RateProfileSpec: linear between points, optionally
// periodic) with its integral Lambda(t) and that integral's inverse, for arrivals by time inversion
// (workload.cpp). Pure arithmetic: no random draws, no state after construction.
#include <vector>

#include "stratum/scenarios/scenario.hpp"

namespace stratum::sim {

class RateProfile {
 public:
  // `spec` as the loader accepts it: points from 0 s, times non-decreasing, rates >= 0, a rate
  // above 0 over some stretch, period 0 or at least the last point's time.
  explicit RateProfile(const scenarios::RateProfileSpec& spec);

  // lambda(t), arrivals per second at time t >= 0 (at a step, the rate after it).
  double rate(double t) const;
  // Lambda(t) = integral of lambda from 0 to t: the expected number of arrivals by t.
  double integral(double t) const;
  // The smallest t with Lambda(t) = s, for s >= 0; +infinity when Lambda never reaches s (the
  // rate ends at 0 without a period).
  double inverse(double s) const;
  // Highest rate anywhere, and the mean rate over one period (periodic) or over the points' span
  // (not periodic; the last point's rate when there is only one).
  double peak() const;
  double mean() const;

 private:
  struct Segment {
    double t0 = 0, t1 = 0;   // time span within one period
    double r0 = 0, r1 = 0;   // rates at t0 and t1, linear between
    double area0 = 0;        // Lambda at t0
  };
  double area_within(double t) const;    // Lambda over [0, t], t within [0, span_]
  double inverse_within(double s) const; // its inverse, s within [0, area_]
  std::vector<Segment> segments_;
  double span_ = 0;       // period, or the last point's time
  double area_ = 0;       // Lambda(span_)
  bool periodic_ = false;
  double tail_rate_ = 0;  // not periodic: rate after the last point
};

}  // namespace stratum::sim
