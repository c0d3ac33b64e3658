// Issue 4's scenario fields: NICs, fabrics (fat-tree, rail-optimised, multi-pod), fidelity and the
// collectives workload, loaded into SI units with their defaults, plus the fabric capacity rules.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "stratum/scenarios/fabric_capacity.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "stratum-fabric-test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::optional<Scenario> load_text(const std::string& name, const std::string& text, Diagnostics& diags,
                                  const std::vector<Override>& overrides = {}) {
  return load_scenario(write_temp(name, text), overrides, Catalog::builtin(), diags);
}

const std::string kServing = R"(
serving {
  model: "llama-3.1-8b"
  replica { tensor_parallel: 8 count: 1 }
  workload { poisson { rate: "1 /s" } input { fixed: 128 } output { fixed: 16 } max_requests: 10 }
}
)";

TEST(ScenarioFabric, FatTreeWithDefaultNicsAndOneTierForAll) {
  Diagnostics diags;
  const auto s = load_text("fat-tree.pbtxt", R"(
cluster {
  nodes { id: "dgx" count: 4 gpu: "h100-sxm5-80gb" gpus_per_node: 8 }
  fabric { fat_tree { levels: 2 radix: 64 } tier { bandwidth: "400 Gb/s" latency: "1 us" } }
}
)" + kServing, diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  const NodeGroup& g = s->cluster.nodes[0];
  EXPECT_EQ(g.nics.placement, NicPlacement::kPerGpu);  // NVSwitch node: one NIC per GPU (DGX H100)
  EXPECT_EQ(g.nics.count, 8);
  EXPECT_DOUBLE_EQ(g.nics.bandwidth, 50e9);            // 400 Gb/s ConnectX-7
  EXPECT_DOUBLE_EQ(g.nics.latency, 7e-6);              // half of NCCL's 14 us network hop
  const FabricSpec& f = s->cluster.fabric;
  EXPECT_EQ(f.kind, FabricKind::kFatTree);
  EXPECT_EQ(f.levels, 2);
  EXPECT_EQ(f.radix, 64);
  EXPECT_DOUBLE_EQ(f.oversubscription, 1.0);
  ASSERT_EQ(f.tiers.size(), 2u);  // the single tier is used at both levels
  for (const FabricTier& t : f.tiers) {
    EXPECT_DOUBLE_EQ(t.bandwidth, 50e9);
    EXPECT_DOUBLE_EQ(t.latency, 1e-6);
  }
  EXPECT_EQ(s->fidelity, CommFidelity::kFlow);
  EXPECT_TRUE(s->serving.has_value());
  EXPECT_FALSE(s->collectives.has_value());
  EXPECT_EQ(s->where("cluster.fabric.fat_tree.radix").line, 4);
}

TEST(ScenarioFabric, ThreeLevelOversubscribedFatTreeWithPcieNodes) {
  Diagnostics diags;
  const auto s = load_text("fat-tree-3.pbtxt", R"(
cluster {
  nodes { id: "box" count: 2 gpu: "l40s-48gb" gpus_per_node: 8 }
  nodes { id: "dgx" count: 1 gpu: "h100-sxm5-80gb" gpus_per_node: 8
          nics { per_node { count: 2 } bandwidth: "200 Gb/s" latency: "2 us" } }
  fabric {
    fat_tree { levels: 3 radix: 8 oversubscription: 3 }
    tier { bandwidth: "400 Gb/s" latency: "1 us" }
    tier { bandwidth: "800 Gb/s" latency: "500 ns" }
    tier { bandwidth: "1.6 Tb/s" latency: "0 s" }
  }
}
)" + kServing, diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  const NodeGroup& box = s->cluster.nodes[0];
  EXPECT_EQ(box.nics.placement, NicPlacement::kPerNode);  // PCIe server: one NIC per node
  EXPECT_EQ(box.nics.count, 1);
  EXPECT_DOUBLE_EQ(box.nics.bandwidth, 50e9);
  const NodeGroup& dgx = s->cluster.nodes[1];
  EXPECT_EQ(dgx.nics.placement, NicPlacement::kPerNode);
  EXPECT_EQ(dgx.nics.count, 2);
  EXPECT_DOUBLE_EQ(dgx.nics.bandwidth, 25e9);
  EXPECT_DOUBLE_EQ(dgx.nics.latency, 2e-6);
  const FabricSpec& f = s->cluster.fabric;
  EXPECT_EQ(f.levels, 3);
  EXPECT_EQ(f.radix, 8);
  EXPECT_DOUBLE_EQ(f.oversubscription, 3);
  ASSERT_EQ(f.tiers.size(), 3u);
  EXPECT_DOUBLE_EQ(f.tiers[0].bandwidth, 50e9);
  EXPECT_DOUBLE_EQ(f.tiers[1].bandwidth, 100e9);
  EXPECT_DOUBLE_EQ(f.tiers[1].latency, 500e-9);
  EXPECT_DOUBLE_EQ(f.tiers[2].bandwidth, 200e9);
  EXPECT_DOUBLE_EQ(f.tiers[2].latency, 0);
}

