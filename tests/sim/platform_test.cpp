// The platform reproduces the closed-form cost of transfers on an idle and on a shared link
// (DESIGN.md sections 4 and 9). One SimGrid engine per process: ctest runs each TEST alone.
#include "stratum/sim/platform.hpp"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>

#include "stratum/topology/cluster_builder.hpp"
#include "stratum/topology/link_defaults.hpp"
#include "stratum/topology/path.hpp"

namespace stratum::sim {
namespace {

namespace defaults = topology::defaults;
namespace s4u = simgrid::s4u;

scenarios::NodeGroup dgx_h100(int count) {
  scenarios::NodeGroup group;
  group.id = "dgx";
  group.count = count;
  group.gpu.id = "h100-sxm5-80gb";
  group.gpu.nvlink_bandwidth = defaults::kNvlink4PerGpuPerDirection;
  group.gpu.pcie_bandwidth = defaults::kPcie5x16PerDirection;
  group.gpus_per_node = 8;
  return group;
}

topology::ClusterGraph build(std::vector<scenarios::NodeGroup> groups) {
  scenarios::ClusterSpec spec;
  spec.nodes = std::move(groups);
  return topology::build_cluster(spec);
}

// An engine with SimGrid's own output silenced; `extra` adds command-line options.
class EngineFixture {
 public:
  explicit EngineFixture(std::vector<std::string> extra = {}) {
    args_ = {"platform_test", "--log=root.thres:critical"};
    for (auto& arg : extra) args_.push_back(std::move(arg));
    for (auto& arg : args_) argv_.push_back(arg.data());
    argv_.push_back(nullptr);
    argc_ = static_cast<int>(args_.size());
    engine_ = std::make_unique<s4u::Engine>(&argc_, argv_.data());
  }
  s4u::Engine& engine() { return *engine_; }

