// Spend, energy and the cost index (issue 8) against hand arithmetic.
#include "stratum/calibration/cost_energy.hpp"

#include <gtest/gtest.h>

namespace stratum::calibration {
namespace {

scenarios::MarketSpec market() {
  scenarios::MarketSpec m;
  m.on_demand_usd_per_gpu_hour = 12.0;
  m.spot_usd_per_gpu_hour = 4.0;
  m.spot_fraction = 0.25;
  m.operational_complexity = 2;
  return m;
}

// 8 GPUs for one hour, busy 3/4 of it: 6 busy GPU-hours at 700 W, 2 idle at 70 W.
TEST(CostEnergy, SpendAndEnergyFromGpuTime) {
  GpuTime t;
  t.busy_gpu_s = 6 * 3600.0;
  t.idle_gpu_s = 2 * 3600.0;
  const CostEnergy c = account(t, market(), 700, 70);
  EXPECT_DOUBLE_EQ(c.spot_gpu_s, 2 * 3600.0);       // spot_fraction 0.25 of 8 GPU-hours
  EXPECT_DOUBLE_EQ(c.on_demand_gpu_s, 6 * 3600.0);
  EXPECT_DOUBLE_EQ(c.spend_on_demand_usd, 72.0);    // 6 GPU-hours x 12 USD
  EXPECT_DOUBLE_EQ(c.spend_spot_usd, 8.0);          // 2 GPU-hours x 4 USD
  EXPECT_DOUBLE_EQ(c.cost_usd, 80.0);
  EXPECT_DOUBLE_EQ(c.energy_j, 6 * 3600.0 * 700 + 2 * 3600.0 * 70);
}

TEST(CostEnergy, ExplicitSpotTimeOverridesTheFraction) {
  GpuTime t;
  t.busy_gpu_s = 3600;
  t.idle_gpu_s = 0;
  t.spot_gpu_s = 3600;
  CostEnergy c = account(t, market(), 700, 70);
  EXPECT_DOUBLE_EQ(c.spend_on_demand_usd, 0);
  EXPECT_DOUBLE_EQ(c.spend_spot_usd, 4.0);
  c += account(t, market(), 700, 70);
  EXPECT_DOUBLE_EQ(c.cost_usd, 8.0);
  EXPECT_DOUBLE_EQ(c.busy_gpu_s, 7200);
}

TEST(CostEnergy, PerMillionTokensAndCostIndex) {
  EXPECT_DOUBLE_EQ(usd_per_million_tokens(80.0, 4e6), 20.0);
  EXPECT_DOUBLE_EQ(usd_per_million_tokens(80.0, 0), 0.0);
  // MFU 0.4 at 10,000 tokens/s costing 80 USD/h with complexity 2: 0.4 x 10,000 / 160 = 25.
  const CostIndex i = cost_index(0.4, 10000, 80, 2);
  EXPECT_DOUBLE_EQ(i.value, 25.0);
  EXPECT_DOUBLE_EQ(i.efficiency, 0.4);
  EXPECT_DOUBLE_EQ(i.operational_complexity, 2);
  EXPECT_DOUBLE_EQ(cost_index(0.4, 10000, 0, 1).value, 0.0);
}

}  // namespace
}  // namespace stratum::calibration
