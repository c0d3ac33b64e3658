// cluster.storage and cluster.market (issue 8): defaults per tier kind, every field read, and the
// field-level errors (negative and unit-less prices, bad tiers), all reported at once.
#include <gtest/gtest.h>

#include "../support/scenario_text.hpp"
#include "stratum/scenarios/loader.hpp"
#include "stratum/scenarios/storage.hpp"

namespace stratum::scenarios {
namespace {

// One node of eight H100s with `cluster_extra` inside cluster { }, and a one-step training job.
std::string scenario(const std::string& cluster_extra) {
  return "cluster {\n"
         "  nodes { id: \"a\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 }\n" +
         cluster_extra +
         "}\n"
         "training { model: \"llama-3.1-8b\" global_batch: 8 layout { dp: 8 } }\n";
}

std::string errors(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  return testing::load_errors("stratum-storage-loader-test", name, text, out);
}

TEST(StorageLoader, AbsentMeansNoTiersAndNoMarket) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("none.pbtxt", scenario(""), &s), "");
  EXPECT_TRUE(s->cluster.storage.tiers.empty());
  EXPECT_FALSE(s->cluster.market.has_value());
}

TEST(StorageLoader, DefaultsPerKind) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("defaults.pbtxt",
                   scenario("  storage {\n"
                            "    tier { id: \"nvme\" kind: LOCAL_NVME capacity: \"3.84 TB\" }\n"
                            "    tier { id: \"s3\" kind: OBJECT_STORE capacity: \"1000 TB\" }\n"
                            "    tier { id: \"dram\" kind: HOST_DRAM capacity: \"2 TiB\" latency: \"10 us\" }\n"
                            "  }\n"),
                   &s),
            "");
  const StorageSpec& st = s->cluster.storage;
  ASSERT_EQ(st.tiers.size(), 3u);
  const StorageTierSpec* nvme = st.find("nvme");
  ASSERT_NE(nvme, nullptr);
  EXPECT_EQ(nvme->kind, StorageKind::kLocalNvme);
  EXPECT_FALSE(nvme->shared());
  EXPECT_DOUBLE_EQ(nvme->capacity_bytes, 3.84e12);
  EXPECT_DOUBLE_EQ(nvme->read_bandwidth, 7e9);   // NVMe Gen4 datasheets
  EXPECT_DOUBLE_EQ(nvme->write_bandwidth, 7e9);  // symmetric by default
  EXPECT_DOUBLE_EQ(nvme->latency_s, 2e-3);       // deployment guide
  const StorageTierSpec* s3 = st.find("s3");
  ASSERT_NE(s3, nullptr);
  EXPECT_TRUE(s3->shared());
  EXPECT_DOUBLE_EQ(s3->read_bandwidth, 10e9);
  EXPECT_DOUBLE_EQ(s3->latency_s, 0.1);
  const StorageTierSpec* dram = st.find("dram");
  ASSERT_NE(dram, nullptr);
  EXPECT_DOUBLE_EQ(dram->read_bandwidth, 64e9);  // the H100's PCIe Gen5 x16 per direction, catalogue
  EXPECT_DOUBLE_EQ(dram->latency_s, 10e-6);
  EXPECT_EQ(st.find("gcs"), nullptr);
}

TEST(StorageLoader, ReadsEveryField) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("all.pbtxt",
                   scenario("  storage { tier { id: \"nvme\" kind: LOCAL_NVME capacity: \"3.84 TB\"\n"
                            "    read_bandwidth: \"6 GB/s\" write_bandwidth: \"5 GB/s\" latency: \"100 us\" } }\n"
                            "  market { on_demand_per_gpu_hour: \"12.29 USD\" spot_per_gpu_hour: \"4.10 USD\"\n"
                            "           spot_fraction: 0.5 operational_complexity: 2 }\n"),
                   &s),
            "");
  const StorageTierSpec& t = s->cluster.storage.tiers.at(0);
  EXPECT_DOUBLE_EQ(t.read_bandwidth, 6e9);
  EXPECT_DOUBLE_EQ(t.write_bandwidth, 5e9);
  EXPECT_DOUBLE_EQ(t.latency_s, 1e-4);
  ASSERT_TRUE(s->cluster.market.has_value());
  EXPECT_DOUBLE_EQ(s->cluster.market->on_demand_usd_per_gpu_hour, 12.29);
  EXPECT_DOUBLE_EQ(s->cluster.market->spot_usd_per_gpu_hour, 4.10);
  EXPECT_DOUBLE_EQ(s->cluster.market->spot_fraction, 0.5);
  EXPECT_DOUBLE_EQ(s->cluster.market->operational_complexity, 2);
}

TEST(StorageLoader, SpotPriceFromDiscountOrOnDemand) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("discount.pbtxt",
                   scenario("  market { on_demand_per_gpu_hour: \"10 USD\" spot_discount: 0.7 }\n"), &s),
            "");
  EXPECT_DOUBLE_EQ(s->cluster.market->spot_usd_per_gpu_hour, 3.0);
  EXPECT_DOUBLE_EQ(s->cluster.market->spot_fraction, 0);
  EXPECT_DOUBLE_EQ(s->cluster.market->operational_complexity, 1);
  ASSERT_EQ(errors("plain.pbtxt", scenario("  market { on_demand_per_gpu_hour: \"10 USD\" }\n"), &s), "");
  EXPECT_DOUBLE_EQ(s->cluster.market->spot_usd_per_gpu_hour, 10.0);
}