 private:
  std::vector<std::string> args_;
  std::vector<char*> argv_;
  int argc_ = 0;
  std::unique_ptr<s4u::Engine> engine_;
};

struct Transfer {
  s4u::Host* from;
  s4u::Host* to;
  double bytes;
  double finished_at = -1;
};

// Starts every transfer at time 0 from its own actor and runs the simulation to the end.
void run_transfers(s4u::Engine& engine, std::vector<Transfer>& transfers) {
  for (auto& t : transfers) {
    s4u::Actor::create("sender", t.from, [&t] {
      s4u::Comm::sendto(t.from, t.to, static_cast<std::uint64_t>(t.bytes));
      t.finished_at = s4u::Engine::get_clock();
    });
  }
  engine.run();
}

void expect_relative(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 1e-9 * expected) << "actual " << actual << " expected " << expected;
}

TEST(Platform, LoneTransferCostsLatencyPlusSizeOverBandwidth) {
  EngineFixture fx;
  configure_engine(fx.engine());
  const topology::ClusterGraph graph = build({dgx_h100(1)});
  const Platform platform(fx.engine(), graph);

  const auto path = topology::route(graph, 0, 5);
  ASSERT_TRUE(path.has_value());
  const double latency = topology::path_latency(graph, *path);
  const double bandwidth = topology::bottleneck_bandwidth(graph, *path);
  ASSERT_EQ(latency, defaults::kNvlinkTransferLatency);
  ASSERT_EQ(bandwidth, defaults::kNvlink4PerGpuPerDirection);

  const double bytes = 1e9;
  std::vector<Transfer> transfers{{platform.gpu_host(0), platform.gpu_host(5), bytes}};
  run_transfers(fx.engine(), transfers);
  // 3.4 us + 1 GB / 450 GB/s = 2.2256 ms
  expect_relative(transfers[0].finished_at, latency + bytes / bandwidth);
}

TEST(Platform, HostCopyIsBoundByTheNarrowestLinkOfItsPath) {
  // PCIe node whose GPUs sit on x8-wide links behind a PCIe 5 x16 uplink.
  EngineFixture fx;
  configure_engine(fx.engine());
  scenarios::NodeGroup group;
  group.id = "pcie";
  group.gpu.id = "some-pcie-gpu";
  group.gpu.pcie_bandwidth = defaults::kPcie5x16PerDirection;
  group.gpus_per_node = 4;
  group.intra = scenarios::IntraConnect::kPcie;
  group.intra_bandwidth = 16e9;
  group.intra_latency = 3e-6;
  const topology::ClusterGraph graph = build({group});
  const Platform platform(fx.engine(), graph);
  ASSERT_NE(platform.cpu_host(0), nullptr);

  const double bytes = 256.0 * 1024 * 1024;
  std::vector<Transfer> transfers{{platform.cpu_host(0), platform.gpu_host(0, 2), bytes}};
  run_transfers(fx.engine(), transfers);
  // Host -> switch (3 us / 2) -> GPU (3 us / 2), bottleneck the 16 GB/s GPU link.
  expect_relative(transfers[0].finished_at, 3e-6 + bytes / 16e9);
}

TEST(Platform, LongLatencyPathsAreNotWindowBound) {
  // SimGrid's default TCP-gamma (4 MiB) would cap this flow at gamma / (2 x 1 ms) = 2.1 GB/s,
  // far below the 450 GB/s link; configure_engine turns that cap off.
  EngineFixture fx;
  configure_engine(fx.engine());
  auto group = dgx_h100(1);
  group.intra_latency = 1e-3;
  const topology::ClusterGraph graph = build({group});
  const Platform platform(fx.engine(), graph);
  const double bytes = 4.5e9;
  std::vector<Transfer> transfers{{platform.gpu_host(0), platform.gpu_host(7), bytes}};
  run_transfers(fx.engine(), transfers);
  expect_relative(transfers[0].finished_at, 1e-3 + bytes / defaults::kNvlink4PerGpuPerDirection);
}

TEST(Platform, TwoTransfersSharingALinkEachGetHalfTheBandwidth) {
  EngineFixture fx;
  configure_engine(fx.engine());
  const topology::ClusterGraph graph = build({dgx_h100(1)});
  const Platform platform(fx.engine(), graph);

  // Both leave GPU 0 over its one NVSwitch link; the switch side is not shared.
  const double bytes = 4.5e8;
  std::vector<Transfer> transfers{{platform.gpu_host(0), platform.gpu_host(1), bytes},
                                  {platform.gpu_host(0), platform.gpu_host(2), bytes}};
  run_transfers(fx.engine(), transfers);
  const double expected =
      defaults::kNvlinkTransferLatency + bytes / (defaults::kNvlink4PerGpuPerDirection / 2);
  expect_relative(transfers[0].finished_at, expected);
  expect_relative(transfers[1].finished_at, expected);
}

TEST(Platform, OppositeDirectionsAndDisjointPairsDoNotShare) {
  EngineFixture fx;
  configure_engine(fx.engine());
  const topology::ClusterGraph graph = build({dgx_h100(1)});
  const Platform platform(fx.engine(), graph);

  // Split-duplex links: 0 -> 1 and 1 -> 0 use opposite halves; 2 -> 3 shares nothing with them.
  const double bytes = 9e8;
  std::vector<Transfer> transfers{{platform.gpu_host(0), platform.gpu_host(1), bytes},
                                  {platform.gpu_host(1), platform.gpu_host(0), bytes},
                                  {platform.gpu_host(2), platform.gpu_host(3), bytes}};
  run_transfers(fx.engine(), transfers);
  const double expected =
      defaults::kNvlinkTransferLatency + bytes / defaults::kNvlink4PerGpuPerDirection;
  for (const auto& t : transfers) expect_relative(t.finished_at, expected);
}

TEST(Platform, FlowsShareALinkInInverseProportionToTheirPathLatency) {
  // CM02 weighs each flow by its route latency (platform.hpp). a -> b (2 us) and a -> c (4 us)
  // share a's link: a -> b runs alone from 2 us to 4 us, then both run at 2/3 and 1/3 of B.
  EngineFixture fx;
  configure_engine(fx.engine());
  topology::ClusterGraph graph;
  using topology::LinkKind;
  using topology::VertexKind;
  const auto a = graph.add_vertex(VertexKind::kGpu, -1, "a");
  const auto sw = graph.add_vertex(VertexKind::kNvswitch, -1, "sw");
  const auto b = graph.add_vertex(VertexKind::kGpu, -1, "b");
  const auto c = graph.add_vertex(VertexKind::kGpu, -1, "c");
  const double bw = 1e9;
  graph.add_link(a, sw, LinkKind::kNvlink, bw, 1e-6);
  graph.add_link(sw, b, LinkKind::kNvlink, bw, 1e-6);
  graph.add_link(sw, c, LinkKind::kNvlink, bw, 3e-6);
  const Platform platform(fx.engine(), graph);
  EXPECT_EQ(platform.node_count(), 0);

  const double bytes = 1e6;
  std::vector<Transfer> transfers{{platform.gpu_host(0), platform.gpu_host(1), bytes},
                                  {platform.gpu_host(0), platform.gpu_host(2), bytes}};
  run_transfers(fx.engine(), transfers);
  const double t1 = 4e-6 + (bytes - 2e-6 * bw) / (2 * bw / 3);
  const double t2 = t1 + (bytes - (t1 - 4e-6) * bw / 3) / bw;
  expect_relative(transfers[0].finished_at, t1);
  expect_relative(transfers[1].finished_at, t2);
}

TEST(Platform, HostsAndRoutesMirrorTheGraph) {
  EngineFixture fx;
  configure_engine(fx.engine());
  const topology::ClusterGraph graph = build({dgx_h100(2)});
  const Platform platform(fx.engine(), graph);
  EXPECT_EQ(platform.gpu_count(), 16);
  EXPECT_EQ(platform.node_count(), 2);
  EXPECT_EQ(platform.gpu_host(1, 3)->get_name(), "dgx-1.gpu3");
  EXPECT_EQ(platform.gpu_host(11), platform.gpu_host(1, 3));
  EXPECT_EQ(platform.cpu_host(0)->get_name(), "dgx-0.cpu");
  EXPECT_EQ(platform.host_of(graph.gpu(4)), platform.gpu_host(4));
  const topology::VertexId sw = graph.node(0).of(topology::VertexKind::kNvswitch).front();
  EXPECT_EQ(platform.host_of(sw), nullptr);
  EXPECT_EQ(fx.engine().get_host_count(), 18u);
  // UP and DOWN halves of every graph link, plus the loopback link CM02 creates for itself.
  EXPECT_EQ(fx.engine().get_link_count(), 2u * graph.link_count() + 1u);
  EXPECT_EQ(platform.link(0)->get_link_up()->get_bandwidth(), defaults::kNvlink4PerGpuPerDirection);
  // 9 hosts per node (8 GPUs + CPU) -> 36 pairs per node; nothing between nodes yet.
  EXPECT_EQ(platform.route_count(), 72u);
  EXPECT_TRUE(platform.gpus_connected(0, 7));
  EXPECT_FALSE(platform.gpus_connected(7, 8));
  EXPECT_THROW(platform.gpu_host(16), std::out_of_range);
  EXPECT_THROW(platform.gpu_host(2, 0), std::out_of_range);

  // The route SimGrid resolves is the graph's path, halves chosen by direction.
  std::vector<s4u::Link*> links;
  double latency = 0;
  platform.gpu_host(3)->route_to(platform.gpu_host(6), links, &latency);
  const auto path = topology::route(graph, 3, 6);
  ASSERT_TRUE(path.has_value());
  ASSERT_EQ(links.size(), path->hop_count());
  for (std::size_t i = 0; i < links.size(); ++i) {
    const auto* link = platform.link(path->hops[i].link);
    EXPECT_EQ(links[i], path->hops[i].forward(graph) ? link->get_link_up() : link->get_link_down());
  }
  EXPECT_DOUBLE_EQ(latency, topology::path_latency(graph, *path));
}

TEST(Platform, RefusesAnUnconfiguredEngine) {
  EngineFixture fx;
  const topology::ClusterGraph graph = build({dgx_h100(1)});
  EXPECT_THROW(Platform(fx.engine(), graph), std::logic_error);
}

TEST(Platform, ConfigureRefusesFactorsSetOnTheCommandLine) {
  EngineFixture fx({"--cfg=network/latency-factor:2"});
  EXPECT_THROW(configure_engine(fx.engine()), std::invalid_argument);
}

TEST(Platform, ConfigureMustComeBeforeThePlatform) {
  EngineFixture fx;
  configure_engine(fx.engine());
  const topology::ClusterGraph graph = build({dgx_h100(1)});
  const Platform platform(fx.engine(), graph);
  EXPECT_THROW(configure_engine(fx.engine()), std::logic_error);
  EXPECT_THROW(Platform(fx.engine(), graph), std::logic_error);
}

TEST(Platform, SixtyFourNodeClusterBuildsEveryIntraNodeRoute) {
  EngineFixture fx;
  configure_engine(fx.engine());
  const topology::ClusterGraph graph = build({dgx_h100(64)});
  const Platform platform(fx.engine(), graph);
  EXPECT_EQ(platform.gpu_count(), 512);
  EXPECT_EQ(platform.route_count(), 64u * 36u);
  EXPECT_EQ(platform.gpu_host(511)->get_name(), "dgx-63.gpu7");
}

}  // namespace
}  // namespace stratum::sim
