// Prefix caching's metrics (sim/src/metrics.cpp) and the KV offload plan (sim/src/
// kv_offload_plan.cpp): hit rate over admitted requests, per-tier sums, and block bytes,
// capacities and path-limited bandwidths from the cluster.
#include <gtest/gtest.h>

#include "../../sim/src/kv_offload_plan.hpp"
#include "stratum/sim/metrics.hpp"

namespace stratum::sim {
namespace {

TEST(PrefixCacheMetrics, HitRateCountsAdmittedRequestsAndTiersAddUp) {
  ServingRunResult run;
  RequestRecord a;
  a.input_tokens = 1000;
  a.cached_tokens = 512;
  a.first_scheduled_s = 1;
  RequestRecord b = a;
  b.cached_tokens = 0;
  RequestRecord never = a;  // rejected before admission: not in the hit rate
  never.first_scheduled_s = -1;
  never.cached_tokens = 0;
  never.status = RequestStatus::kRejected;
  run.requests = {a, b, never};
  InstanceSummary i0, i1;
  for (InstanceSummary* inst : {&i0, &i1}) {
    inst->prefix_cache.enabled = true;
    inst->prefix_cache.tier_names = {"HBM", "HOST_DRAM"};
    inst->prefix_cache.hit_tokens_by_tier = {256, 0};
    inst->prefix_cache.reload_s_by_tier = {0.0, 0.25};
    inst->prefix_cache.evictions = 3;
  }
  run.instances = {i0, i1};
  const ServingMetrics m = summarize(run, {});
  ASSERT_TRUE(m.prefix_cache.enabled);
  EXPECT_EQ(m.prefix_cache.prompt_tokens, 2000);
  EXPECT_EQ(m.prefix_cache.cached_tokens, 512);
  EXPECT_DOUBLE_EQ(m.prefix_cache.hit_rate, 0.256);
  EXPECT_EQ(m.prefix_cache.tier_hit_tokens, (std::vector<int64_t>{512, 0}));
  EXPECT_DOUBLE_EQ(m.prefix_cache.reload_s, 0.5);
  EXPECT_EQ(m.prefix_cache.evictions, 6);
}

TEST(PrefixCacheMetrics, DisabledWithoutPrefixCaching) {
  ServingRunResult run;
  run.instances.resize(2);
  run.requests.resize(3);
  EXPECT_FALSE(summarize(run, {}).prefix_cache.enabled);
}

TEST(KvOffloadPlan, BlockBytesCapacitiesAndPathLimitedBandwidth) {
  scenarios::ServingSpec serving;
  serving.scheduler.block_size_tokens = 16;
  serving.kv_tiers = {{scenarios::KvTierKind::kHostDram, 256.0 * (1 << 30), 307e9, 10e-6},
                      {scenarios::KvTierKind::kLocalNvme, 1e12, 7e9, 100e-6},
                      {scenarios::KvTierKind::kRemotePool, 1e12, 1e12, 20e-6}};
  scenarios::NodeGroup group;
  group.gpus_per_node = 8;
  group.gpu.pcie_bandwidth = 64e9;
  group.nics.placement = scenarios::NicPlacement::kPerGpu;
  group.nics.count = 8;
  group.nics.bandwidth = 50e9;
  scenarios::ReplicaSpec replica;
  replica.tensor_parallel = 2;
  calibration::ServingMemoryPlan memory;
  memory.kv_bytes_per_token_per_gpu = 65536;  // half of Llama-3.1-8B's 128 KiB per token at TP 2
  const policies::KvOffloadConfig c = plan_kv_offload(serving, group, replica, memory);
  EXPECT_DOUBLE_EQ(c.block_bytes, 16.0 * 65536 * 2);  // 2 MiB over both GPUs
  ASSERT_EQ(c.tiers.size(), 3u);
  EXPECT_EQ(c.tiers[0].name, "HOST_DRAM");
  EXPECT_EQ(c.tiers[0].capacity_blocks, 131072);
  EXPECT_DOUBLE_EQ(c.tiers[0].bandwidth, 128e9);  // two PCIe links below the DRAM's 307 GB/s
  EXPECT_DOUBLE_EQ(c.tiers[1].bandwidth, 7e9);    // the drive is slower than the links
  EXPECT_DOUBLE_EQ(c.tiers[2].bandwidth, 100e9);  // two 400 Gb/s NICs
  EXPECT_DOUBLE_EQ(c.tiers[2].latency, 20e-6);
  // Per-node NICs are shared: 2 NICs of 50 GB/s for 8 GPUs give a 2-GPU instance a quarter.
  group.nics.placement = scenarios::NicPlacement::kPerNode;
  group.nics.count = 2;
  EXPECT_DOUBLE_EQ(plan_kv_offload(serving, group, replica, memory).tiers[2].bandwidth, 25e9);
}

}  // namespace
}  // namespace stratum::sim
