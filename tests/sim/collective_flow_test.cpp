// Both communication fidelities against closed forms on an idle fabric, and against each other
// (DESIGN.md sections 4 and 9). One SimGrid engine per process: ctest runs each TEST alone.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>

#include "collective_fixture.hpp"
#include "stratum/sim/collective.hpp"
#include "stratum/sim/collective_analytic.hpp"
#include "stratum/sim/collective_flow.hpp"
#include "stratum/sim/collectives_run.hpp"
#include "stratum/sim/platform.hpp"

namespace stratum::sim {
namespace {

namespace s4u = simgrid::s4u;
using scenarios::CollectiveAlgorithm;
using scenarios::CollectiveOp;

CollectiveCall call(CollectiveOp op, CollectiveAlgorithm algorithm, double bytes, int n) {
  CollectiveCall c;
  c.op = op;
  c.algorithm = algorithm;
  c.bytes = bytes;
  for (int r = 0; r < n; ++r) c.ranks.push_back(r);
  return c;
}

// Runs the plans one after another in one engine (flow) and returns each one's time.
std::vector<double> flow_times(const topology::ClusterGraph& graph, RouteTable& routes,
                               const std::vector<std::unique_ptr<CollectivePlan>>& plans) {
  testing::QuietEngine engine;
  configure_engine(*engine);
  PlatformScope scope;
  for (const auto& p : plans) p->append_pairs(scope.routes);
  const Platform platform(*engine, graph, routes, scope);
  std::vector<double> times;
  s4u::Actor::create("coordinator", platform.gpu_host(0), [&] {
    FlowRunner runner(platform);
    for (const auto& p : plans) times.push_back(runner.run(*p));
  });
  (*engine).run();
  return times;
}

TEST(ScopedPlatform, LoneTransferAcrossTheFabricCostsLatencyPlusSizeOverBandwidth) {
  const topology::ClusterGraph graph = topology::build_cluster(testing::dgx_cluster(2), 1);
  RouteTable routes(graph, ecmp_route_fn(graph));
  testing::QuietEngine engine;
  configure_engine(*engine);
  PlatformScope scope;
  scope.routes = {{0, 9}};
  const Platform platform(*engine, graph, routes, scope);
  EXPECT_EQ(platform.route_count(), 1u);
  EXPECT_TRUE(platform.has_route(0, 9));
  EXPECT_FALSE(platform.has_route(9, 0));  // only what was asked for
  EXPECT_THROW(platform.gpu_host(3), std::out_of_range);
  const RouteTable::Entry e = routes.get(0, 9);
  ASSERT_TRUE(e.connected);
  EXPECT_EQ(platform.link_count(), e.count);  // links only on the route
  EXPECT_EQ(e.bottleneck, testing::kNicBandwidth);
  const double bytes = 1e9;
  double finished = -1;
  s4u::Actor::create("sender", platform.gpu_host(0), [&] {
    s4u::Comm::sendto(platform.gpu_host(0), platform.gpu_host(9), static_cast<std::uint64_t>(bytes));
    finished = s4u::Engine::get_clock();
  });
  (*engine).run();
  EXPECT_NEAR(finished, e.latency + bytes / e.bottleneck, 1e-9 * finished);
}

TEST(ScopedPlatform, TwoFlowsOnASharedLinkEachGetHalf) {
  // GPU 0 -> GPU 1 and GPU 2 -> GPU 1 share the NVSwitch -> GPU 1 link (same path latency, so
  // CM02 gives them equal weights): each moves at half the link's bandwidth.
  const topology::ClusterGraph graph = topology::build_cluster(testing::dgx_cluster(1));
  RouteTable routes(graph);
  testing::QuietEngine engine;
  configure_engine(*engine);
  PlatformScope scope;
  scope.routes = {{0, 1}, {2, 1}};
  const Platform platform(*engine, graph, routes, scope);
  const double bytes = 1e9;
  std::vector<double> finished(2, -1);
  for (int i = 0; i < 2; ++i) {
    s4u::Actor::create("sender", platform.gpu_host(2 * i), [&, i] {
      s4u::Comm::sendto(platform.gpu_host(2 * i), platform.gpu_host(1), static_cast<std::uint64_t>(bytes));
      finished[static_cast<std::size_t>(i)] = s4u::Engine::get_clock();
    });
  }
  (*engine).run();
  const RouteTable::Entry e = routes.get(0, 1);
  for (const double t : finished) EXPECT_NEAR(t, e.latency + 2 * bytes / e.bottleneck, 1e-9 * t);
  // The analytic fidelity charges the same sharing.
  AnalyticEvaluator analytic(routes);
  EXPECT_NEAR(analytic.step_time({{0, 1, bytes}, {2, 1, bytes}}), finished[0], 1e-9 * finished[0]);
}

TEST(RingAllReduce, MatchesTheClosedFormOnAnIdleNode) {
  // 2(n-1)(alpha + S/(n beta)) (nccl-tests doc/PERFORMANCE.md; Patarasuk and Yuan 2009), with
  // alpha the NVLink transfer latency and beta the per-direction NVLink bandwidth.
  const topology::ClusterGraph graph = topology::build_cluster(testing::dgx_cluster(1));
  RouteTable routes(graph);
  const int n = 8;
  const double S = 256.0 * 1024 * 1024;
  std::vector<std::unique_ptr<CollectivePlan>> plans;
  plans.push_back(std::make_unique<CollectivePlan>(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kRing, S, n), graph));
  const double alpha = topology::defaults::kNvlinkTransferLatency;
  const double beta = topology::defaults::kNvlink4PerGpuPerDirection;
  const double expected = 2.0 * (n - 1) * (alpha + S / (n * beta));
  AnalyticEvaluator analytic(routes);
  EXPECT_NEAR(analytic.time(*plans[0]), expected, 1e-3 * expected);
  const std::vector<double> flow = flow_times(graph, routes, plans);
  EXPECT_NEAR(flow[0], expected, 1e-3 * expected);
}

TEST(RingAllReduce, AcrossNodesIsBoundByTheSlowestHopOfAStep) {
  // 16 ranks on 2 nodes: each lock-step step lasts as long as its inter-node transfer, so
  // t = 2(n-1)(alpha_net + S/(n beta_nic)).
  const topology::ClusterGraph graph = topology::build_cluster(testing::dgx_cluster(2), 1);
  RouteTable routes(graph, ecmp_route_fn(graph));
  const int n = 16;
  const double S = 64.0 * 1024 * 1024;
  std::vector<std::unique_ptr<CollectivePlan>> plans;
  plans.push_back(std::make_unique<CollectivePlan>(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kRing, S, n), graph));
  const RouteTable::Entry across = routes.get(7, 8);
  ASSERT_TRUE(across.connected);
  EXPECT_DOUBLE_EQ(routes.get(15, 0).latency, across.latency);  // same tiers either way
  const double expected = 2.0 * (n - 1) * (across.latency + S / (n * testing::kNicBandwidth));
  AnalyticEvaluator analytic(routes);
  EXPECT_NEAR(analytic.time(*plans[0]), expected, 1e-3 * expected);
  EXPECT_NEAR(flow_times(graph, routes, plans)[0], expected, 1e-3 * expected);
}

