#include "autoscaler_loader.hpp"

#include <string>

#include "storage_loader.hpp"

namespace stratum::scenarios::detail {
namespace {

constexpr double kHour = 3600;
constexpr const char* kAutoscaler = "serving.autoscaler";

HpaMetricKind kind_of(pb::HpaMetricKind k) {
  switch (k) {
    case pb::GPU_UTILIZATION: return HpaMetricKind::kGpuUtilization;
    case pb::QUEUE_LENGTH: return HpaMetricKind::kQueueLength;
    case pb::KV_USE: return HpaMetricKind::kKvUse;
  }
  return HpaMetricKind::kGpuUtilization;
}

void time_field(Checker& c, const std::string& path, bool has, const std::string& text, double& out, double lo,
                bool lo_open, double hi, const std::string& bounds) {
  if (has) c.quantity_range(path, text, Quantity::kTime, out, lo, lo_open, hi, bounds);
}

void load_hpa(const pb::Hpa& m, Checker& c, HpaSpec& out) {
  const std::string p = std::string(kAutoscaler) + ".hpa";
  if (m.metric_size() == 0) c.missing(p + ".metric", "metric { kind: GPU_UTILIZATION target: 0.7 } (at least one)");
  for (int i = 0; i < m.metric_size(); ++i) {
    const pb::HpaMetric& x = m.metric(i);
    const std::string mp = p + ".metric[" + std::to_string(i) + "]";
    HpaMetricSpec spec;
    spec.kind = kind_of(x.kind());
    if (!x.has_target()) {
      c.missing(mp + ".target", "the per-instance target, e.g. 0.7");
    } else if (spec.kind == HpaMetricKind::kQueueLength) {
      c.real_range(mp + ".target", x.target(), 0, true, 1e9, "greater than 0");
    } else {
      c.real_range(mp + ".target", x.target(), 0, true, 1, "greater than 0 and at most 1 (a fraction)");
    }
    spec.target = x.target();
    out.metrics.push_back(spec);
  }
  if (m.has_tolerance()) {
    c.real_range(p + ".tolerance", m.tolerance(), 0, false, 0.99, "from 0 to 0.99");
    out.tolerance = m.tolerance();
  }
  time_field(c, p + ".sync_period", m.has_sync_period(), m.sync_period(), out.sync_period_s, 1, false, kHour,
             "from 1 s to 1 h");
  time_field(c, p + ".scale_down_stabilization", m.has_scale_down_stabilization(), m.scale_down_stabilization(),
             out.scale_down_window_s, 0, false, kHour, "from 0 to 1 h");
  time_field(c, p + ".scale_up_stabilization", m.has_scale_up_stabilization(), m.scale_up_stabilization(),
             out.scale_up_window_s, 0, false, kHour, "from 0 to 1 h");
}

void load_knative(const pb::Knative& m, Checker& c, KnativeSpec& out) {
  const std::string p = std::string(kAutoscaler) + ".knative";
  if (m.has_target_concurrency()) {
    c.real_range(p + ".target_concurrency", m.target_concurrency(), 0, true, 1e6, "greater than 0 and at most 1000000");
    out.target_concurrency = m.target_concurrency();
  }
  if (m.has_target_utilization()) {
    c.real_range(p + ".target_utilization", m.target_utilization(), 0, true, 1, "greater than 0 and at most 1");
    out.target_utilization = m.target_utilization();
  }
  time_field(c, p + ".stable_window", m.has_stable_window(), m.stable_window(), out.stable_window_s, 6, false, kHour,
             "from 6 s to 1 h");
  if (m.has_panic_window_percentage()) {
    c.real_range(p + ".panic_window_percentage", m.panic_window_percentage(), 1, false, 100, "from 1 to 100");
    out.panic_window_percentage = m.panic_window_percentage();
  }
  if (m.has_panic_threshold_percentage()) {
    c.real_range(p + ".panic_threshold_percentage", m.panic_threshold_percentage(), 110, false, 1000,
                 "from 110 to 1000");
    out.panic_threshold_percentage = m.panic_threshold_percentage();
  }
  if (m.has_scale_to_zero()) out.scale_to_zero = m.scale_to_zero();
  time_field(c, p + ".scale_to_zero_grace", m.has_scale_to_zero_grace(), m.scale_to_zero_grace(),
             out.scale_to_zero_grace_s, 0, false, kHour, "from 0 to 1 h");
}

void load_policy(const pb::Autoscaler& m, Checker& c, ServingSpec& out) {
  AutoscalerSpec& a = out.autoscaler;
  const std::string p = kAutoscaler;
  switch (m.policy_case()) {
    case pb::Autoscaler::kHpa:
      a.kind = AutoscalerKind::kHpa;
      load_hpa(m.hpa(), c, a.hpa);
      break;
    case pb::Autoscaler::kKnative:
      a.kind = AutoscalerKind::kKnative;
      load_knative(m.knative(), c, a.knative);
      break;
    case pb::Autoscaler::POLICY_NOT_SET:
      c.error(p, p + " has no policy; expected hpa { ... } or knative { ... }");
      return;
  }
  if (out.replicas.size() != 1 || out.replicas[0].role != ReplicaRole::kColocated) {
    c.error(p, p + " scales one replica group, but serving has " + std::to_string(out.replicas.size()) +
                   " replica groups or roles; expected exactly one replica group, COLOCATED");
    return;
  }
  if (out.admission.kind != AdmissionKind::kNone) {
    c.error(p, p + " routes through its own fleet of ready instances, which serving.admission does not know; "
                   "expected no admission block with an autoscaler");
  }
  const int pool = out.replicas[0].count;
  const bool knative = a.kind == AutoscalerKind::kKnative;
  a.min_replicas = m.has_min_replicas() ? m.min_replicas() : (knative ? 0 : 1);
  a.max_replicas = m.has_max_replicas() ? m.max_replicas() : pool;
  bool ok = true;
  if (m.has_min_replicas()) ok = c.int_range(p + ".min_replicas", a.min_replicas, knative ? 0 : 1, pool) && ok;
  if (m.has_max_replicas()) {
    if (a.max_replicas > pool) {
      c.error(p + ".max_replicas", p + ".max_replicas is " + std::to_string(a.max_replicas) +
                                       ", but serving.replica[0].count places only " + std::to_string(pool) +
                                       " instances; expected at most " + std::to_string(pool) +
                                       " (raise the replica group's count and the nodes to hold them)");
      ok = false;
    } else {
      ok = c.int_range(p + ".max_replicas", a.max_replicas, 1, pool) && ok;
    }
  }
  if (ok && a.min_replicas > a.max_replicas) {
    c.error(p + ".min_replicas", p + ".min_replicas is " + std::to_string(a.min_replicas) + ", above max_replicas " +
                                     std::to_string(a.max_replicas) + "; expected min_replicas <= max_replicas");
    ok = false;
  }
  a.initial_replicas = a.min_replicas > 0 ? a.min_replicas : 1;
  if (m.has_initial_replicas()) {
    a.initial_replicas = m.initial_replicas();
    if (ok) c.int_range(p + ".initial_replicas", a.initial_replicas, std::max(1, a.min_replicas), a.max_replicas);
  }
}

}  // namespace

void load_autoscaler(const pb::Serving& msg, const Scenario& scenario, Checker& c, ServingSpec& out) {
  if (msg.has_autoscaler()) load_policy(msg.autoscaler(), c, out);
  ReplicaLifecycleSpec& life = out.lifecycle;
  // One instance reads the whole model: its parameters at the serving precision (assumption:
  // quantisation scales and embeddings at the same width; DESIGN.md section 2).
  life.weight_bytes = out.model.params * bytes_per_element(out.precision);
  if (msg.has_weights_tier()) {
    if (check_tier_reference(c, scenario, "serving.weights_tier", msg.weights_tier(), life.weight_bytes,
                             "one copy of the model's weights") != nullptr) {
      life.weights_tier = msg.weights_tier();
    }
  }
  time_field(c, "serving.node_start", msg.has_node_start(), msg.node_start(), life.node_start_s, 0, false, kHour,
             "from 0 to 1 h");
  time_field(c, "serving.retry_timeout", msg.has_retry_timeout(), msg.retry_timeout(), life.retry_timeout_s, 0, true,
             24 * kHour, "greater than 0 and at most 1 day");
}

}  // namespace stratum::scenarios::detail
