// SimGrid side of the big-fabric targets (DESIGN.md section 8; docs/performance.md):
//   BM_FatTree16kRingPlatform  build the 16,384-GPU (2,048 DGX H100) three-level fat-tree graph,
//                              route every ring-neighbour pair both ways with ECMP, and build the
//                              scoped SimGrid platform (hosts, links on those routes, routes);
//                              target under 5 s.
//   BM_FatTree16kRingAnalytic  a 1 GiB ring all-reduce over the 16,384 GPUs at analytic fidelity.
// sim::build_scoped_platform keeps SimGrid inside sim/ (DESIGN.md section 1). SimGrid allows one
// engine per process: run one benchmark per process with
// --benchmark_filter, as docs/performance.md does. The flow-fidelity target (1 GiB ring
// all-reduce over 1,024 GPUs) is a timed CLI run of tests/bench/ring_1024.pbtxt.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "stratum/sim/collective.hpp"
#include "stratum/sim/collective_analytic.hpp"
#include "stratum/sim/collectives_run.hpp"
#include "stratum/sim/platform.hpp"
#include "stratum/topology/cluster_builder.hpp"
#include "stratum/topology/link_defaults.hpp"

namespace {

using namespace stratum;

scenarios::ClusterSpec fat_tree_16k() {
  scenarios::NodeGroup dgx;
  dgx.id = "dgx";
  dgx.count = 2048;
  dgx.gpu.id = "h100-sxm5-80gb";
  dgx.gpu.nvlink_bandwidth = topology::defaults::kNvlink4PerGpuPerDirection;
  dgx.gpu.pcie_bandwidth = topology::defaults::kPcie5x16PerDirection;
  dgx.gpus_per_node = 8;
  dgx.nics = {scenarios::NicPlacement::kPerGpu, 8, 50e9, 2e-6};  // ConnectX-7 400 Gb/s per GPU
  scenarios::ClusterSpec spec;
  spec.nodes.push_back(dgx);
  spec.fabric.kind = scenarios::FabricKind::kFatTree;
  spec.fabric.levels = 3;
  spec.fabric.radix = 64;  // Quantum-2 QM9700: 64 x 400 Gb/s
  spec.fabric.tiers = {{50e9, 130e-9}};
  return spec;
}

void BM_FatTree16kRingPlatform(benchmark::State& state) {
  for (auto _ : state) {
    const topology::ClusterGraph graph = topology::build_cluster(fat_tree_16k(), 1);
    sim::RouteTable routes(graph, sim::ecmp_route_fn(graph));
    sim::PlatformScope scope;
    const int n = graph.gpu_count();
    for (int g = 0; g < n; ++g) {
      scope.routes.emplace_back(g, (g + 1) % n);
      scope.routes.emplace_back((g + 1) % n, g);
    }
    const sim::PlatformSize size = sim::build_scoped_platform(graph, routes, scope);
    state.counters["gpus"] = n;
    state.counters["hosts"] = static_cast<double>(size.hosts);
    state.counters["routes"] = static_cast<double>(size.routes);
    state.counters["links"] = static_cast<double>(size.links);
  }
}
BENCHMARK(BM_FatTree16kRingPlatform)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_FatTree16kRingAnalytic(benchmark::State& state) {
  const topology::ClusterGraph graph = topology::build_cluster(fat_tree_16k(), 1);
  for (auto _ : state) {
    sim::RouteTable routes(graph, sim::ecmp_route_fn(graph));
    sim::AnalyticEvaluator analytic(routes);
    sim::CollectiveCall call;
    call.op = scenarios::CollectiveOp::kAllReduce;
    call.algorithm = scenarios::CollectiveAlgorithm::kRing;
    call.bytes = 1024.0 * 1024 * 1024;
    for (int g = 0; g < graph.gpu_count(); ++g) call.ranks.push_back(g);
    const sim::CollectivePlan plan(call, graph);
    state.counters["simulated_s"] = analytic.time(plan);
  }
}
BENCHMARK(BM_FatTree16kRingAnalytic)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
