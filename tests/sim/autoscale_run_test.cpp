// The replica lifecycle under an autoscaler against closed forms (issue 8): a cold start takes
// serving.node_start plus the weights tier's latency plus weight bytes over its bandwidth, and
// longer when starts share the tier; scale to zero holds requests at the router; every request
// is completed or failed with a reason. Each TEST runs in its own process (one SimGrid engine).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "serving_fixture.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {
namespace {

using testing::h100_scenario;
using testing::request;

constexpr double kNodeStart = 30;
constexpr double kLatency = 0.1;
constexpr double kBandwidth = 10e9;
constexpr double kWeights = 20e9;  // set directly: 2 s at the full 10 GB/s

scenarios::Scenario autoscaled(int pool, int max_replicas, double target) {
  scenarios::Scenario s = h100_scenario("llama-3.1-8b", pool, 1, pool);
  scenarios::StorageTierSpec s3;
  s3.id = "s3";
  s3.kind = scenarios::StorageKind::kObjectStore;
  s3.capacity_bytes = 1e15;
  s3.read_bandwidth = kBandwidth;
  s3.write_bandwidth = kBandwidth;
  s3.latency_s = kLatency;
  s.cluster.storage.tiers.push_back(s3);
  scenarios::ServingSpec& serving = *s.serving;
  serving.autoscaler.kind = scenarios::AutoscalerKind::kHpa;
  serving.autoscaler.hpa.metrics = {{scenarios::HpaMetricKind::kGpuUtilization, target}};
  serving.autoscaler.min_replicas = 1;
  serving.autoscaler.max_replicas = max_replicas;
  serving.autoscaler.initial_replicas = 1;
  serving.lifecycle.weights_tier = "s3";
  serving.lifecycle.weight_bytes = kWeights;
  serving.lifecycle.node_start_s = kNodeStart;
  return s;
}

// Enough work to keep one instance busy through the first sync period and beyond.
std::vector<RequestRecord> steady(int n, double gap) {
  std::vector<RequestRecord> out;
  for (int i = 0; i < n; ++i) out.push_back(request(static_cast<uint64_t>(i), i * gap, 1000, 200));
  return out;
}

// When each instance became ready, from the run's replica counters (-1: never).
std::vector<double> ready_times(const ServingRunResult& run, int pool, std::vector<double>* started = nullptr) {
  std::vector<double> ready(static_cast<size_t>(pool), -1);
  if (started != nullptr) started->assign(static_cast<size_t>(pool), -1);
  int last_ready = 0, last_starting = 0;
  for (const TraceReplicaCounter& c : run.trace.replicas) {
    if (c.ready > last_ready && ready[static_cast<size_t>(c.instance)] < 0) ready[static_cast<size_t>(c.instance)] = c.time_s;
    if (started != nullptr && c.starting > last_starting) (*started)[static_cast<size_t>(c.instance)] = c.time_s;
    last_ready = c.ready;
    last_starting = c.starting;
  }
  return ready;
}

void expect_all_completed(const ServingRunResult& run) {
  for (const RequestRecord& r : run.requests) EXPECT_EQ(r.status, RequestStatus::kCompleted) << r.id << " " << r.reason;
}

TEST(AutoscaleRun, ColdStartAloneIsNodeStartPlusLatencyPlusBytesOverBandwidth) {
  // One busy instance: ceil(1 x ~1.0 / 0.7) = 2 at the first sync (t = 15 s); one start.
  const ServingRunResult run = run_serving(autoscaled(4, 2, 0.7), steady(600, 0.2), {});
  ASSERT_TRUE(run.autoscaled);
  std::vector<double> started;
  const std::vector<double> ready = ready_times(run, 4, &started);
  EXPECT_DOUBLE_EQ(started[1], 15.0);
  EXPECT_NEAR(ready[1], 15.0 + kNodeStart + kLatency + kWeights / kBandwidth, 1e-6);
  EXPECT_LT(ready[2], 0);  // max_replicas 2
  expect_all_completed(run);
}

TEST(AutoscaleRun, ConcurrentColdStartsShareTheTier) {
  // Target 0.3: ceil(1 x ~1.0 / 0.3) = 4, capped at 3: two starts at t = 15 s read at once, each
  // at half the bandwidth (processor sharing): latency + 2 x bytes / bandwidth.
  const ServingRunResult run = run_serving(autoscaled(4, 3, 0.3), steady(600, 0.2), {});
  std::vector<double> started;
  const std::vector<double> ready = ready_times(run, 4, &started);
  EXPECT_DOUBLE_EQ(started[1], 15.0);
  EXPECT_DOUBLE_EQ(started[2], 15.0);
  const double shared = 15.0 + kNodeStart + kLatency + 2 * kWeights / kBandwidth;
  EXPECT_NEAR(ready[1], shared, 1e-6);
  EXPECT_NEAR(ready[2], shared, 1e-6);
  expect_all_completed(run);
}

scenarios::Scenario knative(double node_start, double retry_timeout) {
  scenarios::Scenario s = autoscaled(2, 2, 0.7);
  scenarios::ServingSpec& serving = *s.serving;
  serving.autoscaler.kind = scenarios::AutoscalerKind::kKnative;
  serving.autoscaler.min_replicas = 0;
  serving.lifecycle.node_start_s = node_start;
  serving.lifecycle.retry_timeout_s = retry_timeout;
  return s;
}

TEST(AutoscaleRun, ScaleToZeroHoldsRequestsUntilAColdStart) {
  // A request a second for a minute, nothing for 9 min, a burst at 600.5 s. Zero only once the
  // stable window (60 s) holds no in-flight sample and the grace period (30 s) has passed after
  // the last one (about 58 s): not before 58 + 60 + 30 - 2 (tick) = 146 s. The burst then waits
  // at the router for a cold start.
  std::vector<RequestRecord> reqs;
  for (int i = 0; i < 59; ++i) reqs.push_back(request(static_cast<uint64_t>(i), i, 500, 200));
  for (int i = 0; i < 10; ++i) reqs.push_back(request(static_cast<uint64_t>(59 + i), 600.5 + 0.01 * i, 500, 50));
  const ServingRunResult run = run_serving(knative(kNodeStart, 600), reqs, {});
  double zero_at = -1;
  for (const TraceReplicaCounter& c : run.trace.replicas) {
    if (c.ready + c.starting + c.draining == 0 && zero_at < 0) zero_at = c.time_s;
  }
  EXPECT_GE(zero_at, 146);
  EXPECT_LT(zero_at, 600);
  expect_all_completed(run);
  // The first request of the burst: held at zero replicas, it pokes the KPA (Knative's activator,
  // MultiScaler.Poke), which starts a replica at once (600.5 s, not at the 602 s tick); the replica
  // is ready one cold start later.
  const double cold = kNodeStart + kLatency + kWeights / kBandwidth;
  EXPECT_NEAR(run.requests[59].first_scheduled_s, 600.5 + cold, 1e-6);
}

TEST(AutoscaleRun, RequestsHeldPastTheRetryTimeoutFailWithAReason) {
  // Cold start (300 s node start) longer than the retry timeout (60 s): the requests that arrive
  // when the fleet is at zero fail, with the reason; none is lost.
  std::vector<RequestRecord> reqs;
  reqs.push_back(request(0, 0, 500, 50));
  reqs.push_back(request(1, 400, 500, 50));
  const ServingRunResult run = run_serving(knative(300, 60), reqs, {});
  EXPECT_EQ(run.requests[0].status, RequestStatus::kCompleted);
  EXPECT_EQ(run.requests[1].status, RequestStatus::kRejected);
  EXPECT_EQ(run.requests[1].reason, "no ready instance within serving.retry_timeout");
  EXPECT_DOUBLE_EQ(run.requests[1].finish_s, 460);
}

}  // namespace
}  // namespace stratum::sim
