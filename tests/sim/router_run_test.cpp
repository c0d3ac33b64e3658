// serving.router in a whole serving run: every policy accounts for every request, and the
// policies' defining behaviour survives the engine (each TEST runs in its own process under
// ctest: one SimGrid engine per process).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "serving_fixture.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {
namespace {

using testing::h100_scenario;
using testing::request;

constexpr int kInstances = 4;
constexpr int kRequests = 800;

// 800 requests at 40 /s on four Llama-3.1-8B instances (queues build up), plus one that can
// never fit the model's context and must be rejected.
std::vector<RequestRecord> workload() {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> len(1, 3000);
  std::vector<RequestRecord> out;
  for (int i = 0; i < kRequests; ++i) out.push_back(request(i, i * 0.025, len(rng), len(rng) / 8 + 1));
  out.push_back(request(kRequests, kRequests * 0.025, 500000, 10));
  return out;
}

// Runs `kind`, checks conservation and returns requests per instance.
std::vector<int> run_and_count(scenarios::RouterKind kind) {
  scenarios::Scenario s = h100_scenario("llama-3.1-8b", kInstances, 1, kInstances);
  s.serving->router.kind = kind;
  const std::vector<RequestRecord> requests = workload();
  const ServingRunResult run = run_serving(s, requests, {});
  EXPECT_EQ(run.requests.size(), requests.size());
  std::vector<int> per_instance(kInstances, 0);
  int completed = 0, rejected = 0;
  for (const RequestRecord& r : run.requests) {
    EXPECT_NE(r.status, RequestStatus::kPending) << "request " << r.id << " vanished";
    completed += r.status == RequestStatus::kCompleted;
    rejected += r.status == RequestStatus::kRejected;
    EXPECT_GE(r.instance, 0);
    EXPECT_LT(r.instance, kInstances);
    if (r.instance >= 0 && r.instance < kInstances) ++per_instance[r.instance];
  }
  EXPECT_EQ(completed + rejected, static_cast<int>(requests.size()));
  EXPECT_EQ(rejected, 1);
  EXPECT_EQ(run.requests.back().status, RequestStatus::kRejected);
  for (int i = 0; i < kInstances; ++i) EXPECT_GT(per_instance[i], 0) << "instance " << i << " got nothing";
  return per_instance;
}

int spread(const std::vector<int>& counts) {
  return *std::max_element(counts.begin(), counts.end()) - *std::min_element(counts.begin(), counts.end());
}

TEST(RouterRun, RoundRobinAccountsForEveryRequestAndSplitsThemEvenly) {
  EXPECT_LE(spread(run_and_count(scenarios::RouterKind::kRoundRobin)), 1);
}

TEST(RouterRun, LeastOutstandingAccountsForEveryRequest) {
  run_and_count(scenarios::RouterKind::kLeastOutstanding);
}

TEST(RouterRun, LeastKvLoadAccountsForEveryRequest) { run_and_count(scenarios::RouterKind::kLeastKvLoad); }

TEST(RouterRun, PowerOfTwoAccountsForEveryRequest) { run_and_count(scenarios::RouterKind::kPowerOfTwo); }

TEST(RouterRun, PrefixAwareWithoutPrefixesAccountsForEveryRequest) {
  run_and_count(scenarios::RouterKind::kPrefixAware);
}

// Seven conversations of 40 turns each (seven, so that round-robin tie-breaking over four
// instances cannot keep them together by accident), interleaved; a turn's prefix blocks extend its
// conversation's (as Mooncake's hash_ids do). Every turn of a conversation lands where the
// first one did, and the first turns spread over the instances.
TEST(RouterRun, PrefixAwareKeepsEachConversationOnOneInstance) {
  scenarios::Scenario s = h100_scenario("llama-3.1-8b", kInstances, 1, kInstances);
  s.serving->router.kind = scenarios::RouterKind::kPrefixAware;
  constexpr int kConversations = 7, kTurns = 40;
  std::vector<RequestRecord> requests;
  RequestPrefixes prefixes;
  prefixes.offsets.push_back(0);
  for (int t = 0; t < kTurns; ++t) {
    for (int c = 0; c < kConversations; ++c) {
      const uint64_t id = requests.size();
      requests.push_back(request(id, static_cast<double>(id) * 0.05, 128 * (t + 1), 16));
      for (int b = 0; b <= t; ++b) prefixes.ids.push_back(static_cast<uint64_t>(c) * 1000 + b);
      prefixes.offsets.push_back(prefixes.ids.size());
    }
  }
  ServingRunOptions options;
  options.prefixes = &prefixes;
  const ServingRunResult run = run_serving(s, requests, options);
  std::map<int, std::set<int>> instances_of;  // conversation -> instances it was routed to
  for (const RequestRecord& r : run.requests) {
    EXPECT_EQ(r.status, RequestStatus::kCompleted) << r.id;
    instances_of[static_cast<int>(r.id % kConversations)].insert(r.instance);
  }
  std::vector<int> conversations_per_instance(kInstances, 0);
  for (const auto& [c, set] : instances_of) {
    EXPECT_EQ(set.size(), 1u) << "conversation " << c << " was split";
    ++conversations_per_instance[*set.begin()];
  }
  EXPECT_EQ(conversations_per_instance, (std::vector<int>{2, 2, 2, 1}));  // first turns: idle, in turn
}

}  // namespace
}  // namespace stratum::sim
