#pragma once
// Summary metrics of a serving run (metrics.json). Everything here is a pure function of the run's
// records, so identical runs give identical bytes.
#include <cstdint>
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
};

// True when a completed request meets every bound the SLO sets.
bool meets_slo(const RequestRecord& r, const scenarios::SloSpec& slo);

ServingMetrics summarize(const ServingRunResult& run, const scenarios::SloSpec& slo);

}  // namespace stratum::sim
