#pragma once
// Summary metrics of a serving run (metrics.json). Everything here is a pure function of the run's
// records, so identical runs give identical bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {

struct Distribution {
  int64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

// Percentile by calibration::quantile_sorted (Hyndman & Fan type 7); 0 for an empty sample.
double percentile(const std::vector<double>& sorted, double q);
Distribution distribution(std::vector<double> values);

// Prefix caching over the run (metrics.json "prefix_cache" and "kv_tiers"; written only when
// enabled, so results without it keep their bytes).
struct PrefixCacheMetrics {
  bool enabled = false;
  int64_t prompt_tokens = 0;   // prompt tokens of requests that were admitted (first scheduled)
  int64_t cached_tokens = 0;   // of them, found cached at first admission: prefill tokens saved
  double hit_rate = 0;         // cached_tokens / prompt_tokens
  std::vector<std::string> tiers;       // "HBM", then the offload tiers
  std::vector<int64_t> tier_hit_tokens; // cached_tokens by the tier they were found in
  std::vector<double> tier_reload_s;    // seconds spent reloading from each tier (HBM: 0)
  double reload_s = 0;                  // all tiers
  int64_t evictions = 0;                // blocks evicted from HBM
};

// Prefill-decode disaggregation (sim/src/disaggregation.hpp), set only when disaggregated.
struct DisaggregationMetrics {
  int prefill_instances = 0;
  int decode_instances = 0;
  int64_t kv_transfers = 0;         // KV caches that reached a decode instance
  double kv_bytes_total = 0;        // their bytes, all GPU pairs
  Distribution kv_transfer_s;       // prefill end to last byte at the decode instance, per transfer
  Distribution decode_queue_s;      // last byte to the first iteration on the decode instance, completed requests
};

struct ServingMetrics {
  int64_t arrived = 0, completed = 0, rejected = 0;
  int64_t preemptions = 0;
  int64_t input_tokens = 0;   // prompt tokens of completed requests
  int64_t output_tokens = 0;  // generated tokens of completed requests
  Distribution ttft_s, tpot_s, e2e_s, queue_s;
  double simulated_time_s = 0;
  double requests_per_s = 0, output_tokens_per_s = 0, total_tokens_per_s = 0;
  int64_t slo_met = 0;
  double goodput_requests_per_s = 0;
  double slo_attainment = 0;  // share of arrived requests that completed within the SLO
  double gpu_utilization = 0; // busy share of the simulated time, mean over instances
  double kv_peak_fraction = 0;
  int64_t iterations = 0;
  int replicas = 0;
  int gpus = 0;
  PrefixCacheMetrics prefix_cache;
  std::optional<DisaggregationMetrics> disaggregation;
};

// True when a completed request meets every bound the SLO sets.
bool meets_slo(const RequestRecord& r, const scenarios::SloSpec& slo);

ServingMetrics summarize(const ServingRunResult& run, const scenarios::SloSpec& slo);

}  // namespace stratum::sim
