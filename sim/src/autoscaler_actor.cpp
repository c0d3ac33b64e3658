#include "autoscaler_actor.hpp"

#include <simgrid/s4u.hpp>

#include <limits>
#include <mutex>
#include <optional>

#include "stratum/policies/hpa.hpp"
#include "stratum/policies/knative.hpp"

namespace sg4 = simgrid::s4u;

namespace stratum::sim {
namespace {

policies::HpaConfig hpa_config(const scenarios::AutoscalerSpec& spec) {
  policies::HpaConfig c;
  c.min_replicas = spec.min_replicas;
  c.max_replicas = spec.max_replicas;
  c.tolerance = spec.hpa.tolerance;
  c.sync_period_s = spec.hpa.sync_period_s;
  c.scale_down.stabilization_window_s = spec.hpa.scale_down_window_s;
  c.scale_up.stabilization_window_s = spec.hpa.scale_up_window_s;
  return c;  // the default scaling policies (hpa.hpp)
}

policies::KpaConfig kpa_config(const scenarios::AutoscalerSpec& spec) {
  policies::KpaConfig c;
  c.target_concurrency = spec.knative.target_concurrency;
  c.target_utilization = spec.knative.target_utilization;
  c.stable_window_s = spec.knative.stable_window_s;
  c.panic_window_fraction = spec.knative.panic_window_percentage / 100.0;
  c.panic_threshold = spec.knative.panic_threshold_percentage / 100.0;
  c.scale_to_zero = spec.knative.scale_to_zero;
  c.scale_to_zero_grace_s = spec.knative.scale_to_zero_grace_s;
  c.min_replicas = spec.min_replicas;
  c.max_replicas = spec.max_replicas;
  return c;
}

// One HPA metric of one instance. GPU utilisation: the instance's busy share of the last sync
// period (what DCGM_FI_DEV_GPU_UTIL averages); an instance ready for less than a whole period has
// no full window yet and counts as missing. Queue length and KV use: the instance's state now
// (vLLM's gauges num_requests_waiting and gpu_cache_usage_perc).
policies::HpaPodSample measure(const scenarios::HpaMetricSpec& metric, const ServingInstance& instance,
                               double busy_share, bool full_window) {
  const policies::BatcherStats stats = instance.stats();
  switch (metric.kind) {
    case scenarios::HpaMetricKind::kGpuUtilization:
      return {true, full_window ? std::optional<double>(busy_share) : std::nullopt};
    case scenarios::HpaMetricKind::kQueueLength:
      return {true, static_cast<double>(stats.waiting)};
    case scenarios::HpaMetricKind::kKvUse:
      return {true, stats.kv_blocks_total > 0
                        ? static_cast<double>(stats.kv_blocks_used) / static_cast<double>(stats.kv_blocks_total)
                        : 0.0};
  }
  return {true, std::nullopt};
}

void run_hpa(ServingShared& shared, ReplicaFleet& fleet, const std::vector<std::unique_ptr<ServingInstance>>& instances,
             const scenarios::AutoscalerSpec& spec) {
  policies::HpaController hpa(hpa_config(spec));
  const double period = spec.hpa.sync_period_s;
  std::vector<double> busy_before(instances.size(), 0.0);
  std::vector<bool> ready_before(instances.size(), false);
  for (size_t i = 0; i < instances.size(); ++i) ready_before[i] = fleet.state(static_cast<int>(i)) == ReplicaFleet::State::kReady;
  for (int64_t k = 1; !shared.all_settled(); ++k) {
    const double t = static_cast<double>(k) * period;
    shared.next_control_s = t;
    sg4::this_actor::sleep_until(t);
    if (shared.all_settled()) break;
    const int current = fleet.current();
    std::vector<std::vector<policies::HpaPodSample>> pods(spec.hpa.metrics.size());
    for (size_t i = 0; i < instances.size(); ++i) {
      const double busy = instances[i]->busy_until(t);
      const double share = (busy - busy_before[i]) / period;
      busy_before[i] = busy;
      const ReplicaFleet::State s = fleet.state(static_cast<int>(i));
      const bool was_ready = ready_before[i];
      ready_before[i] = s == ReplicaFleet::State::kReady;
      if (s != ReplicaFleet::State::kReady && s != ReplicaFleet::State::kStarting) continue;
      for (size_t m = 0; m < spec.hpa.metrics.size(); ++m) {
        pods[m].push_back(s == ReplicaFleet::State::kStarting
                              ? policies::HpaPodSample{false, std::nullopt}
                              : measure(spec.hpa.metrics[m], *instances[i], share, was_ready));
      }
    }
    std::vector<std::optional<int>> recommendations;
    for (size_t m = 0; m < spec.hpa.metrics.size(); ++m) {
      recommendations.push_back(
          policies::hpa_metric_replicas(current, pods[m], spec.hpa.metrics[m].target, spec.hpa.tolerance));
    }
    fleet.scale_to(hpa.decide(t, current, recommendations));
  }
}

void run_kpa(ServingShared& shared, ReplicaFleet& fleet, const scenarios::AutoscalerSpec& spec) {
  const policies::KpaConfig config = kpa_config(spec);
  policies::KpaAutoscaler kpa(config);
  // Knative's activator poke (knative/serving pkg/autoscaler/scaling/multiscaler.go,
  // MultiScaler.Poke): a request held while the last decision was zero replicas runs a decision
  // at once instead of at the next 2 s tick; the ticks keep their schedule.
  const sg4::MutexPtr mutex = sg4::Mutex::create();
  const sg4::ConditionVariablePtr woken = sg4::ConditionVariable::create();
  int desired = fleet.current();
  bool poked = false;
  shared.on_request_held = [&] {
    if (desired != 0 || poked) return;
    poked = true;
    woken->notify_all();
  };
  for (int64_t k = 1; !shared.all_settled();) {
    const double t = static_cast<double>(k) * config.tick_s;
    shared.next_control_s = t;
    {
      std::unique_lock lock(*mutex);
      while (!poked && sg4::Engine::get_clock() < t) woken->wait_until(lock, t);
    }
    if (shared.all_settled()) break;
    const double now = sg4::Engine::get_clock();
    const bool poke = poked && now < t;
    poked = false;
    desired = kpa.decide(poke ? now : t, static_cast<double>(fleet.in_flight()), fleet.ready(), /*keep_sample=*/!poke);
    fleet.scale_to(desired);
    if (!poke) ++k;
  }
  shared.on_request_held = nullptr;
}

}  // namespace

void run_autoscaler(ServingShared& shared, ReplicaFleet& fleet,
                    const std::vector<std::unique_ptr<ServingInstance>>& instances,
                    const scenarios::AutoscalerSpec& spec) {
  if (spec.kind == scenarios::AutoscalerKind::kHpa) run_hpa(shared, fleet, instances, spec);
  if (spec.kind == scenarios::AutoscalerKind::kKnative) run_kpa(shared, fleet, spec);
  shared.next_control_s = std::numeric_limits<double>::infinity();
}

}  // namespace stratum::sim
