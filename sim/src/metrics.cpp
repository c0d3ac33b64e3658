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
  return m;
}

}  // namespace stratum::sim