TEST(ScenarioFabric, RailOptimizedAndMultiPod) {
  Diagnostics diags;
  const auto rail = load_text("rail.pbtxt", R"(
cluster {
  nodes { id: "dgx" count: 4 gpu: "h100-sxm5-80gb" gpus_per_node: 8 nics { per_gpu {} bandwidth: "400 Gb/s" } }
  fabric {
    rail_optimized { spines: 4 radix: 32 }
    tier { bandwidth: "400 Gb/s" latency: "1 us" }
    tier { bandwidth: "400 Gb/s" latency: "2 us" }
  }
}
)" + kServing, diags);
  ASSERT_TRUE(rail.has_value()) << diags.to_string();
  EXPECT_EQ(rail->cluster.fabric.kind, FabricKind::kRailOptimized);
  EXPECT_EQ(rail->cluster.fabric.spines, 4);
  EXPECT_EQ(rail->cluster.fabric.radix, 32);
  ASSERT_EQ(rail->cluster.fabric.tiers.size(), 2u);
  EXPECT_DOUBLE_EQ(rail->cluster.fabric.tiers[1].latency, 2e-6);

  const auto pods = load_text("multi-pod.pbtxt", R"(
cluster {
  nodes { id: "dgx" count: 4 gpu: "h100-sxm5-80gb" gpus_per_node: 8 }
  fabric {
    multi_pod { pod_gpus: 16 pod_oversubscription: 7 radix: 16 }
    tier { bandwidth: "400 Gb/s" latency: "1 us" }
  }
}
)" + kServing, diags);
  ASSERT_TRUE(pods.has_value()) << diags.to_string();
  const FabricSpec& f = pods->cluster.fabric;
  EXPECT_EQ(f.kind, FabricKind::kMultiPod);
  EXPECT_EQ(f.pod_gpus, 16);
  EXPECT_DOUBLE_EQ(f.pod_oversubscription, 7);
  EXPECT_EQ(f.radix, 16);
  EXPECT_EQ(f.tiers.size(), 3u);
}

TEST(ScenarioFabric, OnePodHasNoCoreSoItsSpinesUseEveryPort) {
  const std::string text = R"(
cluster {
  nodes { id: "dgx" count: 2 gpu: "h100-sxm5-80gb" gpus_per_node: 8 }
  fabric { multi_pod { pod_gpus: POD radix: 6 pod_oversubscription: 2 } tier { bandwidth: "400 Gb/s" latency: "1 us" } }
}
)" + kServing;
  Diagnostics diags;
  std::string one = text;
  one.replace(one.find("POD"), 3, "16");
  // One pod of 16 NICs: 6 leaves' worth of spine ports x 3 NICs per leaf = 18, enough.
  EXPECT_TRUE(load_text("one-pod.pbtxt", one, diags).has_value()) << diags.to_string();
  std::string two = text;
  two.replace(two.find("POD"), 3, "8");
  // Two pods of 8 NICs: spines keep 2 of 6 ports for the core, 4 x 3 = 12 per pod, enough too.
  EXPECT_TRUE(load_text("two-pods.pbtxt", two, diags).has_value()) << diags.to_string();
  EXPECT_EQ(multi_pod_pod_nic_capacity(6, 2.0), 12);
  EXPECT_EQ(fat_tree_nic_capacity(2, 6, 1.0), 18);
}

