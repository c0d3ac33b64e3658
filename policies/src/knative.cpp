#include "stratum/policies/knative.hpp"

#include <algorithm>
#include <cmath>

namespace stratum::policies {

// The mean of the samples strictly inside (now - window, now]. Knative averages per-second
// buckets of the concurrency its queue-proxies report; here one sample per tick (assumption: the
// instantaneous in-flight count stands for the tick's average).
double KpaAutoscaler::average(double now, double window_s) const {
  double sum = 0;
  int n = 0;
  for (auto it = samples_.rbegin(); it != samples_.rend() && it->time_s > now - window_s; ++it) {
    sum += it->concurrency;
    ++n;
  }
  return n > 0 ? sum / n : 0.0;
}

// autoscaler.go Scale (Knative Serving 1.14).
int KpaAutoscaler::decide(double now, double concurrency, int ready, bool keep_sample) {
  samples_.push_back({now, concurrency});
  while (!samples_.empty() && samples_.front().time_s <= now - config_.stable_window_s) samples_.pop_front();
  stable_ = average(now, config_.stable_window_s);
  panic_ = average(now, config_.stable_window_s * config_.panic_window_fraction);

  const double target = config_.target_concurrency * config_.target_utilization;
  const double ready_pods = std::max(1.0, static_cast<double>(ready));
  const double max_up = std::ceil(config_.max_scale_up_rate * ready_pods);
  const double max_down = std::floor(ready_pods / config_.max_scale_down_rate);
  const double dspc = std::ceil(stable_ / target);
  const double dppc = std::ceil(panic_ / target);
  const int stable_pods = static_cast<int>(std::min(std::max(dspc, max_down), max_up));
  const int panic_pods = static_cast<int>(std::min(std::max(dppc, max_down), max_up));

  const bool over_threshold = dppc / ready_pods >= config_.panic_threshold;
  if (over_threshold) {
    if (panic_start_s_ < 0) max_panic_pods_ = ready;  // no scale-down below what runs when panic begins
    panic_start_s_ = now;  // begin, or extend, the panic
  } else if (panic_start_s_ >= 0 && panic_start_s_ + config_.stable_window_s < now) {
    panic_start_s_ = -1;  // the surge has made its way into the stable window
    max_panic_pods_ = 0;
  }
  int desired = stable_pods;
  if (panic_start_s_ >= 0) {
    desired = std::max(desired, panic_pods);
    max_panic_pods_ = std::max(max_panic_pods_, desired);  // only increases while panicking
    desired = max_panic_pods_;
  }

  // Bounds (min-scale, max-scale) and scale to zero after its grace period.
  const int floor_pods = config_.scale_to_zero ? config_.min_replicas : std::max(1, config_.min_replicas);
  desired = std::max(desired, floor_pods);
  if (config_.max_replicas > 0) desired = std::min(desired, config_.max_replicas);
  if (desired == 0) {
    if (zero_since_s_ < 0) zero_since_s_ = now;
    // Keep the last replica (if one runs) through the grace period.
    if (now - zero_since_s_ < config_.scale_to_zero_grace_s && ready > 0) desired = 1;
  } else {
    zero_since_s_ = -1;
  }
  if (!keep_sample) samples_.pop_back();
  return desired;
}

}  // namespace stratum::policies
