#pragma once
// The Kubernetes Horizontal Pod Autoscaler (HPA) as a pure decision (issue 8; DESIGN.md section 1:
// no SimGrid, no I/O). Two parts, both as the Kubernetes documentation ("Horizontal Pod
// Autoscaling", kubernetes.io, section "Algorithm details" and "Configurable scaling behavior")
// describes them and pkg/controller/podautoscaler implements them:
//   1. hpa_metric_replicas: one metric's recommendation,
//      desired = ceil(currentReplicas x currentMetricValue / desiredMetricValue), skipped within the
//      tolerance; not-yet-ready pods and pods missing metrics handled as the documentation says
//      (replica_calculator.go calcPlainMetricReplicas);
//   2. HpaController::decide: the largest recommendation over the metrics, the scale-down
//      stabilisation window (the highest recommendation in the window), the scaling policies (rate
//      limits per period) and min/max replicas (horizontal.go normalizeDesiredReplicasWithBehaviors).
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace stratum::policies {

// One replica's view of one metric at a sync: ready and measured (value set), ready but without a
// measurement ("missing"), or not yet ready (starting: node boot or weight load).
struct HpaPodSample {
  bool ready = true;
  std::optional<double> value;  // per-pod metric; unset on a ready pod: missing
};

// One metric's recommended replica count, or `current` when the metric says "no change".
// `current`: the replicas the workload has (ready and starting); `pods`: one sample per such
// replica; `target`: the desired per-pod average; `tolerance`: 0.1 by default
// (--horizontal-pod-autoscaler-tolerance). Without any measured pod it returns nullopt (the
// controller then skips the metric, as Kubernetes does on "did not receive metrics").
std::optional<int> hpa_metric_replicas(int current, const std::vector<HpaPodSample>& pods, double target,
                                       double tolerance);

// A scaling policy (HPAScalingPolicy): change by `value` pods, or by `value` percent, per `period_s`.
struct HpaScalingPolicy {
  bool percent = false;
  double value = 0;
  double period_s = 15;
};

// The behaviour of one direction (HPAScalingRules). selectPolicy Max: the policy allowing the
// largest change wins.
struct HpaScalingRules {
  double stabilization_window_s = 0;
  std::vector<HpaScalingPolicy> policies;
};

struct HpaConfig {
  int min_replicas = 1;
  int max_replicas = 1;
  double tolerance = 0.1;  // kube-controller-manager --horizontal-pod-autoscaler-tolerance default
  double sync_period_s = 15;  // --horizontal-pod-autoscaler-sync-period default
  // Defaults from the documentation's "Default Behavior": scale up by the larger of 100 % or 4
  // pods every 15 s with no stabilisation; scale down by up to 100 % every 15 s with a 300 s
  // stabilisation window.
  HpaScalingRules scale_up{0, {{false, 4, 15}, {true, 100, 15}}};
  HpaScalingRules scale_down{300, {{true, 100, 15}}};
};

// The controller's memory between syncs: past recommendations (for the stabilisation windows) and
// past scale events (for the rate limits).
class HpaController {
 public:
  explicit HpaController(HpaConfig config) : config_(std::move(config)) {}

  // One sync at time `now`: `current` replicas (ready and starting), one recommendation per metric
  // (hpa_metric_replicas; nullopt for a metric without data). Returns the new replica count,
  // which the caller applies (and which this controller records as a scale event when it differs).
  int decide(double now, int current, const std::vector<std::optional<int>>& recommendations);

  const HpaConfig& config() const { return config_; }

 private:
  struct Recommendation {
    double time_s;
    int replicas;
  };
  struct ScaleEvent {
    double time_s;
    int change;  // replicas added (scale up) or removed (scale down), positive
  };
  int stabilize(double now, int current, int desired);
  int rate_limit(double now, int current, int desired) const;
  static int change_in_period(const std::deque<ScaleEvent>& events, double now, double period_s);

  HpaConfig config_;
  std::deque<Recommendation> recommendations_;
  std::deque<ScaleEvent> up_events_, down_events_;
};

}  // namespace stratum::policies
