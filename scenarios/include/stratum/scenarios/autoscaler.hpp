#pragma once
// serving.autoscaler and the replica lifecycle (serving.weights_tier, node_start, retry_timeout)
// as plain structs in SI units (issue 8). Included by scenario.hpp.
#include <string>
#include <vector>

namespace stratum::scenarios {

enum class AutoscalerKind { kNone, kHpa, kKnative };
enum class HpaMetricKind { kGpuUtilization, kQueueLength, kKvUse };

struct HpaMetricSpec {
  HpaMetricKind kind = HpaMetricKind::kGpuUtilization;
  double target = 0.7;
};

// Defaults: the Kubernetes documentation ("Horizontal Pod Autoscaling", kubernetes.io).
struct HpaSpec {
  std::vector<HpaMetricSpec> metrics;
  double tolerance = 0.1;
  double sync_period_s = 15;
  double scale_down_window_s = 300;
  double scale_up_window_s = 0;
};

// Defaults: Knative config-autoscaler.
struct KnativeSpec {
  double target_concurrency = 100;
  double target_utilization = 0.7;
  double stable_window_s = 60;
  double panic_window_percentage = 10;
  double panic_threshold_percentage = 200;
  bool scale_to_zero = true;
  double scale_to_zero_grace_s = 30;
};

struct AutoscalerSpec {
  AutoscalerKind kind = AutoscalerKind::kNone;
  HpaSpec hpa;
  KnativeSpec knative;
  int min_replicas = 1;
  int max_replicas = 1;
  int initial_replicas = 1;
};

// How an instance starts and what happens to requests of an instance that is lost.
struct ReplicaLifecycleSpec {
  std::string weights_tier;  // cluster.storage tier id; empty: weights at once
  double weight_bytes = 0;   // bytes one instance reads (the model's parameters at its precision)
  double node_start_s = 0;
  double retry_timeout_s = 600;  // assumption: 10 min, no published default
};

}  // namespace stratum::scenarios
