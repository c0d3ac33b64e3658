// Pipeline parallelism, tensor parallelism across nodes and heterogeneous replica groups in the
// serving engine, checked in closed form against the cost models they are built from. Each TEST
// runs in its own process under ctest (one SimGrid engine per process).
#include <gtest/gtest.h>

#include <algorithm>

#include <simgrid/s4u.hpp>

#include "collective_fixture.hpp"
#include "serving_fixture.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/roofline.hpp"
#include "stratum/scenarios/catalog.hpp"
#include "stratum/sim/collective.hpp"
#include "stratum/sim/collective_analytic.hpp"
#include "stratum/sim/flow_tensor_parallel.hpp"
#include "stratum/sim/platform.hpp"
#include "stratum/sim/route_table.hpp"
#include "stratum/sim/serving_run.hpp"
#include "stratum/sim/tp_collectives.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace stratum::sim {
namespace {

using testing::h100_scenario;
using testing::request;

calibration::ParallelLayout stage_layout(const scenarios::NodeGroup& node, int tp, int first, int layers) {
  calibration::ParallelLayout l{tp, node.intra_bandwidth, node.intra_latency};
  l.first_layer = first;
  l.stage_layers = layers;
  return l;
}

// TP 1 x PP 2 of Llama-3.1-8B (32 layers: 16 + 16) on two GPUs of one NVSwitch node.
scenarios::Scenario tp1_pp2() {
  scenarios::Scenario s = h100_scenario("llama-3.1-8b", 2, 1, 1);
  s.serving->replicas[0].pipeline_parallel = 2;
  return s;
}

// Stage times of a one-prompt prefill and the activation send between the two stages.
struct Tp1Pp2Costs {
  double stage0 = 0, stage1 = 0, send = 0;
};

Tp1Pp2Costs tp1_pp2_costs(const scenarios::Scenario& s, int64_t prompt) {
  const scenarios::NodeGroup& node = s.cluster.nodes[0];
  const calibration::RooflineCostModel costs(node.gpu);
  calibration::IterationBatch prefill;
  prefill.prefill.push_back({prompt, 0});
  Tp1Pp2Costs c;
  c.stage0 = calibration::IterationModel(costs, s.serving->model, s.serving->precision, stage_layout(node, 1, 0, 16))
                 .cost(prefill)
                 .seconds;
  c.stage1 = calibration::IterationModel(costs, s.serving->model, s.serving->precision, stage_layout(node, 1, 16, 16))
                 .cost(prefill)
                 .seconds;
  // hidden_states and residual, BF16, GPU 0 to GPU 1 over the node's NVSwitch route.
  const topology::ClusterGraph graph = topology::build_cluster(s.cluster, s.seed);
  RouteTable routes(graph);
  const RouteTable::Entry route = routes.get(0, 1);
  c.send = route.latency + 2.0 * static_cast<double>(prompt) * 4096 * 2 / route.bottleneck;
  return c;
}

TEST(PipelineRun, LoneRequestTtftIsBothStagesPlusOneActivationSend) {
  const scenarios::Scenario s = tp1_pp2();
  const ServingRunResult run = run_serving(s, {request(0, 1.5, 1000, 1)}, {});
  const RequestRecord& r = run.requests[0];
  ASSERT_EQ(r.status, RequestStatus::kCompleted);
  const Tp1Pp2Costs c = tp1_pp2_costs(s, 1000);
  EXPECT_GT(c.send, 0);
  EXPECT_NEAR(r.ttft_s(), c.stage0 + c.send + c.stage1, 1e-12);
  ASSERT_EQ(run.instances.size(), 1u);
  EXPECT_EQ(run.instances[0].placement.gpus, 2);
  // Busy time is the stages' mean: (stage0 + stage1) / 2.
  EXPECT_NEAR(run.instances[0].busy_s, (c.stage0 + c.stage1) / 2, 1e-12);
}

// Two prompts at once go to the two virtual engines (fewest unfinished first); the second waits
// for the first stage, then for the second stage if the first batch still holds it.
TEST(PipelineRun, VirtualEnginesShareTheStagesFirstComeFirstServed) {
  const scenarios::Scenario s = tp1_pp2();
  const ServingRunResult run = run_serving(s, {request(0, 0.0, 1000, 1), request(1, 0.0, 1000, 1)}, {});
  const Tp1Pp2Costs c = tp1_pp2_costs(s, 1000);
  std::vector<double> ttft{run.requests[0].ttft_s(), run.requests[1].ttft_s()};
  std::sort(ttft.begin(), ttft.end());
  EXPECT_NEAR(ttft[0], c.stage0 + c.send + c.stage1, 1e-12);
  const double second_reaches_stage1 = 2 * c.stage0 + c.send;
  const double first_leaves_stage1 = c.stage0 + c.send + c.stage1;
  EXPECT_NEAR(ttft[1], std::max(second_reaches_stage1, first_leaves_stage1) + c.stage1, 1e-12);
  // Both were in flight at once: faster than one engine doing both prompts back to back.
  EXPECT_LT(ttft[1], 2 * (c.stage0 + c.send + c.stage1));
  EXPECT_EQ(run.instances[0].kv_blocks_total % 2, 0);
}

// Two DGX-like nodes of `gpus_per_node` catalogue H100s on a two-level fat-tree.
scenarios::Scenario two_nodes(int gpus_per_node, int tp, scenarios::CommFidelity fidelity) {
  scenarios::Scenario s = h100_scenario("llama-3.1-70b", gpus_per_node, tp, 1);
  s.fidelity = fidelity;
  scenarios::ClusterSpec fabric = testing::dgx_cluster(2);
  scenarios::NodeGroup& node = s.cluster.nodes[0];
  node.count = 2;
  node.nics = fabric.nodes[0].nics;
  node.nics.count = gpus_per_node;
  s.cluster.fabric = fabric.fabric;
  return s;
}

// Prices an all-reduce or all-gather with the collective API directly: NCCL-like algorithm choice
// and the analytic evaluator on the given ranks.
class ApiCollectives final : public calibration::GroupCollectives {
 public:
  ApiCollectives(const topology::ClusterGraph& graph, std::vector<int> ranks)
      : graph_(graph), ranks_(std::move(ranks)), routes_(graph), eval_(routes_) {}
  calibration::Estimate price(calibration::CollectiveKind kind, double bytes) const override {
    CollectiveCall call;
    call.op = kind;
    call.bytes = bytes;
    call.ranks = ranks_;
    call.algorithm = choose_algorithm(call, graph_, eval_);
    return {eval_.time(CollectivePlan(call, graph_)), calibration::Provenance::kRoofline};
  }