TEST(ScenarioFabric, NoFabricMeansNoNicsUnlessGiven) {
  Diagnostics diags;
  const auto s = load_text("no-fabric.pbtxt", R"(
cluster {
  nodes { id: "a" count: 1 gpu: "h100-sxm5-80gb" gpus_per_node: 8 }
  nodes { id: "b" count: 1 gpu: "h100-sxm5-80gb" gpus_per_node: 8 nics { per_node { count: 4 } } }
}
)" + kServing, diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  EXPECT_EQ(s->cluster.fabric.kind, FabricKind::kNone);
  EXPECT_EQ(s->cluster.nodes[0].nics.count, 0);          // no fabric, no block: no NIC
  EXPECT_EQ(s->cluster.nodes[1].nics.count, 4);          // given without a fabric: kept, unused
  EXPECT_EQ(s->cluster.nodes[1].nics.placement, NicPlacement::kPerNode);
  EXPECT_DOUBLE_EQ(s->cluster.nodes[1].nics.bandwidth, 50e9);
}

TEST(ScenarioFabric, OneNodeFabricIsAllowed) {
  Diagnostics diags;
  const auto s = load_text("one-node.pbtxt", R"(
cluster {
  nodes { id: "dgx" gpu: "h100-sxm5-80gb" gpus_per_node: 8 }
  fabric { fat_tree { radix: 4 } tier { bandwidth: "400 Gb/s" latency: "1 us" } }
}
)" + kServing, diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();  // 8 NICs fit a radix-4 two-level tree (4 x 2)
  EXPECT_EQ(s->cluster.fabric.radix, 4);
}

TEST(ScenarioFabric, CapacityFormulas) {
  // Al-Fares et al. (SIGCOMM 2008): a k-ary fat-tree of three levels holds k^3/4 hosts; two
  // levels hold k^2/2.
  EXPECT_EQ(fat_tree_nic_capacity(2, 64, 1.0), 2048);
  EXPECT_EQ(fat_tree_nic_capacity(3, 64, 1.0), 65536);
  EXPECT_EQ(fat_tree_nic_capacity(3, 48, 1.0), 48 * 48 * 48 / 4);
  // 3:1 at the leaf: 48 ports down, 16 up.
  EXPECT_EQ(down_ports(64, 3.0), 48);
  EXPECT_EQ(fat_tree_nic_capacity(2, 64, 3.0), 64 * 48);
  EXPECT_EQ(down_ports(64, 7.0), 56);
  EXPECT_EQ(down_ports(10, 1.5), 6);  // 10 x 1.5 / 2.5 = 6 exactly
  EXPECT_EQ(down_ports(10, 2.0), 6);  // 6.67 rounds down
  EXPECT_EQ(fat_tree_nic_capacity(4, 64, 1.0), 0);
  // 64-port rail leaves, 8 rails: 32 nodes per leaf, 8 leaves per rail.
  EXPECT_EQ(rail_optimized_node_capacity(64, 8), 256);
  EXPECT_EQ(rail_optimized_node_capacity(8, 16), 0);
  // A pod at full bisection is one pod of the k-ary fat-tree: k^2/4.
  EXPECT_EQ(multi_pod_pod_nic_capacity(64, 1.0), 1024);
  // Llama 3's 3,072-GPU pods at 1:7 need 86-port switches with this layout: 75 down x 43.
  EXPECT_EQ(multi_pod_pod_nic_capacity(86, 7.0), 3225);
  EXPECT_LT(multi_pod_pod_nic_capacity(84, 7.0), 3072);
  EXPECT_EQ(multi_pod_max_pods(64), 64);
}

TEST(ScenarioFabric, FatTreeTooSmallNamesTheFormula) {
  Diagnostics diags;
  const auto s = load_text("small-tree.pbtxt", R"(
cluster {
  nodes { id: "dgx" count: 2 gpu: "h100-sxm5-80gb" gpus_per_node: 8 }
  fabric { fat_tree { radix: 4 } tier { bandwidth: "400 Gb/s" latency: "1 us" } }
}
)" + kServing, diags);
  EXPECT_FALSE(s.has_value());
  ASSERT_EQ(diags.errors().size(), 1u) << diags.to_string();
  EXPECT_EQ(diags.errors()[0].message,
            "cluster.fabric.fat_tree holds at most 8 NICs (2 levels of 4-port switches, oversubscription 1: leaves "
            "of 2 ports down, radix x down = 4 x 2) but the cluster has 16 NICs; expected a larger radix, 3 levels or "
            "more oversubscription");
  EXPECT_EQ(diags.errors()[0].where.line, 4);
}

