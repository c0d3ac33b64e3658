// Closed-form checks of prefill-decode disaggregation in the serving engine
// (sim/src/disaggregation.hpp). Each TEST runs in its own process under ctest (one SimGrid engine
// per process).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "serving_fixture.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/roofline.hpp"
#include "stratum/sim/metrics.hpp"
#include "stratum/sim/route_table.hpp"
#include "stratum/sim/serving_run.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace stratum::sim {
namespace {

using testing::h100_scenario;
using testing::request;

// One H100 node: `prefill` PREFILL_ONLY and `decode` DECODE_ONLY instances of `tp` GPUs each.
scenarios::Scenario disaggregated(scenarios::CommFidelity fidelity, int prefill = 1, int decode = 1, int tp = 1) {
  scenarios::Scenario s = h100_scenario("llama-3.1-8b", (prefill + decode) * tp, tp);
  s.fidelity = fidelity;
  scenarios::ReplicaSpec p, d;
  p.tensor_parallel = d.tensor_parallel = tp;
  p.count = prefill;
  d.count = decode;
  p.role = scenarios::ReplicaRole::kPrefill;
  d.role = scenarios::ReplicaRole::kDecode;
  s.serving->replicas = {p, d};
  return s;
}

calibration::IterationModel model_of(const scenarios::Scenario& s, const calibration::RooflineCostModel& costs) {
  const auto& node = s.cluster.nodes[0];
  return calibration::IterationModel(costs, s.serving->model, s.serving->precision,
                                     {s.serving->replicas[0].tensor_parallel, node.intra_bandwidth, node.intra_latency});
}

// The lone request of 1,000 prompt and 11 output tokens: TTFT is its prefill on GPU 0; its KV
// cache (1,000 tokens x 131,072 bytes for Llama-3.1-8B in BF16) then crosses the NVSwitch route
// GPU 0 -> GPU 1 in latency + bytes / bandwidth; GPU 1 decodes the 10 remaining tokens.
void check_lone_request(scenarios::CommFidelity fidelity, double transfer_tolerance_s) {
  const scenarios::Scenario s = disaggregated(fidelity);
  const ServingRunResult run = run_serving(s, {request(0, 1.0, 1000, 11)}, {});
  ASSERT_EQ(run.requests.size(), 1u);
  const RequestRecord& r = run.requests[0];
  ASSERT_EQ(r.status, RequestStatus::kCompleted) << r.reason;
  EXPECT_EQ(r.prefill_instance, 0);
  EXPECT_EQ(r.instance, 1);

  const calibration::RooflineCostModel costs(s.cluster.nodes[0].gpu);
  const auto model = model_of(s, costs);
  calibration::IterationBatch prefill;
  prefill.prefill.push_back({1000, 0});
  const double prefill_s = model.cost(prefill).seconds;
  EXPECT_NEAR(r.ttft_s(), prefill_s, 1e-12);

  const double bytes = 1000.0 * 2 * 32 * 8 * 128 * 2;  // 2 x layers x KV heads x head_dim x BF16
  EXPECT_DOUBLE_EQ(r.kv_transfer_bytes, bytes);
  const topology::ClusterGraph graph = topology::build_cluster(s.cluster, s.seed);
  RouteTable routes(graph);
  const RouteTable::Entry route = routes.get(0, 1);
  ASSERT_TRUE(route.connected);
  const double transfer_s = route.latency + bytes / route.bottleneck;
  // The node's NVSwitch route: the catalogue's per-direction NVLink (450 GB/s) at its bottleneck.
  EXPECT_DOUBLE_EQ(route.bottleneck, s.cluster.nodes[0].intra_bandwidth);
  EXPECT_NEAR(r.kv_transfer_start_s, 1.0 + prefill_s, 1e-12);
  EXPECT_NEAR(r.kv_arrival_s - r.kv_transfer_start_s, transfer_s, transfer_tolerance_s);

  double decode_s = 0;
  for (int64_t context = 1000; context < 1010; ++context) {
    calibration::IterationBatch b;
    b.decode_contexts.push_back(context);
    decode_s += model.cost(b).seconds;
  }
  EXPECT_NEAR(r.decode_scheduled_s, r.kv_arrival_s, 1e-12);  // no queue on an idle decode instance
  EXPECT_NEAR(r.e2e_s(), prefill_s + transfer_s + decode_s, transfer_tolerance_s + 1e-9);
  EXPECT_EQ(run.iterations, 11);  // one prefill, ten decodes
}

TEST(DisaggregationRun, AnalyticLoneRequestIsPrefillTransferDecode) {
  check_lone_request(scenarios::CommFidelity::kAnalytic, 1e-12);
}

TEST(DisaggregationRun, FlowLoneRequestIsPrefillTransferDecode) {
  // A lone SimGrid flow costs latency + size / bandwidth exactly (configure_engine); the size is
  // rounded to whole bytes and the clock sums floating-point steps: 1 ns covers both.
  check_lone_request(scenarios::CommFidelity::kFlow, 1e-9);
}

TEST(DisaggregationRun, OneTokenRequestFinishesAtThePrefillInstance) {
  const scenarios::Scenario s = disaggregated(scenarios::CommFidelity::kAnalytic);
  const ServingRunResult run = run_serving(s, {request(0, 0.0, 500, 1)}, {});
  const RequestRecord& r = run.requests[0];
  ASSERT_EQ(r.status, RequestStatus::kCompleted);
  EXPECT_EQ(r.instance, 0);
  EXPECT_EQ(r.prefill_instance, 0);
  EXPECT_LT(r.kv_arrival_s, 0);
  EXPECT_DOUBLE_EQ(r.finish_s, r.first_token_s);
}

// Small pools under load: every request completes or is rejected with a reason, including one
// whose KV cache no decode instance can hold (rejected before its prefill, with the numbers).
std::vector<RequestRecord> loaded_workload() {
  std::vector<RequestRecord> requests;
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> gap(40.0);
  std::uniform_int_distribution<int64_t> input(32, 3000), output(1, 300);
  double t = 0;
  for (uint64_t id = 0; id < 400; ++id) {
    t += gap(rng);
    requests.push_back(request(id, t, input(rng), output(rng)));
  }
  requests[7].input_tokens = 60000;  // with 60,000 output tokens: beyond any decode cache below
  requests[7].output_tokens = 60000;
  return requests;
}

ServingRunResult run_loaded(scenarios::CommFidelity fidelity) {
  scenarios::Scenario s = disaggregated(fidelity, 2, 2);
  // A small KV cache (about 31,000 tokens per GPU) so that decode instances fill up and preempt.
  s.serving->scheduler.gpu_memory_utilization = 0.27;
  s.serving->scheduler.chunked_prefill = true;
  s.serving->scheduler.max_batched_tokens = 2048;
  s.serving->model.max_context = 131072;
  return run_serving(s, loaded_workload(), {});
}

void check_conservation(const ServingRunResult& run) {
  ASSERT_EQ(run.requests.size(), 400u);
  int64_t completed = 0, rejected = 0;
  for (const RequestRecord& r : run.requests) {
    ASSERT_NE(r.status, RequestStatus::kPending) << "request " << r.id;
    if (r.status == RequestStatus::kRejected) {
      ++rejected;
      EXPECT_FALSE(r.reason.empty());
      continue;
    }
    ++completed;
    EXPECT_GE(r.prefill_instance, 0);
    EXPECT_LE(r.prefill_instance, 1);
    if (r.output_tokens > 1) {
      EXPECT_GE(r.instance, 2) << "decoded on a decode instance";
      EXPECT_GE(r.kv_arrival_s, r.kv_transfer_start_s);
      EXPECT_GE(r.decode_scheduled_s, r.kv_arrival_s);
      EXPECT_NEAR(r.kv_transfer_start_s, r.first_token_s, 1e-12);
    }
  }
  EXPECT_EQ(completed + rejected, 400);
  const RequestRecord& huge = run.requests[7];
  EXPECT_EQ(huge.status, RequestStatus::kRejected);
  EXPECT_NE(huge.reason.find("60000 prompt + 60000 output tokens need"), std::string::npos) << huge.reason;
  EXPECT_NE(huge.reason.find("largest decode instance"), std::string::npos) << huge.reason;
  const ServingMetrics m = summarize(run, {});
  ASSERT_TRUE(m.disaggregation.has_value());
  EXPECT_EQ(m.disaggregation->prefill_instances, 2);
  EXPECT_EQ(m.disaggregation->decode_instances, 2);
  EXPECT_GT(m.disaggregation->kv_transfers, 300);
  EXPECT_GT(m.preemptions, 0) << "the small decode caches should preempt";
}

TEST(DisaggregationRun, ConservationUnderLoadAnalytic) { check_conservation(run_loaded(scenarios::CommFidelity::kAnalytic)); }

TEST(DisaggregationRun, ConservationUnderLoadFlow) { check_conservation(run_loaded(scenarios::CommFidelity::kFlow)); }

}  // namespace
}  // namespace stratum::sim
