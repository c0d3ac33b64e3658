#include "stratum/topology/analysis.hpp"

#include <gtest/gtest.h>

#include "stratum/topology/cluster_builder.hpp"
#include "stratum/topology/path.hpp"
#include "test_clusters.hpp"

namespace stratum::topology {
namespace {

using testing::dgx_h100;
using testing::l40s_box;

ClusterGraph cluster(std::vector<scenarios::NodeGroup> groups) {
  scenarios::ClusterSpec spec;
  spec.nodes = std::move(groups);
  return build_cluster(spec);
}

TEST(Analysis, OneNvswitchNode) {
  const ClusterGraph g = cluster({dgx_h100()});
  const std::vector<int> hops = gpu_hop_matrix(g);
  ASSERT_EQ(hops.size(), 64u);
  for (int a = 0; a < 8; ++a) {
    for (int b = 0; b < 8; ++b) EXPECT_EQ(hops[static_cast<std::size_t>(a * 8 + b)], a == b ? 0 : 2);
  }
  EXPECT_EQ(hop_count(g, 2, 6), 2);
  EXPECT_EQ(gpu_diameter(g), 2);
  EXPECT_EQ(component_count(g), 1);
  const TopologyReport r = analyze(g);
  EXPECT_EQ(r.vertices, 10u);
  EXPECT_EQ(r.links, 16u);
  EXPECT_EQ(r.nodes, 1);
  EXPECT_EQ(r.gpus, 8);
  EXPECT_EQ(r.components, 1);
  EXPECT_EQ(r.connected_gpu_pairs, 28);
  EXPECT_EQ(r.disconnected_gpu_pairs, 0);
  EXPECT_EQ(r.gpu_diameter_hops, 2);
  EXPECT_FALSE(r.fabric_unconnected);  // a single node needs no fabric
}

TEST(Analysis, TwoNodeGroupsWithoutAFabricAreTwoIslands) {
  const ClusterGraph g = cluster({dgx_h100(1), l40s_box(1, 4)});
  EXPECT_EQ(component_count(g), 2);
  const Components c = connected_components(g);
  EXPECT_EQ(c.count, 2);
  EXPECT_EQ(c.of_vertex[g.gpu(0)], 0);
  EXPECT_EQ(c.of_vertex[g.gpu(8)], 1);
  EXPECT_EQ(c.of_vertex[g.node(1).of(VertexKind::kHost).front()], 1);
  EXPECT_EQ(hop_count(g, 0, 8), -1);
  EXPECT_EQ(hop_count(g, 8, 11), 2);
  EXPECT_FALSE(route(g, 3, 9).has_value());
  const TopologyReport r = analyze(g);
  EXPECT_EQ(r.components, 2);
  EXPECT_EQ(r.gpus, 12);
  EXPECT_EQ(r.connected_gpu_pairs, 28 + 6);
  EXPECT_EQ(r.disconnected_gpu_pairs, 8 * 4);
  EXPECT_EQ(r.gpu_diameter_hops, 2);  // over connected pairs only
  EXPECT_EQ(r.fabric, FabricKind::kNone);
  EXPECT_TRUE(r.fabric_unconnected);
}

TEST(Analysis, DiameterOfAChainCountsEveryHop) {
  // g0 - s0 - g1 - s1 - g2: the far pair is 4 hops apart, bounded by the narrowest link.
  ClusterGraph g;
  const VertexId g0 = g.add_vertex(VertexKind::kGpu, -1, "g0");
  const VertexId s0 = g.add_vertex(VertexKind::kPcieSwitch, -1, "s0");
  const VertexId g1 = g.add_vertex(VertexKind::kGpu, -1, "g1");
  const VertexId s1 = g.add_vertex(VertexKind::kPcieSwitch, -1, "s1");
  const VertexId g2 = g.add_vertex(VertexKind::kGpu, -1, "g2");
  g.add_link(g0, s0, LinkKind::kPcie, 64e9, 1e-6);
  g.add_link(s0, g1, LinkKind::kPcie, 32e9, 1e-6);
  g.add_link(g1, s1, LinkKind::kPcie, 64e9, 1e-6);
  g.add_link(s1, g2, LinkKind::kPcie, 64e9, 1e-6);
  EXPECT_EQ(gpu_diameter(g), 4);
  EXPECT_EQ(hop_count(g, 0, 1), 2);
  const auto far = route(g, 0, 2);
  ASSERT_TRUE(far.has_value());
  EXPECT_DOUBLE_EQ(bottleneck_bandwidth(g, *far), 32e9);
  EXPECT_DOUBLE_EQ(path_latency(g, *far), 4e-6);
  const TopologyReport r = analyze(g);
  EXPECT_EQ(r.components, 1);
  EXPECT_EQ(r.connected_gpu_pairs, 3);
  EXPECT_FALSE(r.fabric_unconnected);  // no nodes at all
}

TEST(Analysis, EmptyGraph) {
  const ClusterGraph g;
  EXPECT_EQ(gpu_diameter(g), 0);
  EXPECT_EQ(component_count(g), 0);
  const TopologyReport r = analyze(g);
  EXPECT_EQ(r.connected_gpu_pairs, 0);
  EXPECT_EQ(r.gpu_diameter_hops, 0);
}

}  // namespace
}  // namespace stratum::topology