TEST(Fidelities, FlowAndAnalyticAgreeOnAnIdleFabricForEveryCollective) {
  // Two DGX nodes on a fat-tree: ring, tree and hierarchical all cross the fabric.
  const topology::ClusterGraph graph = topology::build_cluster(testing::dgx_cluster(2), 1);
  RouteTable routes(graph, ecmp_route_fn(graph));
  std::vector<std::unique_ptr<CollectivePlan>> plans;
  for (const CollectiveOp op : {CollectiveOp::kAllReduce, CollectiveOp::kAllGather, CollectiveOp::kReduceScatter,
                                CollectiveOp::kAllToAll, CollectiveOp::kBroadcast, CollectiveOp::kSendRecv}) {
    for (const CollectiveAlgorithm a :
         {CollectiveAlgorithm::kRing, CollectiveAlgorithm::kTree, CollectiveAlgorithm::kHierarchical}) {
      for (const double bytes : {1.0 * 1024 * 1024, 128.0 * 1024 * 1024}) {
        for (const int n : {8, 16}) plans.push_back(std::make_unique<CollectivePlan>(call(op, a, bytes, n), graph));
      }
    }
  }
  AnalyticEvaluator analytic(routes);
  const std::vector<double> flow = flow_times(graph, routes, plans);
  ASSERT_EQ(flow.size(), plans.size());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const double a = analytic.time(*plans[i]);
    EXPECT_NEAR(flow[i], a, 0.02 * a) << op_name(plans[i]->op()) << " " << algorithm_name(plans[i]->algorithm())
                                      << " ranks " << plans[i]->rank_count();
  }
}

TEST(Fidelities, AutoPicksTheFastestAlgorithm) {
  const topology::ClusterGraph graph = topology::build_cluster(testing::dgx_cluster(2), 1);
  RouteTable routes(graph, ecmp_route_fn(graph));
  AnalyticEvaluator analytic(routes);
  for (const double bytes : {64.0 * 1024, 1024.0 * 1024 * 1024}) {
    const CollectiveCall c = call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kAuto, bytes, 16);
    CollectiveCall chosen = c;
    chosen.algorithm = choose_algorithm(c, graph, analytic);
    const double best = analytic.time(CollectivePlan(chosen, graph));
    for (const auto a : {CollectiveAlgorithm::kRing, CollectiveAlgorithm::kTree, CollectiveAlgorithm::kHierarchical}) {
      CollectiveCall other = c;
      other.algorithm = a;
      EXPECT_LE(best, analytic.time(CollectivePlan(other, graph)));
    }
  }
}

TEST(FlowRunner, RefusesAPlanThePlatformCannotRoute) {
  const topology::ClusterGraph graph = topology::build_cluster(testing::dgx_cluster(1));
  RouteTable routes(graph);
  testing::QuietEngine engine;
  configure_engine(*engine);
  PlatformScope scope;
  scope.routes = {{0, 1}, {1, 0}};
  const Platform platform(*engine, graph, routes, scope);
  const CollectivePlan plan(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kRing, 1e6, 3), graph);
  bool threw = false;
  s4u::Actor::create("coordinator", platform.gpu_host(0), [&] {
    try {
      FlowRunner(platform).run(plan);
    } catch (const std::runtime_error&) {
      threw = true;
    }
  });
  (*engine).run();
  EXPECT_TRUE(threw);
}

}  // namespace
}  // namespace stratum::sim