const std::string kTwoDgx = R"(
cluster {
  nodes { id: "dgx" count: 2 gpu: "h100-sxm5-80gb" gpus_per_node: 8 }
  fabric { fat_tree {} tier { bandwidth: "400 Gb/s" latency: "1 us" } }
}
)";

TEST(ScenarioCollectives, EveryField) {
  Diagnostics diags;
  const auto s = load_text("collectives.pbtxt", kTwoDgx + R"(
fidelity: ANALYTIC
collectives {
  op: [ALL_REDUCE, ALL_GATHER, SEND_RECV]
  min_bytes: "1 MiB"
  max_bytes: "1 GiB"
  step_factor: 4
  ranks: [2, 8, 16]
  algorithm: [RING, TREE, HIERARCHICAL]
  concurrent_groups: 1
}
)", diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  EXPECT_EQ(s->fidelity, CommFidelity::kAnalytic);
  EXPECT_FALSE(s->serving.has_value());
  ASSERT_TRUE(s->collectives.has_value());
  const CollectivesSpec& c = *s->collectives;
  EXPECT_EQ(c.ops, (std::vector<CollectiveOp>{CollectiveOp::kAllReduce, CollectiveOp::kAllGather,
                                              CollectiveOp::kSendRecv}));
  EXPECT_DOUBLE_EQ(c.min_bytes, 1048576);
  EXPECT_DOUBLE_EQ(c.max_bytes, 1073741824);
  EXPECT_DOUBLE_EQ(c.step_factor, 4);
  EXPECT_EQ(c.ranks, (std::vector<int>{2, 8, 16}));
  EXPECT_EQ(c.algorithms, (std::vector<CollectiveAlgorithm>{CollectiveAlgorithm::kRing, CollectiveAlgorithm::kTree,
                                                            CollectiveAlgorithm::kHierarchical}));
  EXPECT_EQ(c.concurrent_groups, 1);
  EXPECT_EQ(s->where("collectives.ranks[2]").line, 13);
}

