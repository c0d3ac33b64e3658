#include "rate_profile_loader.hpp"

#include <string>
#include <vector>

namespace stratum::scenarios::detail {
namespace {

// Sanity bounds (assumptions, no published limit): 10,000 points is a week sampled each minute
// and then some; rates and times share the loader's bounds for poisson.rate (1e6 /s) and
// workload.duration (366 days).
constexpr int kMaxPoints = 10000;
constexpr double kMaxRate = 1e6;
constexpr double kMaxTime = 366.0 * 86400;

}  // namespace

void load_rate_profile(const pb::RateProfile& m, bool has_rate, const std::string& process, Checker& c,
                       WorkloadSpec& out) {
  const std::string p = process + ".rate_profile";
  if (has_rate) {
    c.error(process + ".rate", process + " sets both rate and rate_profile; expected one of them (the profile "
                                         "gives the rate at every time)");
  }
  if (m.point_size() == 0) {
    c.error(p, p + " has no point; expected at least one point { at: \"0 s\" rate: \"1 /s\" }");
    return;
  }
  if (m.point_size() > kMaxPoints) {
    c.error(p, p + " has " + std::to_string(m.point_size()) + " points; expected at most " +
                   std::to_string(kMaxPoints));
    return;
  }
  RateProfileSpec spec;
  bool ok = true;
  int previous = -1;  // index of the last point whose time was read
  for (int i = 0; i < m.point_size(); ++i) {
    const pb::RatePoint& pt = m.point(i);
    const std::string q = p + ".point[" + std::to_string(i) + "]";
    RatePointSpec r;
    bool at_ok = false;
    if (!pt.has_at()) {
      c.missing(q + ".at", i == 0 ? "\"0 s\" (the profile starts at the run's start)" : "a time such as \"6 h\"");
    } else if (c.quantity_range(q + ".at", pt.at(), Quantity::kTime, r.at_s, 0, false, kMaxTime,
                                "from 0 to 366 days")) {
      at_ok = true;
      if (i == 0 && r.at_s != 0) {
        c.error(q + ".at", q + ".at is \"" + pt.at() + "\"; expected \"0 s\" (the profile starts at the run's start)");
        at_ok = false;
      } else if (previous >= 0 && r.at_s < spec.points[static_cast<size_t>(previous)].at_s) {
        const std::string before = p + ".point[" + std::to_string(previous) + "].at";
        c.error(q + ".at", q + ".at is \"" + pt.at() + "\", before " + before + " \"" + m.point(previous).at() +
                               "\"; expected times in non-decreasing order");
        at_ok = false;
      }
    }
    if (!pt.has_rate()) {
      c.missing(q + ".rate", "a rate such as \"5 /s\" (units: " + std::string(expected_units(Quantity::kRate)) + ")");
      ok = false;
    } else if (!c.quantity_range(q + ".rate", pt.rate(), Quantity::kRate, r.rate_per_s, 0, false, kMaxRate,
                                 "from 0 to 1000000 /s")) {
      ok = false;
    }
    ok = ok && at_ok;
    spec.points.push_back(r);
    if (at_ok) previous = i;
  }
  if (m.has_period()) {
    double period = 0;
    if (c.quantity_range(p + ".period", m.period(), Quantity::kTime, period, 0, true, kMaxTime,
                         "greater than 0 and at most 366 days")) {
      const RatePointSpec& last = spec.points.back();
      if (previous == m.point_size() - 1 && period < last.at_s) {
        c.error(p + ".period", p + ".period is \"" + m.period() + "\", shorter than the last point's time \"" +
                                   m.point(m.point_size() - 1).at() + "\"; expected at least the last point's time");
        ok = false;
      }
      spec.period_s = period;
    } else {
      ok = false;
    }
  }
  // Arrivals need a rate above 0 over some stretch of time, not just at one instant (a step's
  // point): the integral of the rate over the profile, or its tail, is above 0.
  if (ok) {
    const std::vector<RatePointSpec>& pts = spec.points;
    bool any_positive = spec.period_s == 0 && pts.back().rate_per_s > 0;
    for (size_t i = 0; i + 1 < pts.size(); ++i) {
      const bool nonzero = pts[i].rate_per_s > 0 || pts[i + 1].rate_per_s > 0;
      any_positive = any_positive || (nonzero && pts[i + 1].at_s > pts[i].at_s);
    }
    if (spec.period_s > pts.back().at_s) {
      any_positive = any_positive || pts.back().rate_per_s > 0 || pts.front().rate_per_s > 0;
    }
    if (!any_positive) {
      c.error(p, p + " has a rate of 0 throughout; expected a rate above 0 for some time");
      ok = false;
    }
  }
  if (ok) out.rate_profile = std::move(spec);
}

}  // namespace stratum::scenarios::detail
