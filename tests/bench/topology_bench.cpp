// Google Benchmark of topology/ at the scale: a 16,384-GPU cluster (2,048 DGX H100 nodes,
// one 400 Gb/s NIC per GPU) on a 3-level k = 64 fat-tree at 1:1, built from a ClusterSpec, then
// every ring-neighbour pair (i, i + 1 mod n) routed with ECMP. Target (issue 4): build and route
// in under 5 s together; the SimGrid platform on top is measured by sim/'s own benchmark.
// Run: build/tests/bench/topology_bench --benchmark_min_time=0.01 (see docs/performance.md).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "stratum/topology/analysis.hpp"
#include "stratum/topology/cluster_builder.hpp"
#include "stratum/topology/link_defaults.hpp"
#include "stratum/topology/path.hpp"

namespace {

using namespace stratum;

scenarios::ClusterSpec dgx_fat_tree(int nodes) {
  scenarios::NodeGroup group;
  group.id = "dgx";
  group.count = nodes;
  group.gpu.id = "h100-sxm5-80gb";
  group.gpu.nvlink_bandwidth = topology::defaults::kNvlink4PerGpuPerDirection;
  group.gpu.pcie_bandwidth = topology::defaults::kPcie5x16PerDirection;
  group.gpus_per_node = 8;
  group.nics.count = 8;
  group.nics.bandwidth = 50e9;  // 400 Gb/s NDR (ConnectX-7 datasheet)
  group.nics.latency = 1e-6;    // assumption for the benchmark only; timings do not depend on it
  scenarios::ClusterSpec spec;
  spec.nodes = {group};
  spec.fabric.kind = scenarios::FabricKind::kFatTree;
  spec.fabric.levels = 3;
  spec.fabric.radix = 64;  // NVIDIA Quantum-2 QM9700: 64 ports of 400 Gb/s
  spec.fabric.tiers = {{50e9, 0.6e-6}};
  return spec;
}

std::uint64_t route_ring(const topology::ClusterGraph& graph) {
  topology::Path path;
  std::uint64_t hops = 0;
  const int n = graph.gpu_count();
  for (int i = 0; i < n; ++i) {
    topology::route_into(graph, i, (i + 1) % n, static_cast<std::uint64_t>(i), path);
    hops += path.hop_count();
  }
  return hops;
}

void BM_BuildFatTree(benchmark::State& state) {
  const auto spec = dgx_fat_tree(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(topology::build_cluster(spec, 1).link_count());
  state.counters["gpus"] = static_cast<double>(state.range(0) * 8);
}

void BM_RouteRing(benchmark::State& state) {
  const auto graph = topology::build_cluster(dgx_fat_tree(static_cast<int>(state.range(0))), 1);
  for (auto _ : state) benchmark::DoNotOptimize(route_ring(graph));
  state.SetItemsProcessed(state.iterations() * graph.gpu_count());
}

void BM_BuildAndRouteRing(benchmark::State& state) {
  const auto spec = dgx_fat_tree(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    const auto graph = topology::build_cluster(spec, 1);
    benchmark::DoNotOptimize(route_ring(graph));
  }
}

void BM_Analyze(benchmark::State& state) {
  const auto graph = topology::build_cluster(dgx_fat_tree(static_cast<int>(state.range(0))), 1);
  for (auto _ : state) benchmark::DoNotOptimize(topology::analyze(graph).gpu_diameter_hops);
}

BENCHMARK(BM_BuildFatTree)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RouteRing)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildAndRouteRing)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Analyze)->Arg(128)->Arg(2048)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