TEST(ScenarioCollectives, Defaults) {
  Diagnostics diags;
  const auto s = load_text("collectives-defaults.pbtxt", kTwoDgx + "collectives { op: ALL_TO_ALL }\n", diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  EXPECT_EQ(s->fidelity, CommFidelity::kFlow);
  const CollectivesSpec& c = *s->collectives;
  EXPECT_EQ(c.ops, std::vector<CollectiveOp>{CollectiveOp::kAllToAll});
  EXPECT_DOUBLE_EQ(c.min_bytes, 32.0 * 1024 * 1024);  // nccl-tests -b 32M
  EXPECT_DOUBLE_EQ(c.max_bytes, 32.0 * 1024 * 1024);  // nccl-tests -e 32M
  EXPECT_DOUBLE_EQ(c.step_factor, 2);
  EXPECT_EQ(c.ranks, std::vector<int>{16});           // every GPU
  EXPECT_EQ(c.algorithms, std::vector<CollectiveAlgorithm>{CollectiveAlgorithm::kAuto});
  EXPECT_EQ(c.concurrent_groups, 1);

  // One size bound alone gives a single size.
  const auto one = load_text("collectives-max.pbtxt", kTwoDgx + "collectives { op: BROADCAST max_bytes: \"1 GB\" }\n",
                             diags);
  ASSERT_TRUE(one.has_value()) << diags.to_string();
  EXPECT_DOUBLE_EQ(one->collectives->min_bytes, 1e9);
  EXPECT_DOUBLE_EQ(one->collectives->max_bytes, 1e9);
}

TEST(ScenarioCollectives, WithinOneNodeNeedsNoFabric) {
  Diagnostics diags;
  const auto s = load_text("collectives-node.pbtxt", R"(
cluster { nodes { id: "dgx" count: 2 gpu: "h100-sxm5-80gb" gpus_per_node: 8 } }
collectives { op: ALL_REDUCE ranks: [2, 4] concurrent_groups: 2 }
)", diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();  // 2 groups x 4 ranks = 8 GPUs, the first node
  const auto far = load_text("collectives-far.pbtxt", R"(
cluster { nodes { id: "dgx" count: 2 gpu: "h100-sxm5-80gb" gpus_per_node: 8 } }
collectives { op: ALL_REDUCE ranks: [2, 4] concurrent_groups: 3 }
)", diags);
  EXPECT_FALSE(far.has_value());
  ASSERT_EQ(diags.errors().size(), 1u);
  EXPECT_EQ(diags.errors()[0].message,
            "collectives uses 12 GPUs (concurrent_groups x the largest rank count), more than one node's 8, but the "
            "cluster has no fabric; expected cluster { fabric { ... } } to join the nodes");
}

TEST(ScenarioCollectives, ServingAndCollectivesTogetherIsAnError) {
  Diagnostics diags;
  EXPECT_FALSE(load_text("both.pbtxt", kTwoDgx + "collectives { op: ALL_REDUCE }\n" + kServing, diags).has_value());
  ASSERT_EQ(diags.errors().size(), 1u) << diags.to_string();
  EXPECT_EQ(diags.errors()[0].message,
            "serving and collectives are both set; expected exactly one of them (one workload per scenario)");
  EXPECT_EQ(diags.errors()[0].where.line, 6);
}

TEST(ScenarioCollectives, NamesRoundTripToTheSchema) {
  EXPECT_STREQ(to_string(CollectiveOp::kAllReduce), "ALL_REDUCE");
  EXPECT_STREQ(to_string(CollectiveOp::kAllGather), "ALL_GATHER");
  EXPECT_STREQ(to_string(CollectiveOp::kReduceScatter), "REDUCE_SCATTER");
  EXPECT_STREQ(to_string(CollectiveOp::kAllToAll), "ALL_TO_ALL");
  EXPECT_STREQ(to_string(CollectiveOp::kBroadcast), "BROADCAST");
  EXPECT_STREQ(to_string(CollectiveOp::kSendRecv), "SEND_RECV");
  EXPECT_STREQ(to_string(CollectiveAlgorithm::kRing), "RING");
  EXPECT_STREQ(to_string(CollectiveAlgorithm::kTree), "TREE");
  EXPECT_STREQ(to_string(CollectiveAlgorithm::kHierarchical), "HIERARCHICAL");
  EXPECT_STREQ(to_string(CollectiveAlgorithm::kAuto), "AUTO");
}

TEST(ScenarioOverrides, SetFabricFidelityAndCollectivesFields) {
  Diagnostics diags;
  const auto s = load_text("set.pbtxt", kTwoDgx + "collectives { op: ALL_REDUCE ranks: 8 }\n", diags,
                           {{"cluster.fabric.fat_tree.radix", "8"},
                            {"fidelity", "ANALYTIC"},
                            {"collectives.concurrent_groups", "2"},
                            {"cluster.nodes[0].nics", "per_node { count: 2 } bandwidth: \"200 Gb/s\""},
                            {"cluster.fabric.multi_pod", "pod_gpus: 8 radix: 8"}});
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  // multi_pod replaced fat_tree (a oneof), radix 8 holds 2 pods of at most 3 x 4 = 12 NICs.
  EXPECT_EQ(s->cluster.fabric.kind, FabricKind::kMultiPod);
  EXPECT_EQ(s->cluster.fabric.radix, 8);
  EXPECT_EQ(s->cluster.fabric.pod_gpus, 8);
  EXPECT_EQ(s->fidelity, CommFidelity::kAnalytic);
  EXPECT_EQ(s->collectives->concurrent_groups, 2);
  EXPECT_EQ(s->cluster.nodes[0].nics.count, 2);
  EXPECT_DOUBLE_EQ(s->cluster.nodes[0].nics.bandwidth, 25e9);

  Diagnostics bad;
  EXPECT_FALSE(load_text("set-bad.pbtxt", kTwoDgx + "collectives { op: ALL_REDUCE }\n", bad,
                         {{"fidelity", "FLOWS"}, {"cluster.fabric.fat_tree.levels", "4"}})
                   .has_value());
  EXPECT_EQ(bad.to_string(),
            "--set fidelity: error: \"FLOWS\" is not valid for fidelity; did you mean \"FLOW\"? expected one of: FLOW, "
            "ANALYTIC\n"
            "--set cluster.fabric.fat_tree.levels: error: cluster.fabric.fat_tree.levels is 4; expected 2 "
            "(leaf-spine) or 3 (leaf-aggregation-core)\n");
}

}  // namespace
}  // namespace stratum::scenarios
