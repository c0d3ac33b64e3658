// Spend, energy and the cost index in metrics.json and `stratum search` (issue 8), end to end:
// every figure equals the hand formula over the run's own outputs (docs/models.md "Storage, cost
// and energy"), and without cluster.market nothing is written. Each run its own process.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using stratum::testing::read_file;
using stratum::testing::run_stratum;
using stratum::testing::scratch_dir;
using stratum::testing::shell_quote;

namespace {

// Prices are test inputs, not list prices.
const char* kMarket = "  market { on_demand_per_gpu_hour: \"10 USD\" spot_discount: 0.6 spot_fraction: 0.5 "
                      "operational_complexity: 2 }\n";

std::string training(bool market) {
  return std::string("cluster {\n"
                     "  nodes { id: \"dgx\" count: 2 gpu: \"a100-sxm4-80gb\" gpus_per_node: 8 nics { per_gpu {} "
                     "bandwidth: \"200 Gb/s\" } }\n"
                     "  fabric { fat_tree { levels: 2 radix: 64 } tier { bandwidth: \"200 Gb/s\" latency: \"130 ns\" } }\n") +
         (market ? kMarket : "") +
         "}\n"
         "fidelity: ANALYTIC\n"
         "training { model: \"llama-3.1-8b\" layout { dp: 4 tp: 4 zero_stage: 1 pp: 1 } global_batch: 64 seq_len: "
         "4096 steps: 3 }\n";
}

fs::path write(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

json run_metrics(const fs::path& dir, const fs::path& scenario, const std::string& out) {
  const auto r = run_stratum("run " + shell_quote(scenario.string()) + " --progress=none --out " +
                                 shell_quote((dir / out).string()),
                             dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(read_file(dir / out / "metrics.json"));
}

// A100 SXM4: 400 W TDP (datasheet), idle 10 % of it by default (assumption, catalog.cpp).
constexpr double kTdp = 400, kIdle = 40;
// Blended price per GPU-hour: half on-demand at 10 USD, half spot at 10 x (1 - 0.6) = 4 USD.
constexpr double kOnDemand = 10, kSpot = 4;

TEST(CostCli, TrainingCostAndEnergyFollowTheFormulas) {
  const fs::path dir = scratch_dir("cost-cli-training");
  const json m = run_metrics(dir, write(dir, "t.pbtxt", training(true)), "a");
  ASSERT_TRUE(m.contains("cost")) << m.dump(2);
  const json& c = m["cost"];
  const double t = m["step_time_s"].get<double>() * 3;
  const double gpu_s = 16 * t;
  EXPECT_NEAR(c["on_demand_gpu_s"].get<double>(), gpu_s / 2, 1e-9 * gpu_s);
  EXPECT_NEAR(c["spot_gpu_s"].get<double>(), gpu_s / 2, 1e-9 * gpu_s);
  EXPECT_NEAR(c["spend_on_demand_usd"].get<double>(), gpu_s / 2 * kOnDemand / 3600, 1e-9);
  EXPECT_NEAR(c["spend_spot_usd"].get<double>(), gpu_s / 2 * kSpot / 3600, 1e-9);
  const double cost = gpu_s * (kOnDemand + kSpot) / 2 / 3600;
  EXPECT_NEAR(c["cost_usd"].get<double>(), cost, 1e-9);
  EXPECT_NEAR(c["cost_per_step_usd"].get<double>(), cost / 3, 1e-9);
  EXPECT_NEAR(c["cost_per_million_tokens_usd"].get<double>(), cost / (3.0 * 64 * 4096) * 1e6, 1e-9);
  const double busy = gpu_s * (1 - m["bubble_fraction"].get<double>());
  EXPECT_NEAR(c["busy_gpu_s"].get<double>(), busy, 1e-9 * gpu_s);
  EXPECT_NEAR(c["energy_j"].get<double>(), busy * kTdp + (gpu_s - busy) * kIdle, 1e-6 * gpu_s * kTdp);
  const json& i = c["cost_index"];
  EXPECT_EQ(i["efficiency_metric"], "mfu");
  EXPECT_DOUBLE_EQ(i["efficiency"].get<double>(), m["mfu"].get<double>());
  EXPECT_DOUBLE_EQ(i["operational_complexity"].get<double>(), 2);
  const double per_hour = cost / t * 3600;
  EXPECT_NEAR(i["cost_usd_per_hour"].get<double>(), per_hour, 1e-9 * per_hour);
  EXPECT_NEAR(i["value"].get<double>(), m["mfu"].get<double>() * m["tokens_per_s"].get<double>() / (per_hour * 2),
              1e-9 * i["value"].get<double>());
}

TEST(CostCli, NoMarketWritesNoCost) {
  const fs::path dir = scratch_dir("cost-cli-none");
  const json m = run_metrics(dir, write(dir, "t.pbtxt", training(false)), "a");
  EXPECT_FALSE(m.contains("cost"));
}

TEST(CostCli, ServingCostFromInstanceBusyTime) {
  const fs::path dir = scratch_dir("cost-cli-serving");
  const std::string text =
      "cluster {\n"
      "  nodes { id: \"dgx\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 }\n"
      "  market { on_demand_per_gpu_hour: \"10 USD\" }\n"
      "}\n"
      "serving {\n"
      "  model: \"llama-3.1-8b\"\n"
      "  replica { tensor_parallel: 1 count: 2 }\n"
      "  workload { poisson { rate: \"5 /s\" } input { fixed: 512 } output { fixed: 64 } max_requests: 200 }\n"
      "  slo { ttft: \"1 s\" }\n"
      "}\n";
  const json m = run_metrics(dir, write(dir, "s.pbtxt", text), "a");
  const json run = json::parse(read_file(dir / "a" / "run.json"));
  ASSERT_TRUE(m.contains("cost")) << m.dump(2);
  const json& c = m["cost"];
  const double t = m["simulated_time_s"].get<double>();
  const double gpu_s = 8 * t;  // the whole node is rented, two GPUs serve
  double busy = 0;
  for (const json& inst : run["instances"]) busy += inst["busy_s"].get<double>() * inst["gpus"].get<double>();
  EXPECT_NEAR(c["busy_gpu_s"].get<double>(), busy, 1e-9 * gpu_s);
  EXPECT_NEAR(c["cost_usd"].get<double>(), gpu_s * 10 / 3600, 1e-9);
  EXPECT_DOUBLE_EQ(c["spend_spot_usd"].get<double>(), 0);
  // H100 SXM5: 700 W TDP, idle 70 W (10 % assumption).
  EXPECT_NEAR(c["energy_j"].get<double>(), busy * 700 + (gpu_s - busy) * 70, 1e-6 * gpu_s * 700);
  const double tokens = m["tokens"]["input"].get<double>() + m["tokens"]["output"].get<double>();
  EXPECT_NEAR(c["cost_per_million_tokens_usd"].get<double>(), gpu_s * 10 / 3600 / tokens * 1e6, 1e-9);
  EXPECT_EQ(c["cost_index"]["efficiency_metric"], "slo_attainment");
  EXPECT_DOUBLE_EQ(c["cost_index"]["efficiency"].get<double>(), m["goodput"]["slo_attainment"].get<double>());
}

TEST(CostCli, SearchAddsCostPerMillionTokens) {
  const fs::path dir = scratch_dir("cost-cli-search");
  const fs::path scenario = write(dir, "t.pbtxt", training(true));
  const auto r = run_stratum("search " + shell_quote(scenario.string()) + " --top 2 --out " +
                                 shell_quote((dir / "a").string()),
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = json::parse(read_file(dir / "a" / "search.json"));
  const json& best = s["search"]["best"];
  ASSERT_GE(best.size(), 2u);
  for (const json& b : best) {
    const double step = b["step_time_s"].get<double>();
    const double expected = 16 * step * (kOnDemand + kSpot) / 2 / 3600 / (64.0 * 4096) * 1e6;
    EXPECT_NEAR(b["cost_per_million_tokens_usd"].get<double>(), expected, 1e-9 * expected);
  }
  EXPECT_LE(best[0]["cost_per_million_tokens_usd"].get<double>(), best[1]["cost_per_million_tokens_usd"].get<double>());
  std::istringstream csv(read_file(dir / "a" / "search.csv"));
  std::string header;
  std::getline(csv, header);
  EXPECT_NE(header.find(",cost_per_million_tokens_usd"), std::string::npos) << header;
}

}  // namespace
