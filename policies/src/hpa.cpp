#include "stratum/policies/hpa.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace stratum::policies {
namespace {

// ceil() of a product of ratios: 1.2 / 0.6 x 3 is 6.000000000000001 in binary floating point,
// which Kubernetes never sees (it computes in integer milli-units); a relative 1e-9 below the
// integer keeps the documented ceil(3 x 1.2 / 0.6) = 6.
int ceil_count(double x) { return static_cast<int>(std::ceil(x - 1e-9 * std::max(1.0, std::abs(x)))); }

double mean_ratio(const std::vector<double>& values, double target) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / (static_cast<double>(values.size()) * target);
}

}  // namespace

// replica_calculator.go calcPlainMetricReplicas (Kubernetes 1.30), in the documentation's words
// ("Algorithm details"): pods not yet ready and pods missing metrics are set aside; the ratio of
// the others' mean to the target gives the direction; within the tolerance nothing changes;
// otherwise, with pods set aside, the ratio is recomputed with missing pods at 100 % of the target
// on a scale-down and 0 % on a scale-up, and not-yet-ready pods at 0 % on a scale-up; if that
// reverses the direction or falls within the tolerance, nothing changes.
std::optional<int> hpa_metric_replicas(int current, const std::vector<HpaPodSample>& pods, double target,
                                       double tolerance) {
  std::vector<double> metrics;
  int unready = 0, missing = 0;
  for (const HpaPodSample& p : pods) {
    if (!p.ready) {
      ++unready;
    } else if (!p.value) {
      ++missing;
    } else {
      metrics.push_back(*p.value);
    }
  }
  if (metrics.empty() || target <= 0) return std::nullopt;  // "did not receive metrics for any ready pods"
  const double ratio = mean_ratio(metrics, target);
  const bool scale_up_with_unready = unready > 0 && ratio > 1.0;
  if (!scale_up_with_unready && missing == 0) {
    if (std::abs(1.0 - ratio) <= tolerance) return current;
    return ceil_count(ratio * static_cast<double>(metrics.size()));
  }
  if (missing > 0) {
    if (ratio < 1.0) metrics.insert(metrics.end(), static_cast<size_t>(missing), target);
    if (ratio > 1.0) metrics.insert(metrics.end(), static_cast<size_t>(missing), 0.0);
  }
  if (scale_up_with_unready) metrics.insert(metrics.end(), static_cast<size_t>(unready), 0.0);
  const double new_ratio = mean_ratio(metrics, target);
  if (std::abs(1.0 - new_ratio) <= tolerance || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0)) {
    return current;
  }
  const int replicas = ceil_count(new_ratio * static_cast<double>(metrics.size()));
  if ((new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current)) return current;
  return replicas;
}

// horizontal.go getReplicasChangePerPeriod: the events strictly after now - period.
int HpaController::change_in_period(const std::deque<ScaleEvent>& events, double now, double period_s) {
  int change = 0;
  for (const ScaleEvent& e : events) {
    if (e.time_s > now - period_s) change += e.change;
  }
  return change;
}

// horizontal.go stabilizeRecommendationWithBehaviors: the lowest recommendation of the scale-up
// window and the highest of the scale-down window bound the result on either side of the current
// count; this sync's raw recommendation joins the history afterwards.
int HpaController::stabilize(double now, int current, int desired) {
  int up = desired, down = desired;
  for (const Recommendation& r : recommendations_) {
    if (r.time_s > now - config_.scale_up.stabilization_window_s) up = std::min(up, r.replicas);
    if (r.time_s > now - config_.scale_down.stabilization_window_s) down = std::max(down, r.replicas);
  }
  int result = current;
  if (result < up) result = up;
  if (result > down) result = down;
  recommendations_.push_back({now, desired});
  const double keep = std::max(config_.scale_up.stabilization_window_s, config_.scale_down.stabilization_window_s);
  while (!recommendations_.empty() && recommendations_.front().time_s <= now - keep) recommendations_.pop_front();
  return result;
}

// horizontal.go convertDesiredReplicasWithBehaviorRate with calculateScaleUpLimitWithScalingRules
// and calculateScaleDownLimitWithBehaviors (selectPolicy Max): the replica count at the start of
// each policy's period is the current one less the replicas added in it plus those removed; a
// Pods policy allows `value` more (fewer), a Percent policy ceil(start x (1 + value/100)) up or
// int(start x (1 - value/100)) down; the most permissive policy wins; then min/max replicas.
int HpaController::rate_limit(double now, int current, int desired) const {
  const auto period_start = [&](double period_s) {
    return current - change_in_period(up_events_, now, period_s) + change_in_period(down_events_, now, period_s);
  };
  if (desired > current) {
    int limit = std::numeric_limits<int>::min();
    for (const HpaScalingPolicy& p : config_.scale_up.policies) {
      const int start = period_start(p.period_s);
      const int proposed = p.percent ? static_cast<int>(std::ceil(start * (1.0 + p.value / 100.0)))
                                     : start + static_cast<int>(p.value);
      limit = std::max(limit, proposed);
    }
    limit = std::max(limit, current);  // a scale-up never scales down
    return std::min(desired, std::min(config_.max_replicas, limit));
  }
  if (desired < current) {
    int limit = std::numeric_limits<int>::max();
    for (const HpaScalingPolicy& p : config_.scale_down.policies) {
      const int start = period_start(p.period_s);
      const int proposed = p.percent ? static_cast<int>(start * (1.0 - p.value / 100.0)) : start - static_cast<int>(p.value);
      limit = std::min(limit, proposed);
    }
    limit = std::min(limit, current);  // a scale-down never scales up
    return std::max(desired, std::max(config_.min_replicas, limit));
  }
  return desired;
}

int HpaController::decide(double now, int current, const std::vector<std::optional<int>>& recommendations) {
  int desired = current;
  // horizontal.go reconcileAutoscaler: outside [min, max] the count is brought back first;
  // otherwise the largest valid metric recommendation, normalised by the behaviour.
  if (current > config_.max_replicas) {
    desired = config_.max_replicas;
  } else if (current < config_.min_replicas) {
    desired = config_.min_replicas;
  } else {
    std::optional<int> best;
    for (const std::optional<int>& r : recommendations) {
      if (r && (!best || *r > *best)) best = r;
    }
    if (!best) return current;  // no metric had data: no scaling (ScalingActive false)
    desired = rate_limit(now, current, stabilize(now, current, *best));
  }
  if (desired > current) up_events_.push_back({now, desired - current});
  if (desired < current) down_events_.push_back({now, current - desired});
  double longest = 0;
  for (const auto* rules : {&config_.scale_up, &config_.scale_down}) {
    for (const HpaScalingPolicy& p : rules->policies) longest = std::max(longest, p.period_s);
  }
  for (auto* events : {&up_events_, &down_events_}) {
    while (!events->empty() && events->front().time_s <= now - longest) events->pop_front();
  }
  return desired;
}

}  // namespace stratum::policies
