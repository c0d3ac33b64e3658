#pragma once
// The Knative Pod Autoscaler (KPA) as a pure decision (issue 8; DESIGN.md section 1). As the
// Knative documentation ("Configuring the autoscaler", config-autoscaler defaults) describes it and
// knative.dev/serving pkg/autoscaler/scaling/autoscaler.go implements it: the average concurrency
// over a stable window (60 s) and a panic window (10 % of it, 6 s) divided by the target per pod
// (100 concurrent requests at 70 % utilisation = 70) gives the desired pods; when the panic
// window's demand reaches 200 % of the ready pods the autoscaler panics, acts on the panic window
// and never scales down until the stable window has seen no panic for a whole window; scale to
// zero only after the desired count has been zero for the grace period (30 s).
#include <deque>

namespace stratum::policies {

struct KpaConfig {
  double target_concurrency = 100;  // container-concurrency-target-default
  double target_utilization = 0.7;  // container-concurrency-target-percentage 70
  double stable_window_s = 60;      // stable-window
  double panic_window_fraction = 0.1;  // panic-window-percentage 10
  double panic_threshold = 2.0;     // panic-threshold-percentage 200
  double max_scale_up_rate = 1000;  // max-scale-up-rate
  double max_scale_down_rate = 2;   // max-scale-down-rate
  double tick_s = 2;                // the autoscaler's decision interval (tickInterval, 2 s)
  bool scale_to_zero = true;        // enable-scale-to-zero
  double scale_to_zero_grace_s = 30;  // scale-to-zero-grace-period
  int min_replicas = 0;             // autoscaling.knative.dev/min-scale (0 with scale to zero)
  int max_replicas = 0;             // autoscaling.knative.dev/max-scale; 0 = no bound
};

class KpaAutoscaler {
 public:
  explicit KpaAutoscaler(KpaConfig config) : config_(config) {}

  // One tick at `now`: `concurrency`, the requests in flight over the whole revision (queued at the
  // activator or router, waiting or running in a replica) observed at this tick; `ready`, the ready
  // replicas. Returns the desired replica count. `keep_sample` false: a decision between ticks (the
  // activator's poke) sees this observation but does not keep it as one of the windows' samples,
  // which stand for the ticks' 2 s each.
  int decide(double now, double concurrency, int ready, bool keep_sample = true);

  bool panicking() const { return panic_start_s_ >= 0; }
  // Window averages of the last decide().
  double stable_average() const { return stable_; }
  double panic_average() const { return panic_; }

 private:
  struct Sample {
    double time_s;
    double concurrency;
  };
  double average(double now, double window_s) const;

  KpaConfig config_;
  std::deque<Sample> samples_;
  double panic_start_s_ = -1;  // time of the last tick over the panic threshold; -1: not panicking
  int max_panic_pods_ = 0;
  double zero_since_s_ = -1;   // since when the desired count (before the grace period) is 0
  double stable_ = 0, panic_ = 0;
};

}  // namespace stratum::policies
