// Fabrics: structure counts, routing (ECMP, shortest paths), bisection against the closed form.
#include "stratum/topology/fabric_builders.hpp"

#include <set>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "stratum/topology/analysis.hpp"
#include "stratum/topology/cluster_builder.hpp"
#include "stratum/topology/path.hpp"
#include "test_clusters.hpp"

namespace stratum::topology {
namespace {

using scenarios::FabricKind;
using testing::dgx_h100;
using testing::l40s_box;

// 400 Gb/s NDR = 50e9 bytes/s per direction (NVIDIA Quantum-2 / ConnectX-7 datasheets).
constexpr double kNdr = 50e9;

scenarios::NodeGroup dgx_nics(int count) {
  scenarios::NodeGroup g = dgx_h100(count);
  g.nics.placement = scenarios::NicPlacement::kPerGpu;
  g.nics.count = 8;
  g.nics.bandwidth = kNdr;
  g.nics.latency = 1e-6;
  return g;
}

scenarios::FabricSpec fat_tree(int levels, int radix, double over, int tiers = 1) {
  scenarios::FabricSpec f;
  f.kind = FabricKind::kFatTree;
  f.levels = levels;
  f.radix = radix;
  f.oversubscription = over;
  for (int t = 0; t < tiers; ++t) f.tiers.push_back({kNdr, 0.5e-6 * (t + 1)});
  return f;
}

ClusterGraph build(std::vector<scenarios::NodeGroup> groups, scenarios::FabricSpec fabric,
                   std::uint64_t seed = 0) {
  scenarios::ClusterSpec spec;
  spec.nodes = std::move(groups);
  spec.fabric = std::move(fabric);
  return build_cluster(spec, seed);
}

int count_kind(const ClusterGraph& g, VertexKind kind) {
  int n = 0;
  for (VertexId v = 0; v < g.vertex_count(); ++v) n += g.vertex(v).kind == kind;
  return n;
}

// Every route equals a breadth-first shortest path in length, is a connected walk from one GPU
// to the other, and route() never errs where BFS finds a path.
void expect_routes_are_shortest(const ClusterGraph& g, std::uint64_t keys = 3) {
  for (int a = 0; a < g.gpu_count(); ++a) {
    const PathTree tree(g, g.gpu(a));
    for (int b = 0; b < g.gpu_count(); ++b) {
      for (std::uint64_t key = 0; key < keys; ++key) {
        const auto path = route(g, a, b, key);
        ASSERT_EQ(path.has_value(), tree.reaches(g.gpu(b))) << a << " -> " << b;
        if (!path) continue;
        ASSERT_EQ(static_cast<int>(path->hop_count()), tree.hops_to(g.gpu(b))) << a << " -> " << b;
        VertexId at = g.gpu(a);
        for (const Hop& hop : path->hops) {
          ASSERT_EQ(hop.from, at);
          ASSERT_EQ(g.other_end(hop.link, hop.from), hop.to);
          at = hop.to;
        }
        ASSERT_EQ(at, g.gpu(b));
      }
    }
  }
}

TEST(Fabric, Names) {
  EXPECT_STREQ(to_string(FabricKind::kFatTree), "fat-tree");
  EXPECT_STREQ(to_string(FabricKind::kRailOptimized), "rail-optimized");
  EXPECT_STREQ(to_string(FabricKind::kMultiPod), "multi-pod");
  EXPECT_STREQ(to_string(VertexKind::kSwitch), "switch");
  EXPECT_STREQ(tier_name(2), "spine");
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafULL);  // first output of splitmix64 seeded with 0
}

TEST(Fabric, LeafPortsSplitByTheRatio) {
  EXPECT_EQ(leaf_down_ports(64, 1), 32);
  EXPECT_EQ(leaf_down_ports(48, 2), 32);
  EXPECT_EQ(leaf_down_ports(64, 3), 48);
  EXPECT_EQ(leaf_down_ports(64, 2), 42);  // 42:22, the nearest integer split at or below 2:1
  EXPECT_EQ(leaf_down_ports(12, 2), 8);
}

TEST(Fabric, PerGpuNicsHangOffTheirGpu) {
  const ClusterGraph g = build({dgx_nics(2)}, fat_tree(2, 8, 1));
  ASSERT_EQ(g.node(0).of(VertexKind::kNic).size(), 8u);
  for (int i = 0; i < 8; ++i) {
    const VertexId nic = g.node(1).of(VertexKind::kNic)[static_cast<std::size_t>(i)];
    EXPECT_EQ(g.vertex(nic).name, "dgx-1.nic" + std::to_string(i));
    const LinkId attach = g.fabric_index().nic_attach[nic];
    EXPECT_EQ(g.other_end(attach, nic), g.gpu(1, i));
    EXPECT_EQ(g.link(attach).kind, LinkKind::kPcie);
  }
}

TEST(Fabric, TwoLevelFatTreeCounts) {
  // 16 nodes x 8 NICs = 128 NICs; k = 16 at 1:1: 8 down / 8 up, 16 leaves, 8 spines.
  const ClusterGraph g = build({dgx_nics(16)}, fat_tree(2, 16, 1));
  EXPECT_EQ(g.fabric(), FabricKind::kFatTree);
  EXPECT_EQ(count_kind(g, VertexKind::kSwitch), 16 + 8);
  const TopologyReport r = analyze(g);
  ASSERT_EQ(r.tiers.size(), 2u);
  EXPECT_EQ(r.tiers[0].switches, 16);
  EXPECT_EQ(r.tiers[0].links_down, 128u);
  EXPECT_EQ(r.tiers[0].links_up, 16u * 8u);
  EXPECT_DOUBLE_EQ(r.tiers[0].oversubscription, 1.0);
  EXPECT_EQ(r.tiers[1].switches, 8);
  EXPECT_EQ(r.tiers[1].links_up, 0u);
  EXPECT_EQ(r.nics, 128);
  EXPECT_EQ(r.components, 1);
  EXPECT_FALSE(r.fabric_unconnected);
  // Same node 2 (NVSwitch), same leaf 4 (GPU-NIC-leaf-NIC-GPU), across spines 6.
  EXPECT_EQ(hop_count(g, 0, 5), 2);
  EXPECT_EQ(hop_count(g, 0, 8), 6);    // one DGX per leaf (8 down ports): via a spine
  EXPECT_EQ(r.gpu_diameter_hops, 6);
}

TEST(Fabric, TwoLevelOversubscribedCounts) {
  // k = 12 at 2:1: 8 down / 4 up; 96 NICs -> 12 leaves (the most 12-port spines take), 4 spines.
  const ClusterGraph g = build({dgx_nics(12)}, fat_tree(2, 12, 2));
  EXPECT_EQ(count_kind(g, VertexKind::kSwitch), 12 + 4);
  const TopologyReport r = analyze(g);
  EXPECT_DOUBLE_EQ(r.tiers[0].oversubscription, 2.0);
}

TEST(Fabric, ThreeLevelFatTreeCounts) {
  // k = 8 at 1:1: 4 NICs per leaf, pods of 4 leaves and 4 aggregation switches, 4 x 4 cores.
  // 64 NICs (8 nodes) -> 16 leaves, 4 pods, 16 aggregation switches, 16 cores: the full k^3/4 tree.
  const ClusterGraph g = build({dgx_nics(8)}, fat_tree(3, 8, 1, 3));
  const TopologyReport r = analyze(g);
  ASSERT_EQ(r.tiers.size(), 3u);
  EXPECT_EQ(r.tiers[0].switches, 16);
  EXPECT_EQ(r.tiers[1].switches, 16);
  EXPECT_EQ(r.tiers[2].switches, 16);
  EXPECT_EQ(r.tiers[1].links_down, 64u);
  EXPECT_EQ(r.tiers[2].links_down, 64u);
  EXPECT_DOUBLE_EQ(r.tiers[1].oversubscription, 1.0);
  EXPECT_EQ(r.gpu_diameter_hops, 8);  // GPU-NIC-leaf-agg-core-agg-leaf-NIC-GPU
  // Node 0's 8 NICs sit on leaves 0 and 1, node 1's on leaves 2 and 3 (pod 0); node 2 is in pod 1.
  EXPECT_EQ(hop_count(g, 0, 4), 2);   // same node: NVSwitch, whatever the NICs' leaves
  EXPECT_EQ(hop_count(g, 0, 8), 6);   // same pod, other leaf: up to an aggregation switch
  EXPECT_EQ(hop_count(g, 0, 16), 8);  // other pod: up to a core
}

TEST(Fabric, ThreeLevelWithOnePodBuildsNoCore) {
  const ClusterGraph g = build({dgx_nics(2)}, fat_tree(3, 8, 1, 3));
  EXPECT_EQ(analyze(g).tiers.size(), 2u);
}

TEST(Fabric, RoutesAreShortestOnEveryKind) {
  expect_routes_are_shortest(build({dgx_nics(4)}, fat_tree(2, 8, 1)));
  expect_routes_are_shortest(build({dgx_nics(4)}, fat_tree(3, 8, 1, 2)));
  scenarios::FabricSpec rail;
  rail.kind = FabricKind::kRailOptimized;
  rail.radix = 16;  // 8 nodes per rail leaf: 10 nodes make 2 groups, 16 leaves
  rail.tiers = {{kNdr, 1e-6}};
  expect_routes_are_shortest(build({dgx_nics(10)}, rail), 2);
  scenarios::FabricSpec pods;
  pods.kind = FabricKind::kMultiPod;
  pods.radix = 8;
  pods.pod_gpus = 16;
  pods.pod_oversubscription = 2;
  pods.tiers = {{kNdr, 1e-6}};
  expect_routes_are_shortest(build({dgx_nics(6)}, pods));
  // Shared NICs on PCIe nodes: GPU -> PCIe switch -> NIC.
  scenarios::NodeGroup boxes = l40s_box(5, 4);
  boxes.nics.placement = scenarios::NicPlacement::kPerNode;
  boxes.nics.count = 2;
  boxes.nics.bandwidth = 25e9;
  expect_routes_are_shortest(build({boxes}, fat_tree(2, 6, 1)));  // 3 down: one box per leaf
}

TEST(Fabric, HopCountsByPlacement) {
  // k = 16: 8 down ports, one DGX per leaf.
  const ClusterGraph g = build({dgx_nics(3)}, fat_tree(2, 16, 1));
  EXPECT_EQ(hop_count(g, 0, 7), 2);    // NVSwitch
  EXPECT_EQ(hop_count(g, 0, 8), 6);    // other leaf: GPU NIC leaf spine leaf NIC GPU
  const ClusterGraph wide = build({dgx_nics(3)}, fat_tree(2, 48, 1));  // 24 down: one leaf
  EXPECT_EQ(hop_count(wide, 0, 8), 4);
  EXPECT_EQ(analyze(wide).gpu_diameter_hops, 4);
  const auto path = route(g, 0, 8, 7);
  ASSERT_TRUE(path.has_value());
  // PCIe hops charge the NIC latency, fabric hops the tier latency: 2 x 1 us + 4 x 0.5 us.
  EXPECT_NEAR(path_latency(g, *path), 4e-6, 1e-15);
  EXPECT_DOUBLE_EQ(bottleneck_bandwidth(g, *path), kNdr);
}

TEST(Fabric, EcmpSpreadsFlowsOverSpines) {
  const ClusterGraph g = build({dgx_nics(2)}, fat_tree(2, 16, 1), 42);  // 2 leaves, 8 spines
  std::set<VertexId> spines;
  std::vector<VertexId> first;
  for (std::uint64_t key = 0; key < 64; ++key) {
    const auto path = route(g, 0, 8, key);
    ASSERT_TRUE(path.has_value());
    ASSERT_EQ(path->hop_count(), 6u);
    spines.insert(path->hops[2].to);
    first.push_back(path->hops[2].to);
  }
  EXPECT_GE(spines.size(), 6u);  // 64 flows over 8 spines: all but a freak draw use >= 6
  // Same seed, same key: same spine. Another seed moves some flows.
  ClusterGraph other = g;
  int moved = 0;
  for (std::uint64_t key = 0; key < 64; ++key) {
    EXPECT_EQ(route(g, 0, 8, key)->hops[2].to, first[key]);
  }
  other.set_ecmp_seed(43);
  for (std::uint64_t key = 0; key < 64; ++key) moved += route(other, 0, 8, key)->hops[2].to != first[key];
  EXPECT_GT(moved, 16);
  // The default route is flow key 0.
  EXPECT_EQ(route(g, 0, 8)->hops[2].to, first[0]);
}

TEST(Fabric, RailOptimisedCounts) {
  scenarios::FabricSpec rail;
  rail.kind = FabricKind::kRailOptimized;
  rail.radix = 16;  // 8 nodes per rail leaf, 8 spines
  rail.tiers = {{kNdr, 1e-6}};
  const ClusterGraph g = build({dgx_nics(12)}, rail);
  const TopologyReport r = analyze(g);
  ASSERT_EQ(r.tiers.size(), 2u);
  EXPECT_EQ(r.tiers[0].switches, 2 * 8);  // 2 groups x 8 rails
  EXPECT_EQ(r.tiers[1].switches, 8);
  // Same rail, same group: GPU NIC rail NIC GPU.
  EXPECT_EQ(hop_count(g, 3, 8 + 3), 4);
  EXPECT_EQ(hop_count(g, 3, 8 + 4), 6);   // other rail: via a spine
  const auto path = route(g, 3, 8 + 3, 0);
  EXPECT_EQ(g.vertex(path->hops[1].to).name, "leaf3");
  rail.spines = 2;
  EXPECT_EQ(analyze(build({dgx_nics(12)}, rail)).tiers[1].switches, 2);
  EXPECT_DOUBLE_EQ(analyze(build({dgx_nics(8)}, rail)).tiers[0].oversubscription, 4.0);
}

TEST(Fabric, MultiPodCounts) {
  scenarios::FabricSpec pods;
  pods.kind = FabricKind::kMultiPod;
  pods.radix = 16;         // 8 down / 8 up per leaf
  pods.pod_gpus = 32;      // 4 DGX per pod = 4 leaves per pod, 8 spines per pod
  pods.pod_oversubscription = 4;  // 4 leaves / 4 = 1 core per group, 8 cores
  pods.tiers = {{kNdr, 1e-6}, {kNdr, 1e-6}, {kNdr, 2e-6}};
  const ClusterGraph g = build({dgx_nics(8)}, pods);
  const TopologyReport r = analyze(g);
  ASSERT_EQ(r.tiers.size(), 3u);
  EXPECT_EQ(r.tiers[0].switches, 8);
  EXPECT_EQ(r.tiers[1].switches, 16);
  EXPECT_EQ(r.tiers[2].switches, 8);
  EXPECT_EQ(g.vertex(g.fabric_index().leaves[4]).name, "pod1.leaf0");
  EXPECT_DOUBLE_EQ(r.tiers[1].oversubscription, 4.0);
  EXPECT_DOUBLE_EQ(r.tiers[0].oversubscription, 1.0);
  EXPECT_EQ(r.gpu_diameter_hops, 8);
  // Pod bottleneck: 2 pods, each 8 spines x 1 core link of 50 GB/s up: a quarter of 32 NICs.
  EXPECT_NEAR(r.bisection_bandwidth, 8 * kNdr, 1);
}

TEST(Fabric, BisectionMatchesTheClosedForm) {
  // Two-level, full leaves. Closed form: n/2 NICs x b at 1:1, divided by r at r:1.
  EXPECT_NEAR(bisection_bandwidth(build({dgx_nics(16)}, fat_tree(2, 16, 1))), 64 * kNdr, 1);
  EXPECT_NEAR(bisection_bandwidth(build({dgx_nics(12)}, fat_tree(2, 12, 2))), 48 * kNdr / 2, 1);
  // Three-level, full k^3/4 tree at k = 8 (64 NICs), and k = 12 at 2:1 with 2 full pods of 48.
  EXPECT_NEAR(bisection_bandwidth(build({dgx_nics(8)}, fat_tree(3, 8, 1))), 32 * kNdr, 1);
  EXPECT_NEAR(bisection_bandwidth(build({dgx_nics(12)}, fat_tree(3, 12, 2))), 48 * kNdr / 2, 1);
  // One node: the NVSwitch carries 4 GPUs x 450 GB/s across the half, plus the host PCIe paths.
  const ClusterGraph one = build({dgx_h100(1)}, {});
  EXPECT_GT(bisection_bandwidth(one), 4 * 450e9);
}

TEST(Fabric, AnalysisCountsMatchPairwiseRoutes) {
  scenarios::NodeGroup boxes = l40s_box(3, 4);
  boxes.nics.placement = scenarios::NicPlacement::kPerNode;
  boxes.nics.count = 1;
  boxes.nics.bandwidth = 25e9;
  scenarios::NodeGroup islands = dgx_h100(1);  // no NIC: joined to nothing
  islands.id = "island";
  const ClusterGraph g = build({dgx_nics(5), boxes, islands}, fat_tree(3, 8, 1));
  const TopologyReport r = analyze(g);
  std::vector<std::int64_t> expected;
  std::int64_t connected = 0;
  for (int a = 0; a < g.gpu_count(); ++a) {
    for (int b = a + 1; b < g.gpu_count(); ++b) {
      const auto path = route(g, a, b, 0);
      if (!path) continue;
      ++connected;
      if (expected.size() <= path->hop_count()) expected.resize(path->hop_count() + 1, 0);
      ++expected[path->hop_count()];
    }
  }
  EXPECT_EQ(r.gpu_pairs_by_hops, expected);
  EXPECT_EQ(r.connected_gpu_pairs, connected);
  EXPECT_EQ(r.disconnected_gpu_pairs, 8 * (40 + 12));
  EXPECT_TRUE(r.fabric_unconnected);
}

TEST(Fabric, SixteenThousandGpusOnAThreeLevelTree) {
  // 2,048 DGX H100 on k = 64 at 1:1: 512 leaves, 16 pods of 32 aggregation switches, 32 x 32 cores.
  const ClusterGraph g = build({dgx_nics(2048)}, fat_tree(3, 64, 1));
  const TopologyReport r = analyze(g);
  ASSERT_EQ(r.tiers.size(), 3u);
  EXPECT_EQ(r.gpus, 16384);
  EXPECT_EQ(r.tiers[0].switches, 512);
  EXPECT_EQ(r.tiers[1].switches, 512);
  EXPECT_EQ(r.tiers[2].switches, 1024);
  EXPECT_EQ(r.tiers[2].links_down, 512u * 32u);
  EXPECT_EQ(r.gpu_diameter_hops, 8);
  EXPECT_EQ(r.disconnected_gpu_pairs, 0);
  EXPECT_NEAR(r.bisection_bandwidth, 8192 * kNdr, 1e3);
}

TEST(Fabric, BadFabricsAreRejectedWithEveryReason) {
  const auto message = [](std::vector<scenarios::NodeGroup> groups, scenarios::FabricSpec f) {
    try {
      build(std::move(groups), std::move(f));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  // 2-level k = 4: 2 down ports, capacity 8 NICs; 16 NICs need 8 leaves on 4-port spines.
  EXPECT_NE(message({dgx_nics(2)}, fat_tree(2, 4, 1)).find("radix 4 is too small"), std::string::npos);
  auto zero = fat_tree(2, 16, 1);
  zero.tiers[0].bandwidth = 0;
  EXPECT_NE(message({dgx_nics(2)}, zero).find("tier 0 bandwidth must be positive"), std::string::npos);
  scenarios::FabricSpec rail;
  rail.kind = FabricKind::kRailOptimized;
  rail.radix = 16;
  rail.tiers = {{kNdr, 0}};
  scenarios::NodeGroup four = dgx_nics(1);
  four.id = "four";
  four.gpus_per_node = 4;
  four.nics.count = 4;
  EXPECT_NE(message({dgx_nics(1), four}, rail).find("every node needs one NIC per rail"), std::string::npos);
  scenarios::NodeGroup wrong = dgx_nics(1);
  wrong.nics.count = 4;  // per GPU, but 8 GPUs
  EXPECT_NE(message({wrong}, fat_tree(2, 16, 1)).find("one NIC per GPU means 8 NICs"), std::string::npos);
  EXPECT_NE(message({dgx_h100(2)}, fat_tree(2, 16, 1)).find("no node has a NIC"), std::string::npos);
  auto levels = fat_tree(4, 16, 1);
  EXPECT_NE(message({dgx_nics(2)}, levels).find("expected 2 or 3"), std::string::npos);
}

}  // namespace
}  // namespace stratum::topology
