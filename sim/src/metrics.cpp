#include "stratum/sim/metrics.hpp"

#include <algorithm>
#include <numeric>

#include "stratum/calibration/quantile.hpp"

namespace stratum::sim {

double percentile(const std::vector<double>& sorted, double q) {
  return sorted.empty() ? 0.0 : calibration::quantile_sorted(sorted, q);
}

Distribution distribution(std::vector<double> values) {
  Distribution d;
  d.count = static_cast<int64_t>(values.size());
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  // Summed in sorted order so the mean does not depend on completion order.
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  d.p50 = percentile(values, 0.50);
  d.p90 = percentile(values, 0.90);
  d.p99 = percentile(values, 0.99);
  d.max = values.back();
  return d;
}

bool meets_slo(const RequestRecord& r, const scenarios::SloSpec& slo) {
  if (r.status != RequestStatus::kCompleted) return false;
  if (slo.ttft_s && r.ttft_s() > *slo.ttft_s) return false;
  if (slo.tpot_s && r.tpot_s() > *slo.tpot_s) return false;
  if (slo.e2e_s && r.e2e_s() > *slo.e2e_s) return false;
  return true;
}

namespace {

void summarize_prefix_cache(const ServingRunResult& run, PrefixCacheMetrics& p) {
  for (const InstanceSummary& inst : run.instances) {
    const policies::PrefixCacheStats& s = inst.prefix_cache;
    if (!s.enabled) continue;
    p.enabled = true;
    if (p.tiers.empty()) {
      p.tiers = s.tier_names;
      p.tier_hit_tokens.assign(p.tiers.size(), 0);
      p.tier_reload_s.assign(p.tiers.size(), 0.0);
    }
    for (size_t t = 0; t < p.tiers.size() && t < s.hit_tokens_by_tier.size(); ++t) {
      p.tier_hit_tokens[t] += s.hit_tokens_by_tier[t];
      p.tier_reload_s[t] += s.reload_s_by_tier[t];
    }
    p.evictions += s.evictions;
  }
  if (!p.enabled) return;
  for (const RequestRecord& r : run.requests) {
    if (r.first_scheduled_s < 0) continue;  // never admitted
    p.prompt_tokens += r.input_tokens;
    p.cached_tokens += r.cached_tokens;
  }
  p.hit_rate = p.prompt_tokens > 0 ? static_cast<double>(p.cached_tokens) / static_cast<double>(p.prompt_tokens) : 0.0;
  for (double s : p.tier_reload_s) p.reload_s += s;
}

}  // namespace

static std::optional<DisaggregationMetrics> summarize_disaggregation(const ServingRunResult& run) {
  DisaggregationMetrics d;
  for (const InstanceSummary& inst : run.instances) {
    if (inst.role == scenarios::ReplicaRole::kPrefill) ++d.prefill_instances;
    if (inst.role == scenarios::ReplicaRole::kDecode) ++d.decode_instances;
  }
  if (d.prefill_instances == 0 && d.decode_instances == 0) return std::nullopt;
  std::vector<double> transfer, queue;
  for (const RequestRecord& r : run.requests) {
    if (r.kv_arrival_s < 0) continue;
    ++d.kv_transfers;
    d.kv_bytes_total += r.kv_transfer_bytes;
    transfer.push_back(r.kv_arrival_s - r.kv_transfer_start_s);
    if (r.status == RequestStatus::kCompleted && r.decode_scheduled_s >= 0) queue.push_back(r.decode_scheduled_s - r.kv_arrival_s);
  }
  d.kv_transfer_s = distribution(std::move(transfer));
  d.decode_queue_s = distribution(std::move(queue));
  return d;
}

ServingMetrics summarize(const ServingRunResult& run, const scenarios::SloSpec& slo) {
  ServingMetrics m;
  std::vector<double> ttft, tpot, e2e, queue;
  for (const RequestRecord& r : run.requests) {
    ++m.arrived;
    m.preemptions += r.preemptions;
    if (r.status == RequestStatus::kRejected) ++m.rejected;
    if (r.status != RequestStatus::kCompleted) continue;
    ++m.completed;
    m.input_tokens += r.input_tokens;
    m.output_tokens += r.output_tokens;
    ttft.push_back(r.ttft_s());
    e2e.push_back(r.e2e_s());
    queue.push_back(r.first_scheduled_s - r.arrival_s);
    if (r.output_tokens > 1) tpot.push_back(r.tpot_s());
    if (meets_slo(r, slo)) ++m.slo_met;
  }
  m.ttft_s = distribution(std::move(ttft));
  m.tpot_s = distribution(std::move(tpot));
  m.e2e_s = distribution(std::move(e2e));
  m.queue_s = distribution(std::move(queue));
  m.simulated_time_s = run.simulated_time_s;
  if (m.simulated_time_s > 0) {
    m.requests_per_s = static_cast<double>(m.completed) / m.simulated_time_s;
    m.output_tokens_per_s = static_cast<double>(m.output_tokens) / m.simulated_time_s;
    m.total_tokens_per_s = static_cast<double>(m.input_tokens + m.output_tokens) / m.simulated_time_s;
    m.goodput_requests_per_s = static_cast<double>(m.slo_met) / m.simulated_time_s;
  }
  m.slo_attainment = m.arrived > 0 ? static_cast<double>(m.slo_met) / static_cast<double>(m.arrived) : 0.0;
  double busy = 0, kv_peak = 0;
  for (const InstanceSummary& inst : run.instances) {
    busy += inst.busy_s;
    if (inst.kv_blocks_total > 0) {
      kv_peak = std::max(kv_peak, static_cast<double>(inst.kv_blocks_peak) / static_cast<double>(inst.kv_blocks_total));
    }
    m.gpus += inst.placement.gpus;
  }
  m.replicas = static_cast<int>(run.instances.size());
  if (m.replicas > 0 && m.simulated_time_s > 0) m.gpu_utilization = busy / (m.replicas * m.simulated_time_s);
  m.kv_peak_fraction = kv_peak;
  m.iterations = run.iterations;
  summarize_prefix_cache(run, m.prefix_cache);
  m.disaggregation = summarize_disaggregation(run);
  return m;
}

}  // namespace stratum::sim