 private:
  const topology::ClusterGraph& graph_;
  std::vector<int> ranks_;
  mutable RouteTable routes_;
  mutable AnalyticEvaluator eval_;
};

TEST(PipelineRun, TensorParallelAcrossNodesCostsWhatTheFabricSays) {
  // TP 8 over two nodes of 4 GPUs: every all-reduce crosses the fabric.
  const scenarios::Scenario s = two_nodes(4, 8, scenarios::CommFidelity::kAnalytic);
  const ServingRunResult run = run_serving(s, {request(0, 0.0, 2000, 1)}, {});
  ASSERT_EQ(run.requests[0].status, RequestStatus::kCompleted);
  const topology::ClusterGraph graph = topology::build_cluster(s.cluster, s.seed);
  const scenarios::NodeGroup& node = s.cluster.nodes[0];
  const calibration::RooflineCostModel costs(node.gpu);
  calibration::IterationBatch prefill;
  prefill.prefill.push_back({2000, 0});
  const ApiCollectives api(graph, {0, 1, 2, 3, 4, 5, 6, 7});
  calibration::ParallelLayout layout{8, node.intra_bandwidth, node.intra_latency};
  layout.group = &api;
  const double expected = calibration::IterationModel(costs, s.serving->model, s.serving->precision, layout).cost(prefill).seconds;
  EXPECT_NEAR(run.requests[0].ttft_s(), expected, 1e-12);

  // The same TP 8 inside one 8-GPU node: same compute, NVSwitch collectives.
  const scenarios::Scenario one = h100_scenario("llama-3.1-70b", 8, 8, 1);
  const topology::ClusterGraph one_graph = topology::build_cluster(one.cluster, one.seed);
  const TensorParallelCollectives intra(one_graph, {0, 1, 2, 3, 4, 5, 6, 7}, costs, node.intra_bandwidth, node.intra_latency);
  layout.group = &intra;
  const calibration::IterationCost inside =
      calibration::IterationModel(costs, one.serving->model, one.serving->precision, layout).cost(prefill);
  EXPECT_GT(run.requests[0].ttft_s(), inside.seconds);
  // The difference is communication only.
  layout.group = &api;
  const calibration::IterationCost across =
      calibration::IterationModel(costs, s.serving->model, s.serving->precision, layout).cost(prefill);
  EXPECT_NEAR(across.seconds - inside.seconds, across.communication_s - inside.communication_s, 1e-9);
}

// Flow fidelity adds to the analytic iteration the delay its collective bytes suffer in SimGrid
// over an idle fabric (flow_tensor_parallel.hpp): none on an idle fabric, up to SimGrid's whole
// bytes and float rounding (relative 1e-9 here).
TEST(PipelineRun, FlowTensorParallelAcrossNodesAgreesWithAnalyticOnAnIdleFabric) {
  const scenarios::Scenario s = two_nodes(4, 8, scenarios::CommFidelity::kFlow);
  const ServingRunResult run = run_serving(s, {request(0, 0.0, 2000, 5)}, {});
  const RequestRecord& r = run.requests[0];
  ASSERT_EQ(r.status, RequestStatus::kCompleted);
  const topology::ClusterGraph graph = topology::build_cluster(s.cluster, s.seed);
  const scenarios::NodeGroup& node = s.cluster.nodes[0];
  const calibration::RooflineCostModel costs(node.gpu);
  const ApiCollectives api(graph, {0, 1, 2, 3, 4, 5, 6, 7});
  calibration::ParallelLayout layout{8, node.intra_bandwidth, node.intra_latency};
  layout.group = &api;
  const calibration::IterationModel model(costs, s.serving->model, s.serving->precision, layout);
  calibration::IterationBatch prefill;
  prefill.prefill.push_back({2000, 0});
  const calibration::IterationCost first = model.cost(prefill);
  EXPECT_NEAR(r.ttft_s() / first.seconds, 1.0, 1e-9);
  double decode = 0;
  for (int64_t context = 2000; context < 2004; ++context) {
    calibration::IterationBatch b;
    b.decode_contexts.push_back(context);
    decode += model.cost(b).seconds;
  }
  EXPECT_NEAR((r.finish_s - r.first_token_s) / decode, 1.0, 1e-9);
  EXPECT_EQ(run.iterations, 5);
}

// The point of flow fidelity: other traffic on the fabric slows a cross-node TP iteration. A TP-16
// group over two DGX nodes runs an iteration alone (its analytic time), then again while every
// rail carries a large transfer between the nodes (both directions), which it must share.
TEST(PipelineRun, FlowTensorParallelIterationsSlowDownUnderOtherTraffic) {
  scenarios::ClusterSpec spec = testing::dgx_cluster(2);
  spec.nodes[0].gpu = *scenarios::Catalog::builtin().find_gpu("h100-sxm5-80gb");
  spec.nodes[0].intra_latency = 3.4e-6;
  const topology::ClusterGraph graph = topology::build_cluster(spec, 1);
  std::vector<int> ranks;
  for (int g = 0; g < 16; ++g) ranks.push_back(g);
  testing::QuietEngine engine;
  configure_engine(*engine);
  PlatformScope scope;
  FlowTensorParallel::add_to_scope(graph, ranks, scope);
  for (int g = 0; g < 8; ++g) scope.routes.insert(scope.routes.end(), {{g, g + 8}, {g + 8, g}});
  RouteTable routes(graph);
  const Platform platform(*engine, graph, routes, scope);
  const calibration::RooflineCostModel costs(spec.nodes[0].gpu);
  const TensorParallelCollectives group(graph, ranks, costs, spec.nodes[0].gpu.nvlink_bandwidth, 3.4e-6);
  calibration::IterationCost cost;
  cost.tp_all_reduce_bytes = 8e6;  // a prefill-sized all-reduce (about 500 tokens of a hidden-8192 model)
  cost.tp_all_reduces = 160;
  cost.communication_s = 160 * group.price(calibration::CollectiveKind::kAllReduce, 8e6).seconds;
  cost.seconds = cost.communication_s + 0.01;  // plus 10 ms of compute
  double alone = 0, shared = 0;
  simgrid::s4u::Actor::create("instance", platform.gpu_host(0), [&] {
    FlowTensorParallel flow(graph, platform, ranks);
    alone = flow.run(cost, group);
    std::vector<simgrid::s4u::CommPtr> other;
    for (int g = 0; g < 8; ++g) {
      other.push_back(simgrid::s4u::Comm::sendto_async(platform.gpu_host(g), platform.gpu_host(g + 8), 100000000000ull));
      other.push_back(simgrid::s4u::Comm::sendto_async(platform.gpu_host(g + 8), platform.gpu_host(g), 100000000000ull));
    }
    shared = flow.run(cost, group);
    simgrid::s4u::Comm::wait_all(other);
  });
  (*engine).run();
  EXPECT_NEAR(alone / cost.seconds, 1.0, 1e-9);
  EXPECT_GT(shared, alone * 1.05) << "alone " << alone << " s, shared " << shared << " s";
}

TEST(PipelineRun, HeterogeneousGroupsArePricedByTheirOwnGpus) {
  const auto& catalog = scenarios::Catalog::builtin();
  scenarios::Scenario s = h100_scenario("llama-3.1-8b", 1, 1, 1);
  scenarios::NodeGroup a100 = s.cluster.nodes[0];
  a100.id = "a100";
  a100.gpu = *catalog.find_gpu("a100-sxm4-80gb");
  a100.intra_bandwidth = a100.gpu.nvlink_bandwidth;
  s.cluster.nodes.push_back(a100);
  s.cluster.fabric = testing::dgx_cluster(2).fabric;
  for (auto& node : s.cluster.nodes) node.nics = testing::dgx_h100(1).nics, node.nics.count = 1;
  scenarios::ReplicaSpec on_a100;
  on_a100.nodes = "a100";
  s.serving->replicas.push_back(on_a100);
  s.serving->replicas[0].nodes = "h100";
  // Least outstanding: the first request to instance 0 (H100), the second to instance 1 (A100).
  const ServingRunResult run = run_serving(s, {request(0, 0.0, 1000, 1), request(1, 0.0, 1000, 1)}, {});
  ASSERT_EQ(run.instances.size(), 2u);
  EXPECT_EQ(run.instances[0].gpu_id, "h100-sxm5-80gb");
  EXPECT_EQ(run.instances[1].gpu_id, "a100-sxm4-80gb");
  EXPECT_EQ(run.instances[1].placement.replica_group, 1);
  calibration::IterationBatch prefill;
  prefill.prefill.push_back({1000, 0});
  for (int i = 0; i < 2; ++i) {
    const calibration::RooflineCostModel costs(s.cluster.nodes[static_cast<size_t>(i)].gpu);
    const double expected =
        calibration::IterationModel(costs, s.serving->model, s.serving->precision, {1, 0, 0}).cost(prefill).seconds;
    EXPECT_EQ(run.requests[static_cast<size_t>(i)].instance, i);
    EXPECT_NEAR(run.requests[static_cast<size_t>(i)].ttft_s(), expected, 1e-12);
  }
  EXPECT_GT(run.requests[1].ttft_s(), run.requests[0].ttft_s());  // the A100 is slower
  // Each instance's KV blocks come from its own GPU's memory plan (80 GB both: equal here).
  EXPECT_GT(run.instances[1].kv_blocks_total, 0);
}

}  // namespace
}  // namespace stratum::sim
