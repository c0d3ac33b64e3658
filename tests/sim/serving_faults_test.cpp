// Serving under spot interruptions and failures (issue 8): a scripted failure on a 2-replica
// fleet retries the lost requests on the other replica; at ten times realistic rates every request
// is completed or rejected with a reason and the counts add up; the same seed gives the same run.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "serving_fixture.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {
namespace {

using testing::h100_scenario;
using testing::request;

// `nodes` nodes of one H100 each, one single-GPU replica per node, no autoscaler.
scenarios::Scenario fleet(int nodes) {
  scenarios::Scenario s = h100_scenario("llama-3.1-8b", 1, 1, nodes);
  s.cluster.nodes[0].count = nodes;
  return s;
}

std::vector<RequestRecord> steady(int n, double gap, int64_t input, int64_t output) {
  std::vector<RequestRecord> out;
  for (int i = 0; i < n; ++i) out.push_back(request(static_cast<uint64_t>(i), i * gap, input, output));
  return out;
}

TEST(ServingFaults, ScriptedFailureRetriesLostRequestsOnTheOtherReplica) {
  scenarios::Scenario s = fleet(2);
  s.serving->lifecycle.retry_timeout_s = 600;
  // A GPU failure of node 0 (instance 0) at 5 s, detected 2 s later; the node never returns.
  policies::FaultEvent e;
  e.time_s = 5;
  e.kind = policies::FaultKind::kFailure;
  e.component = scenarios::ComponentKind::kGpu;
  e.nodes = {0};
  e.detected_s = 7;
  const std::vector<policies::FaultEvent> events{e};
  ServingRunOptions options;
  options.faults = &events;
  const ServingRunResult run = run_serving(s, steady(200, 0.05, 1000, 200), options);

  ASSERT_TRUE(run.faults.has_value());
  EXPECT_EQ(run.faults->failures, 1);
  EXPECT_EQ(run.faults->interruptions, 0);
  EXPECT_EQ(run.faults->requests_failed_by_fault, 0);
  int64_t retried = 0, on_zero_before = 0;
  for (const RequestRecord& r : run.requests) {
    EXPECT_EQ(r.status, RequestStatus::kCompleted) << r.id << " " << r.reason;
    if (r.retries > 0) {
      ++retried;
      EXPECT_EQ(r.retries, 1);
      EXPECT_EQ(r.instance, 1) << r.id;               // retried on the other replica
      EXPECT_GE(r.first_scheduled_s, e.detected_s);  // prefilled again after detection
      EXPECT_GE(r.first_token_s, e.detected_s);
    }
    if (r.instance == 0) {
      ++on_zero_before;
      EXPECT_LE(r.finish_s, e.time_s) << r.id;  // nothing finishes on the failed replica later
    }
  }
  EXPECT_GT(retried, 0);
  EXPECT_GT(on_zero_before, 0);
  EXPECT_EQ(run.faults->requests_retried, retried);
  ASSERT_EQ(run.instances.size(), 2u);
  EXPECT_GE(run.instances[0].held_s, 0.0);
  EXPECT_NEAR(run.instances[0].held_s, e.time_s, 1e-9);  // held until its node was lost
}

TEST(ServingFaults, NoReadyReplicaWithinRetryTimeoutRejectsWithTheFault) {
  scenarios::Scenario s = fleet(1);
  s.serving->lifecycle.retry_timeout_s = 30;
  policies::FaultEvent e;
  e.time_s = 2;
  e.notice_s = 0;
  e.kind = policies::FaultKind::kSpotInterruption;
  e.nodes = {0};
  e.detected_s = 2;
  e.back_s = 1000;  // replaced long after the retry timeout
  const std::vector<policies::FaultEvent> events{e};
  ServingRunOptions options;
  options.faults = &events;
  const ServingRunResult run = run_serving(s, steady(100, 0.05, 1000, 500), options);
  ASSERT_TRUE(run.faults.has_value());
  EXPECT_EQ(run.faults->interruptions, 1);
  int64_t failed = 0;
  for (const RequestRecord& r : run.requests) {
    ASSERT_NE(r.status, RequestStatus::kPending) << r.id;
    if (r.status == RequestStatus::kRejected) {
      EXPECT_FALSE(r.reason.empty()) << r.id;
    }
    if (r.status == RequestStatus::kRejected && r.retries > 0) {
      ++failed;
      EXPECT_EQ(r.retries, 1);
      EXPECT_NE(r.reason.find("replica lost to a spot interruption of node 0 at 2"), std::string::npos) << r.reason;
      EXPECT_NEAR(r.finish_s, 32.0, 1e-9);  // sent back at 2 s, rejected 30 s later
    }
    // Arrivals after the loss wait at the router and are rejected 30 s later, with no fault named.
    if (r.arrival_s > e.time_s) {
      EXPECT_EQ(r.status, RequestStatus::kRejected) << r.id;
      EXPECT_EQ(r.retries, 0);
      EXPECT_EQ(r.reason, "no ready instance within serving.retry_timeout");
      EXPECT_NEAR(r.finish_s, r.arrival_s + 30.0, 1e-9);
    }
  }
  EXPECT_GT(failed, 0);
  EXPECT_EQ(run.faults->requests_failed_by_fault, failed);
}

// Ten times realistic rates: Llama 3's component failure rates (Dubey et al. 2024 Table 5, as
// scenarios::llama3_failure_rate_per_gpu_s) scaled by `failure_scale`, and a spot interruption rate
// of 0.5 per node-hour: ten times the 0.05 of scenarios/examples/spot_training_checkpoint.pbtxt,
// itself far above AWS Spot Advisor's top bucket (REFERENCES.md "Spot notice"); GCP's 30 s notice.
scenarios::Scenario faulty(int nodes, double failure_scale) {
  scenarios::Scenario s = fleet(nodes);
  s.seed = 7;
  scenarios::SpotSpec spot;
  spot.interruption_rate = 0.5 / 3600;
  spot.notice_s = 30;
  spot.replacement_delay_s = 600;
  spot.replacement_probability = 0.9;
  s.cluster.spot = spot;
  scenarios::FailureSpec failures;
  failures.scale = failure_scale;
  failures.detection_s = 300;
  failures.recovery_s = 1800;
  for (scenarios::ComponentKind k : {scenarios::ComponentKind::kGpu, scenarios::ComponentKind::kHbm,
                                     scenarios::ComponentKind::kNic, scenarios::ComponentKind::kHost,
                                     scenarios::ComponentKind::kSoftware}) {
    failures.components.push_back({k, scenarios::llama3_failure_rate_per_gpu_s(k)});
  }
  s.cluster.failures = failures;
  s.serving->lifecycle.retry_timeout_s = 300;
  return s;
}

// Every request completed or rejected with a reason; the fault counts match the records.
void expect_conserved(const ServingRunResult& run, size_t requests) {
  ASSERT_TRUE(run.faults.has_value());
  ASSERT_EQ(run.requests.size(), requests);
  int64_t completed = 0, rejected = 0, retried = 0, failed = 0;
  for (const RequestRecord& r : run.requests) {
    ASSERT_NE(r.status, RequestStatus::kPending) << r.id;
    if (r.status == RequestStatus::kCompleted) ++completed;
    if (r.status == RequestStatus::kRejected) {
      ++rejected;
      EXPECT_FALSE(r.reason.empty()) << r.id;
    }
    if (r.retries > 0) ++retried;
    if (r.retries > 0 && r.status == RequestStatus::kRejected) {
      ++failed;
      EXPECT_NE(r.reason.find("replica lost to a"), std::string::npos) << r.reason;
    }
  }
  EXPECT_EQ(completed + rejected, static_cast<int64_t>(requests));
  EXPECT_EQ(run.faults->requests_retried, retried);
  EXPECT_EQ(run.faults->requests_failed_by_fault, failed);
  ::testing::Test::RecordProperty("interruptions", std::to_string(run.faults->interruptions));
  ::testing::Test::RecordProperty("failures", std::to_string(run.faults->failures));
  ::testing::Test::RecordProperty("requests_retried", std::to_string(retried));
  ::testing::Test::RecordProperty("requests_failed_by_fault", std::to_string(failed));
  ::testing::Test::RecordProperty("rejected", std::to_string(rejected));
}

TEST(ServingFaults, TenTimesRealisticRatesLoseNoRequest) {
  // Eight nodes for four hours: 16 spot interruptions expected; failures (10 x Llama 3) are rare.
  const std::vector<RequestRecord> requests = steady(2400, 6.0, 500, 400);
  const ServingRunResult run = run_serving(faulty(8, 10), requests, {});
  expect_conserved(run, requests.size());
  EXPECT_GT(run.faults->interruptions, 0);
}

// What one run's records say, exactly (hexadecimal floats).
std::string digest(const ServingRunResult& run) {
  std::string out;
  char buf[96];
  for (const RequestRecord& r : run.requests) {
    std::snprintf(buf, sizeof buf, "%d %d %a %a|", r.instance, r.retries, r.first_token_s, r.finish_s);
    out += buf;
  }
  return out + std::to_string(run.faults->interruptions) + " " + std::to_string(run.faults->failures);
}

TEST(ServingFaults, FrequentFailuresAreRetriedConservedAndDeterministic) {
  // Stress, far beyond realistic: failures at 20000 x Llama 3's rates (about 0.4 per GPU-hour).
  const scenarios::Scenario s = faulty(4, 20000);
  const std::vector<RequestRecord> requests = steady(14400, 1.0, 500, 400);  // busy replicas
  // The same scenario and seed in a second process (one SimGrid engine per process).
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    const std::string d = digest(run_serving(s, requests, {}));
    const ssize_t written = write(fds[1], d.data(), d.size());
    _exit(written == static_cast<ssize_t>(d.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string other;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) other.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  const ServingRunResult run = run_serving(s, requests, {});
  expect_conserved(run, requests.size());
  EXPECT_GT(run.faults->failures, 0);
  EXPECT_GT(run.faults->requests_retried, 0);
  EXPECT_EQ(digest(run), other);
}

}  // namespace
}  // namespace stratum::sim
