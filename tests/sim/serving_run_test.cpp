// Closed-form checks of the serving engine. Each TEST runs in its own process under ctest
// (one SimGrid engine per process).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "serving_fixture.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/profile_cost_model.hpp"
#include "stratum/calibration/roofline.hpp"
#include "stratum/sim/metrics.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {
namespace {

using testing::h100_scenario;
using testing::request;

calibration::IterationModel iteration_model(const scenarios::Scenario& s, const calibration::RooflineCostModel& costs) {
  const auto& node = s.cluster.nodes[0];
  return calibration::IterationModel(costs, s.serving->model, s.serving->precision,
                                     {s.serving->replicas[0].tensor_parallel, node.intra_bandwidth, node.intra_latency});
}

TEST(ServingRun, LoneRequestTtftIsItsPrefillTime) {
  const scenarios::Scenario s = h100_scenario();
  const ServingRunResult run = run_serving(s, {request(0, 1.5, 1000, 1)}, {});
  ASSERT_EQ(run.requests.size(), 1u);
  const RequestRecord& r = run.requests[0];
  EXPECT_EQ(r.status, RequestStatus::kCompleted);

  const calibration::RooflineCostModel costs(s.cluster.nodes[0].gpu);
  calibration::IterationBatch prefill;
  prefill.prefill.push_back({1000, 0});
  const double expected = iteration_model(s, costs).cost(prefill).seconds;
  EXPECT_DOUBLE_EQ(r.first_scheduled_s, 1.5);  // no queueing
  EXPECT_NEAR(r.ttft_s(), expected, 1e-12);
  EXPECT_NEAR(r.e2e_s(), expected, 1e-12);  // one output token: done at the prefill
}

TEST(ServingRun, LoneRequestDecodesOneTokenPerIteration) {
  const scenarios::Scenario s = h100_scenario();
  const ServingRunResult run = run_serving(s, {request(0, 0.0, 500, 11)}, {});
  const RequestRecord& r = run.requests[0];
  ASSERT_EQ(r.status, RequestStatus::kCompleted);
  const calibration::RooflineCostModel costs(s.cluster.nodes[0].gpu);
  const auto model = iteration_model(s, costs);
  double decode = 0;
  for (int64_t context = 500; context < 510; ++context) {
    calibration::IterationBatch b;
    b.decode_contexts.push_back(context);
    decode += model.cost(b).seconds;
  }
  EXPECT_NEAR(r.finish_s - r.first_token_s, decode, 1e-12);
  EXPECT_EQ(run.iterations, 11);
}

// M/D/1: Poisson arrivals to one server whose service time is constant. With max_num_seqs 1 the
// engine serves one request at a time, FCFS, and identical requests take identical time, so the
// mean wait must match Pollaczek-Khinchine: Wq = rho D / (2 (1 - rho)).
TEST(ServingRun, MD1MeanWaitMatchesPollaczekKhinchine) {
  scenarios::Scenario s = h100_scenario();
  s.serving->scheduler.max_num_seqs = 1;
  const calibration::RooflineCostModel costs(s.cluster.nodes[0].gpu);
  const auto model = iteration_model(s, costs);
  calibration::IterationBatch prefill;
  prefill.prefill.push_back({256, 0});
  double service = model.cost(prefill).seconds;
  for (int64_t context = 256; context < 256 + 15; ++context) {
    calibration::IterationBatch b;
    b.decode_contexts.push_back(context);
    service += model.cost(b).seconds;
  }
  const double rho = 0.6;
  const double rate = rho / service;
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> gap(rate);
  std::vector<RequestRecord> requests;
  double t = 0;
  constexpr int kRequests = 40000;
  for (int i = 0; i < kRequests; ++i) {
    t += gap(rng);
    requests.push_back(request(i, t, 256, 16));
  }
  const ServingRunResult run = run_serving(s, std::move(requests), {});

  // Batch means over 40 batches give the 95 % confidence interval of the simulated mean wait
  // (the first batch is dropped as warm-up).
  constexpr int kBatches = 40;
  const int per_batch = kRequests / kBatches;
  std::vector<double> means;
  for (int b = 1; b < kBatches; ++b) {
    double sum = 0;
    for (int i = b * per_batch; i < (b + 1) * per_batch; ++i) {
      const RequestRecord& r = run.requests[i];
      ASSERT_EQ(r.status, RequestStatus::kCompleted);
      EXPECT_NEAR(r.finish_s - r.first_scheduled_s, service, 1e-9);  // deterministic service
      sum += r.first_scheduled_s - r.arrival_s;
    }
    means.push_back(sum / per_batch);
  }
  const double mean = std::accumulate(means.begin(), means.end(), 0.0) / means.size();
  double var = 0;
  for (double m : means) var += (m - mean) * (m - mean);
  var /= (means.size() - 1);
  const double half_width = 2.024 * std::sqrt(var / means.size());  // t(0.975, 38 dof)
  const double pk = rho * service / (2 * (1 - rho));
  EXPECT_NEAR(mean, pk, half_width) << "service " << service << " s";
  EXPECT_LT(half_width, 0.1 * pk);  // the interval is tight enough to mean something
}

TEST(ServingRun, EveryRequestIsAccountedForUnderKvPressure) {
  scenarios::Scenario s = h100_scenario("llama-3.1-70b", 4, 4);
  s.serving->scheduler.gpu_memory_utilization = 0.6;  // a small KV cache forces preemptions
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> len(1, 4000);
  std::vector<RequestRecord> requests;
  for (int i = 0; i < 3000; ++i) requests.push_back(request(i, i * 0.01, len(rng), len(rng) / 4 + 1));
  // One request that can never fit the model's context is rejected with a reason.
  requests.push_back(request(3000, 30.0, 200000, 10));
  const ServingRunResult run = run_serving(s, requests, {});
  ASSERT_EQ(run.requests.size(), requests.size());
  int64_t completed = 0, rejected = 0, preemptions = 0;
  for (size_t i = 0; i < run.requests.size(); ++i) {
    const RequestRecord& r = run.requests[i];
    EXPECT_EQ(r.id, i);
    EXPECT_NE(r.status, RequestStatus::kPending) << "request " << i << " vanished";
    if (r.status == RequestStatus::kCompleted) {
      ++completed;
      EXPECT_LE(r.arrival_s, r.first_scheduled_s);
      EXPECT_LE(r.first_scheduled_s, r.first_token_s);
      EXPECT_LE(r.first_token_s, r.finish_s);
    } else {
      ++rejected;
      EXPECT_FALSE(r.reason.empty());
    }
    preemptions += r.preemptions;
  }
  EXPECT_EQ(completed + rejected, 3001);
  EXPECT_EQ(run.requests[3000].status, RequestStatus::kRejected);
  EXPECT_GT(preemptions, 0) << "the test meant to exercise preemption";
}

// With a calibration profile for its GPU, an instance prices GEMMs from the measurements (and
// everything else from the roofline), and the run accounts GPU time by provenance.
TEST(ServingRun, ProfileOfTheGpuPricesItsWork) {
  scenarios::Scenario s = h100_scenario();
  scenarios::Profile profile;
  profile.header.gpu_id = "h100-sxm5-80gb";
  // Llama-3.1-8B's linear layers at TP 1: fused QKV, O, gate+up, down, LM head (n, k).
  const std::pair<int64_t, int64_t> shapes[] = {{6144, 4096}, {4096, 4096}, {28672, 4096}, {4096, 14336}, {128256, 4096}};
  for (const auto& [n, k] : shapes) {
    for (int64_t m : {1, 8192}) {
      const double flops = 2.0 * static_cast<double>(m * n * k);
      profile.gemm.push_back({m, n, k, scenarios::Precision::kBf16, 1, {2e-5 + flops / 600e12, 0, 0, 50}});
    }
  }
  s.profiles.push_back(profile);
  const ServingRunResult run = run_serving(s, {request(0, 0.0, 1000, 1)}, {});
  const calibration::ProfileCostModel costs(profile, s.cluster.nodes[0].gpu);
  const auto& node = s.cluster.nodes[0];
  const calibration::IterationModel model(costs, s.serving->model, s.serving->precision,
                                          {1, node.intra_bandwidth, node.intra_latency});
  calibration::IterationBatch prefill;
  prefill.prefill.push_back({1000, 0});
  EXPECT_NEAR(run.requests[0].ttft_s(), model.cost(prefill).seconds, 1e-12);
  const auto& by = run.gpu_seconds_by_provenance;
  EXPECT_GT(by[static_cast<int>(calibration::Provenance::kInterpolated)], 0.0);
  EXPECT_GT(by[static_cast<int>(calibration::Provenance::kRoofline)], 0.0);  // attention, norms
  // The LM head runs on one row (one sequence): m = 1 is a measured point of its series.
  EXPECT_GT(by[static_cast<int>(calibration::Provenance::kMeasured)], 0.0);
  EXPECT_EQ(by[static_cast<int>(calibration::Provenance::kExtrapolated)], 0.0);
}

TEST(ServingRun, ReplicasShareTheLoad) {
  const scenarios::Scenario s = h100_scenario("llama-3.1-8b", 8, 2, 4);
  std::vector<RequestRecord> requests;
  for (int i = 0; i < 400; ++i) requests.push_back(request(i, i * 0.05, 800, 50));
  const ServingRunResult run = run_serving(s, requests, {});
  ASSERT_EQ(run.instances.size(), 4u);
  std::vector<int> per_instance(4, 0);
  for (const auto& r : run.requests) {
    ASSERT_EQ(r.status, RequestStatus::kCompleted);
    per_instance[r.instance]++;
  }
  for (int n : per_instance) EXPECT_NEAR(n, 100, 10);
  const ServingMetrics m = summarize(run, {});
  EXPECT_EQ(m.gpus, 8);
}

TEST(ServingRun, TraceAndTimeseriesAreRecorded) {
  scenarios::Scenario s = h100_scenario();
  s.output.timeseries_interval_s = 1.0;
  std::vector<RequestRecord> requests;
  for (int i = 0; i < 50; ++i) requests.push_back(request(i, i * 0.1, 300, 20));
  ServingRunOptions options;
  options.trace = true;
  const ServingRunResult run = run_serving(s, requests, options);
  EXPECT_EQ(static_cast<int64_t>(run.trace.slices.size()), run.iterations);
  ASSERT_FALSE(run.timeseries.empty());
  EXPECT_EQ(run.timeseries.back().completed, 50);
  for (const auto& sample : run.timeseries) {
    EXPECT_GE(sample.gpu_utilization, 0.0);
    EXPECT_LE(sample.gpu_utilization, 1.0 + 1e-9);
  }
}

}  // namespace
}  // namespace stratum::sim
