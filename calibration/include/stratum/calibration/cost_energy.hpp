#pragma once
// Spend, energy and the cost index from GPU time (issue 8; docs/models.md "Storage, cost and
// energy"). Pure accounting: the caller measures GPU-seconds (busy and idle, on-demand and spot)
// from its run; this turns them into USD and joules.
//
// Power model: a busy GPU draws its TDP and an idle one its idle power (GpuSpec::tdp_watts,
// idle_power_watts). TDP is an upper bound on sustained draw: Latif et al., "Single-Node Power
// Demand During AI Training: Measurements on an 8-GPU NVIDIA H100 System", IEEE Access 13 (2025),
// measured at most 8.4 kW on a node rated 10.2 kW with GPUs near full utilisation. So energy_j is
// an upper estimate for busy time (assumption until calibration measures power).
#include "stratum/scenarios/storage.hpp"

namespace stratum::calibration {

// GPU time of one kind of GPU over a run, in GPU-seconds: a GPU held for t seconds and busy for b
// of them adds b to busy and t - b to idle.
struct GpuTime {
  double busy_gpu_s = 0;
  double idle_gpu_s = 0;
  // GPU-seconds bought as spot; negative: the market's spot_fraction of all GPU time.
  double spot_gpu_s = -1;
};

struct CostEnergy {
  double busy_gpu_s = 0, idle_gpu_s = 0;
  double on_demand_gpu_s = 0, spot_gpu_s = 0;
  double spend_on_demand_usd = 0, spend_spot_usd = 0;
  double cost_usd = 0;  // spend_on_demand_usd + spend_spot_usd
  double energy_j = 0;  // busy_gpu_s x busy watts + idle_gpu_s x idle watts
  CostEnergy& operator+=(const CostEnergy& o);
};

// The spend and energy of `time` on GPUs drawing `busy_watts` / `idle_watts`, priced by `market`
// per GPU-hour (USD per GPU-hour / 3600 per GPU-second).
CostEnergy account(const GpuTime& time, const scenarios::MarketSpec& market, double busy_watts, double idle_watts);

// USD per million tokens: cost_usd / tokens x 10^6; 0 when tokens is 0 (callers write null then).
double usd_per_million_tokens(double cost_usd, double tokens);

// The deployment guide's cost index, efficiency x throughput / (cost x operational complexity)
// (issue 8 gives only the formula; the definitions are Stratum's, docs/models.md):
// efficiency is a fraction (serving: SLO attainment; training: MFU), throughput tokens per second,
// cost USD per hour of the deployment (cost_usd over the simulated time), complexity the
// scenario's score (cluster.market.operational_complexity, default 1). Unit: (tokens/s) / (USD/h).
struct CostIndex {
  double efficiency = 0;
  double throughput_tokens_per_s = 0;
  double cost_usd_per_hour = 0;
  double operational_complexity = 1;
  double value = 0;  // 0 when cost or complexity is 0 (no price: nothing to divide by)
};
CostIndex cost_index(double efficiency, double throughput_tokens_per_s, double cost_usd_per_hour,
                     double operational_complexity);

}  // namespace stratum::calibration