TEST(StorageLoader, NegativeAndUnitlessPricesAreErrors) {
  EXPECT_EQ(errors("prices.pbtxt",
                   scenario("  market { on_demand_per_gpu_hour: \"-1 USD\" spot_per_gpu_hour: \"4.10\"\n"
                            "           spot_fraction: 1.5 operational_complexity: 0 }\n")),
            "F:3:12: error: cluster.market.on_demand_per_gpu_hour is \"-1 USD\"; expected an amount of money from 0 "
            "USD to 10000 USD per GPU-hour\n"
            "F:3:45: error: cluster.market.spot_per_gpu_hour: missing unit in \"4.10\"; expected an amount of money "
            "as a number and a unit, one of: USD\n"
            "F:4:12: error: cluster.market.spot_fraction is 1.5; expected a number from 0 to 1\n"
            "F:4:31: error: cluster.market.operational_complexity is 0; expected a number greater than 0 and at most "
            "1000\n");
  // An A100 has no catalogue list price, so the market must give one.
  std::string a100 = scenario("  market { spot_discount: 0.5 spot_per_gpu_hour: \"1 USD\" }\n");
  a100.replace(a100.find("h100-sxm5-80gb"), 14, "a100-sxm4-80gb");
  EXPECT_EQ(errors("missing.pbtxt", a100),
            "F:3:3: error: cluster.market.on_demand_per_gpu_hour is missing; expected the on-demand price of one GPU "
            "for one hour, such as \"12.29 USD\" (the catalogue has no list price for \"a100-sxm4-80gb\")\n"
            "F:3:12: error: cluster.market has both spot_per_gpu_hour and spot_discount; expected at most one of "
            "them\n");
}

TEST(StorageLoader, OnDemandPriceDefaultsToTheCataloguesListPrice) {
  // gpus.pbtxt: AWS p5.48xlarge on demand, 98.32 USD per hour / 8 H100 (secondary reports).
  std::optional<Scenario> s;
  ASSERT_EQ(errors("list.pbtxt", scenario("  market { spot_discount: 0.6 }\n"), &s), "");
  EXPECT_DOUBLE_EQ(s->cluster.market->on_demand_usd_per_gpu_hour, 12.29);
  EXPECT_NEAR(s->cluster.market->spot_usd_per_gpu_hour, 12.29 * 0.4, 1e-12);
  EXPECT_EQ(s->cluster.market->on_demand_source.rfind("catalogue: AWS p5.48xlarge on demand", 0), 0u);
  // A price in the scenario wins, and then no source is recorded.
  ASSERT_EQ(errors("own.pbtxt", scenario("  market { on_demand_per_gpu_hour: \"10 USD\" }\n"), &s), "");
  EXPECT_DOUBLE_EQ(s->cluster.market->on_demand_usd_per_gpu_hour, 10);
  EXPECT_TRUE(s->cluster.market->on_demand_source.empty());
}

TEST(StorageLoader, BadTiersAreReportedAtTheirFields) {
  EXPECT_EQ(errors("tiers.pbtxt",
                   scenario("  storage {\n"
                            "    tier { id: \"nvme\" kind: LOCAL_NVME capacity: \"0 TB\" read_bandwidth: \"7 GB\" }\n"
                            "    tier { id: \"nvme\" capacity: \"1 TB\" latency: \"20 s\" }\n"
                            "    tier { id: \"dram\" kind: HOST_DRAM capacity: \"1 TB\" }\n"
                            "  }\n")),
            "F:4:40: error: cluster.storage.tier[0].capacity is \"0 TB\"; expected a size greater than 0 and at "
            "most 1000000 TB\n"
            "F:4:57: error: cluster.storage.tier[0].read_bandwidth: unit \"GB\" in \"7 GB\" is a size unit, not a "
            "bandwidth; expected a bandwidth as a number and a unit, one of: B/s, KB/s, MB/s, GB/s, TB/s, KiB/s, "
            "MiB/s, GiB/s, TiB/s, Kb/s, Mb/s, Gb/s, Tb/s\n"
            "F:5:12: error: cluster.storage.tier[1].id \"nvme\" repeats an earlier tier; expected unique ids\n"
            "F:5:5: error: cluster.storage.tier[1].kind is missing; expected HOST_DRAM, LOCAL_NVME or OBJECT_STORE\n"
            "F:5:40: error: cluster.storage.tier[1].latency is \"20 s\"; expected a time from 0 to 10 s\n"
            "F:6:5: error: cluster.storage.tier[2].latency is missing; expected a per-access latency such as "
            "\"10 us\" (no default for HOST_DRAM)\n");
  EXPECT_EQ(errors("empty.pbtxt", scenario("  storage { }\n")),
            "F:3:3: error: cluster.storage.tier is missing; expected tier { id: \"nvme\" kind: LOCAL_NVME capacity: "
            "\"3.84 TB\" }\n");
}

TEST(StorageLoader, TierCapacityCheck) {
  StorageTierSpec s3;
  s3.id = "s3";
  s3.kind = StorageKind::kObjectStore;
  s3.capacity_bytes = 1e12;
  EXPECT_TRUE(tier_can_hold(s3, 1e12));
  EXPECT_FALSE(tier_can_hold(s3, 4.86e12));
  EXPECT_EQ(tier_capacity_error(s3, 5e11, "the checkpoint"), "");
  EXPECT_EQ(tier_capacity_error(s3, 4.86e12, "the checkpoint"),
            "tier \"s3\" holds 1 TB; the checkpoint needs 4.86 TB; expected a tier of at least 4.86 TB");
  StorageTierSpec nvme = s3;
  nvme.id = "nvme";
  nvme.kind = StorageKind::kLocalNvme;
  EXPECT_EQ(tier_capacity_error(nvme, 2e12, "the model"),
            "tier \"nvme\" holds 1 TB per node; the model needs 2 TB; expected a tier of at least 2 TB");
}

}  // namespace
}  // namespace stratum::scenarios
