#include "stratum/topology/node_builders.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "stratum/topology/path.hpp"
#include "test_clusters.hpp"

namespace stratum::topology {
namespace {

using testing::dgx_h100;
using testing::l40s_box;

ClusterGraph one_node(const scenarios::NodeGroup& group) {
  ClusterGraph g;
  const NodeParams params = resolve_node_params(group);
  const NodeLabel label{"n0", 0, 0};
  if (group.intra == scenarios::IntraConnect::kPcie) {
    build_pcie_node(g, params, label);
  } else {
    build_nvswitch_node(g, params, label);
  }
  return g;
}

TEST(NodeParams, NvswitchDefaultsComeFromTheGpuEntry) {
  const NodeParams p = resolve_node_params(dgx_h100());
  EXPECT_EQ(p.gpus, 8);
  EXPECT_DOUBLE_EQ(p.gpu_link_bandwidth, 450e9);  // H100: 900 GB/s bidirectional
  EXPECT_DOUBLE_EQ(p.host_link_bandwidth, 64e9);  // PCIe 5.0 x16 per direction
  EXPECT_DOUBLE_EQ(p.peer_latency, defaults::kNvlinkTransferLatency);
  EXPECT_DOUBLE_EQ(p.host_latency, defaults::kPcieTransferLatency);
}

TEST(NodeParams, ScenarioOverridesWinWhenSet) {
  auto group = dgx_h100();
  group.intra_bandwidth = 200e9;  // an H800-like export part (NVLink limited to 400 GB/s)
  group.intra_latency = 2e-6;
  const NodeParams p = resolve_node_params(group);
  EXPECT_DOUBLE_EQ(p.gpu_link_bandwidth, 200e9);
  EXPECT_DOUBLE_EQ(p.peer_latency, 2e-6);
  EXPECT_DOUBLE_EQ(p.host_link_bandwidth, 64e9);  // the host link is not the intra link
}

TEST(NodeParams, PcieDefaultsComeFromThePcieField) {
  const NodeParams p = resolve_node_params(l40s_box());
  EXPECT_DOUBLE_EQ(p.gpu_link_bandwidth, 32e9);
  EXPECT_DOUBLE_EQ(p.host_link_bandwidth, 32e9);
  EXPECT_DOUBLE_EQ(p.peer_latency, defaults::kPcieTransferLatency);
  EXPECT_DOUBLE_EQ(p.host_latency, defaults::kPcieTransferLatency);
}

TEST(NodeParams, MissingFiguresAreErrorsNamingTheGroup) {
  auto no_nvlink = dgx_h100();
  no_nvlink.gpu = testing::l40s();
  try {
    resolve_node_params(no_nvlink);
    FAIL() << "an NVSwitch node of GPUs without NVLink must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'dgx'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("l40s-48gb"), std::string::npos) << e.what();
  }
  auto no_pcie = l40s_box();
  no_pcie.gpu.pcie_bandwidth = 0;
  EXPECT_THROW(resolve_node_params(no_pcie), std::invalid_argument);
  auto no_gpus = dgx_h100();
  no_gpus.gpus_per_node = 0;
  EXPECT_THROW(resolve_node_params(no_gpus), std::invalid_argument);
  auto negative = dgx_h100();
  negative.intra_latency = -1e-6;
  EXPECT_THROW(resolve_node_params(negative), std::invalid_argument);
}

TEST(NvswitchNode, EightGpusEachPairTwoHopsThroughTheSwitch) {
  const ClusterGraph g = one_node(dgx_h100());
  EXPECT_EQ(g.gpu_count(), 8);
  EXPECT_EQ(g.vertex_count(), 10u);  // 8 GPUs, 1 NVSwitch, 1 host CPU
  EXPECT_EQ(g.link_count(), 16u);    // 8 NVLink + 8 PCIe
  const auto& node = g.node(0);
  ASSERT_EQ(node.of(VertexKind::kNvswitch).size(), 1u);
  ASSERT_EQ(node.of(VertexKind::kHost).size(), 1u);
  const VertexId sw = node.of(VertexKind::kNvswitch).front();
  EXPECT_EQ(g.vertex(sw).name, "n0.nvswitch");
  EXPECT_EQ(g.vertex(g.gpu(5)).name, "n0.gpu5");
  EXPECT_EQ(g.vertex(g.gpu(5)).local, 5);
  for (int a = 0; a < 8; ++a) {
    for (int b = 0; b < 8; ++b) {
      if (a == b) continue;
      const auto path = route(g, a, b);
      ASSERT_TRUE(path.has_value());
      ASSERT_EQ(path->hop_count(), 2u) << a << " -> " << b;
      EXPECT_EQ(path->hops[0].to, sw);
      EXPECT_EQ(g.link(path->hops[0].link).kind, LinkKind::kNvlink);
      EXPECT_EQ(g.link(path->hops[1].link).kind, LinkKind::kNvlink);
      EXPECT_DOUBLE_EQ(bottleneck_bandwidth(g, *path), 450e9);
      // The two halves add up to the whole peer latency (halving is exact in binary).
      EXPECT_EQ(path_latency(g, *path), defaults::kNvlinkTransferLatency);
    }
  }
}

TEST(NvswitchNode, GpuReachesItsHostOverOnePcieLink) {
  const ClusterGraph g = one_node(dgx_h100());
  const VertexId cpu = g.node(0).of(VertexKind::kHost).front();
  const auto path = shortest_path(g, g.gpu(3), cpu);
  ASSERT_TRUE(path.has_value());
  ASSERT_EQ(path->hop_count(), 1u);
  EXPECT_EQ(g.link(path->hops[0].link).kind, LinkKind::kPcie);
  EXPECT_DOUBLE_EQ(bottleneck_bandwidth(g, *path), 64e9);
  EXPECT_EQ(path_latency(g, *path), defaults::kPcieTransferLatency);
}

TEST(NvswitchNode, LoneGpuNeedsNoSwitchAndNoNvlink) {
  auto group = dgx_h100();
  group.gpus_per_node = 1;
  group.gpu.nvlink_bandwidth = 0;
  const ClusterGraph g = one_node(group);
  EXPECT_EQ(g.gpu_count(), 1);
  EXPECT_TRUE(g.node(0).of(VertexKind::kNvswitch).empty());
  EXPECT_EQ(g.link_count(), 1u);  // the host link only
}

TEST(NvswitchNode, GpuWithoutPcieGetsNoHostLink) {
  auto group = dgx_h100();
  group.gpu.pcie_bandwidth = 0;
  const ClusterGraph g = one_node(group);
  EXPECT_TRUE(g.node(0).of(VertexKind::kHost).empty());
  EXPECT_EQ(g.link_count(), 8u);
}

TEST(PcieNode, PeersTurnAroundInTheSwitchAndShareTheUplink) {
  const ClusterGraph g = one_node(l40s_box(1, 4));
  EXPECT_EQ(g.gpu_count(), 4);
  EXPECT_EQ(g.vertex_count(), 6u);  // 4 GPUs, PCIe switch, host CPU
  EXPECT_EQ(g.link_count(), 5u);    // 4 GPU links + 1 uplink
  const VertexId sw = g.node(0).of(VertexKind::kPcieSwitch).front();
  const VertexId cpu = g.node(0).of(VertexKind::kHost).front();
  EXPECT_EQ(g.vertex(sw).name, "n0.pcie-switch");
  EXPECT_EQ(g.vertex(cpu).name, "n0.cpu");

  const auto peer = route(g, 0, 3);
  ASSERT_TRUE(peer.has_value());
  ASSERT_EQ(peer->hop_count(), 2u);
  EXPECT_EQ(peer->hops[0].to, sw);
  EXPECT_EQ(g.link(peer->hops[0].link).kind, LinkKind::kPcie);
  EXPECT_DOUBLE_EQ(bottleneck_bandwidth(g, *peer), 32e9);
  EXPECT_EQ(path_latency(g, *peer), defaults::kPcieTransferLatency);

  // Every GPU's host path ends on the same uplink.
  LinkId uplink = kNoLink;
  for (int i = 0; i < 4; ++i) {
    const auto host = shortest_path(g, g.gpu(i), cpu);
    ASSERT_TRUE(host.has_value());
    ASSERT_EQ(host->hop_count(), 2u);
    if (uplink == kNoLink) uplink = host->hops[1].link;
    EXPECT_EQ(host->hops[1].link, uplink);
    EXPECT_DOUBLE_EQ(path_latency(g, *host), defaults::kPcieTransferLatency);
  }
}

TEST(PcieNode, NarrowGpuLinksBoundTheHostPath) {
  auto group = l40s_box(1, 2);
  group.gpu.pcie_bandwidth = defaults::kPcie5x16PerDirection;
  group.intra_bandwidth = 16e9;  // GPUs on x8 slots behind an x16 uplink
  const ClusterGraph g = one_node(group);
  const VertexId cpu = g.node(0).of(VertexKind::kHost).front();
  const auto host = shortest_path(g, g.gpu(1), cpu);
  ASSERT_TRUE(host.has_value());
  EXPECT_DOUBLE_EQ(g.link(host->hops[1].link).bandwidth, 64e9);
  EXPECT_DOUBLE_EQ(bottleneck_bandwidth(g, *host), 16e9);
}

TEST(NodeBuilders, RejectBadParams) {
  ClusterGraph g;
  NodeParams p;
  p.gpus = 0;
  EXPECT_THROW(build_nvswitch_node(g, p, NodeLabel{"x", -1, 0}), std::invalid_argument);
  p.gpus = 2;
  p.gpu_link_bandwidth = 0;
  p.host_link_bandwidth = 64e9;
  EXPECT_THROW(build_nvswitch_node(g, p, NodeLabel{"x", -1, 0}), std::invalid_argument);
  EXPECT_THROW(build_pcie_node(g, p, NodeLabel{"x", -1, 0}), std::invalid_argument);
  p.gpu_link_bandwidth = 32e9;
  p.host_link_bandwidth = 0;
  EXPECT_THROW(build_pcie_node(g, p, NodeLabel{"x", -1, 0}), std::invalid_argument);
  EXPECT_EQ(g.node_count(), 0);
  EXPECT_EQ(g.vertex_count(), 0u);
}

}  // namespace
}  // namespace stratum::topology
