#include "stratum/calibration/cost_energy.hpp"

#include <algorithm>

namespace stratum::calibration {

CostEnergy& CostEnergy::operator+=(const CostEnergy& o) {
  busy_gpu_s += o.busy_gpu_s;
  idle_gpu_s += o.idle_gpu_s;
  on_demand_gpu_s += o.on_demand_gpu_s;
  spot_gpu_s += o.spot_gpu_s;
  spend_on_demand_usd += o.spend_on_demand_usd;
  spend_spot_usd += o.spend_spot_usd;
  cost_usd += o.cost_usd;
  energy_j += o.energy_j;
  return *this;
}

CostEnergy account(const GpuTime& time, const scenarios::MarketSpec& market, double busy_watts, double idle_watts) {
  CostEnergy out;
  out.busy_gpu_s = time.busy_gpu_s;
  out.idle_gpu_s = time.idle_gpu_s;
  const double held = time.busy_gpu_s + time.idle_gpu_s;
  out.spot_gpu_s = time.spot_gpu_s < 0 ? market.spot_fraction * held : std::min(time.spot_gpu_s, held);
  out.on_demand_gpu_s = held - out.spot_gpu_s;
  out.spend_on_demand_usd = out.on_demand_gpu_s * market.on_demand_usd_per_gpu_hour / 3600.0;
  out.spend_spot_usd = out.spot_gpu_s * market.spot_usd_per_gpu_hour / 3600.0;
  out.cost_usd = out.spend_on_demand_usd + out.spend_spot_usd;
  out.energy_j = time.busy_gpu_s * busy_watts + time.idle_gpu_s * idle_watts;
  return out;
}

double usd_per_million_tokens(double cost_usd, double tokens) { return tokens > 0 ? cost_usd / tokens * 1e6 : 0.0; }

CostIndex cost_index(double efficiency, double throughput_tokens_per_s, double cost_usd_per_hour,
                     double operational_complexity) {
  CostIndex out;
  out.efficiency = efficiency;
  out.throughput_tokens_per_s = throughput_tokens_per_s;
  out.cost_usd_per_hour = cost_usd_per_hour;
  out.operational_complexity = operational_complexity;
  const double denominator = cost_usd_per_hour * operational_complexity;
  out.value = denominator > 0 ? efficiency * throughput_tokens_per_s / denominator : 0.0;
  return out;
}

}  // namespace stratum::calibration
