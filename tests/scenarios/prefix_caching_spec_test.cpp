// serving.scheduler.continuous.prefix_caching and serving.kv_tiers: what loads, and every bad
// input's exact message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

std::string write(const std::string& name, const std::string& cluster_extra, const std::string& serving_extra) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "stratum-prefix-caching-spec-test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / (name + ".pbtxt")).string();
  std::ofstream(path, std::ios::binary)
      << "cluster { nodes { id: \"dgx\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 } " << cluster_extra << "}\n"
      << "serving {\n  model: \"llama-3.1-8b\"\n  replica { count: 4 }\n"
      << serving_extra
      << "\n  workload { poisson { rate: \"5 /s\" } input { fixed: 100 } output { fixed: 10 } max_requests: 10 }\n}\n";
  return path;
}

std::optional<Scenario> load(const std::string& path, Diagnostics& diags) {
  return load_scenario(path, {}, Catalog::builtin(), diags);
}

constexpr const char* kCaching = "scheduler { continuous { prefix_caching: true } }\n";

TEST(PrefixCachingSpec, OffByDefaultAndOnWhenAsked) {
  Diagnostics diags;
  auto off = load(write("off", "", ""), diags);
  ASSERT_TRUE(off.has_value()) << diags.to_string();
  EXPECT_FALSE(off->serving->scheduler.prefix_caching);
  EXPECT_TRUE(off->serving->kv_tiers.empty());
  auto on = load(write("on", "", kCaching), diags);
  ASSERT_TRUE(on.has_value()) << diags.to_string();
  EXPECT_TRUE(on->serving->scheduler.prefix_caching);
}

TEST(PrefixCachingSpec, TiersLoadInSiUnits) {
  Diagnostics diags;
  const auto s = load(write("tiers", "fabric { fat_tree {} tier { bandwidth: \"400 Gb/s\" latency: \"1 us\" } } ",
                            std::string(kCaching) +
                                "kv_tiers {\n"
                                "  tier { kind: HOST_DRAM capacity: \"256 GiB\" bandwidth: \"300 GB/s\" latency: \"10 us\" }\n"
                                "  tier { kind: LOCAL_NVME capacity: \"2 TB\" bandwidth: \"7 GB/s\" latency: \"100 us\" }\n"
                                "  tier { kind: REMOTE_POOL capacity: \"1 TiB\" bandwidth: \"50 GB/s\" latency: \"20 us\" }\n"
                                "}\n"),
                      diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  const auto& t = s->serving->kv_tiers;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].kind, KvTierKind::kHostDram);
  EXPECT_DOUBLE_EQ(t[0].capacity_bytes, 256.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(t[0].bandwidth, 300e9);
  EXPECT_DOUBLE_EQ(t[0].latency, 10e-6);
  EXPECT_EQ(t[1].kind, KvTierKind::kLocalNvme);
  EXPECT_DOUBLE_EQ(t[1].capacity_bytes, 2e12);
  EXPECT_EQ(t[2].kind, KvTierKind::kRemotePool);
  EXPECT_STREQ(to_string(t[2].kind), "REMOTE_POOL");
}

TEST(PrefixCachingSpec, PrefixAwareRouterWithoutPrefixCachingIsAnError) {
  Diagnostics diags;
  const std::string path = write("router", "", "router { prefix_aware {} }\n");
  EXPECT_FALSE(load(path, diags).has_value());
  EXPECT_EQ(diags.to_string(),
            path + ":5:10: error: serving.router prefix_aware needs prefix caching; expected "
                   "serving.scheduler.continuous.prefix_caching: true\n");
}

TEST(PrefixCachingSpec, EveryBadTierIsReportedAtItsField) {
  Diagnostics diags;
  const std::string path = write("bad", "",
                                 "kv_tiers {\n"
                                 "  tier { kind: LOCAL_NVME capacity: \"0 GiB\" bandwidth: \"7 GB\" latency: \"2 s\" }\n"
                                 "  tier { kind: HOST_DRAM }\n"
                                 "  tier { kind: REMOTE_POOL capacity: \"1 TiB\" bandwidth: \"50 GB/s\" latency: \"1 us\" }\n"
                                 "}\n");
  EXPECT_FALSE(load(path, diags).has_value());
  const std::string text = diags.to_string();
  for (const std::string& expected : {
           path + ":5:1: error: serving.kv_tiers needs prefix caching; expected "
                  "serving.scheduler.continuous.prefix_caching: true",
           path + ":6:27: error: serving.kv_tiers.tier[0].capacity is \"0 GiB\"; expected a size greater than 0 and at "
                  "most 1 PiB",
           path + ":6:45: error: serving.kv_tiers.tier[0].bandwidth: unit \"GB\" in \"7 GB\" is a size unit, not a "
                  "bandwidth",
           path + ":6:63: error: serving.kv_tiers.tier[0].latency is \"2 s\"; expected a time from 0 to 1 s",
           path + ":7:10: error: serving.kv_tiers.tier[1].kind is HOST_DRAM after LOCAL_NVME; expected the kinds in the "
                  "order HOST_DRAM, LOCAL_NVME, REMOTE_POOL, each at most once",
           path + ":7:3: error: serving.kv_tiers.tier[1].capacity is missing; expected a size such as \"256 GiB\"",
           path + ":7:3: error: serving.kv_tiers.tier[1].bandwidth is missing; expected a bandwidth such as \"7 GB/s\"",
           path + ":7:3: error: serving.kv_tiers.tier[1].latency is missing; expected a time such as \"20 us\"",
           path + ":8:10: error: serving.kv_tiers.tier[2].kind REMOTE_POOL is reached over the NICs, but "
                  "cluster.nodes[0] (\"dgx\") has none; expected a cluster.fabric or a nics block on that node group",
       }) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n" << text;
  }
}

TEST(PrefixCachingSpec, AnEmptyTierListMeansNoOffload) {
  Diagnostics diags;
  const auto s = load(write("empty", "", "kv_tiers {}\n"), diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  EXPECT_TRUE(s->serving->kv_tiers.empty());
}

}  // namespace
}  // namespace stratum::scenarios
