// Priority scheduling in the continuous batcher (vLLM --scheduling-policy priority): waiting order
// and preemption victims.
#include <gtest/gtest.h>

#include <random>

#include "driver.hpp"
#include "stratum/policies/continuous_batcher.hpp"

namespace stratum::policies {
namespace {

using testing::drive;


scenarios::SchedulerSpec spec(int max_seqs, int64_t max_tokens, bool chunked) {
  scenarios::SchedulerSpec s;
  s.max_num_seqs = max_seqs;
  s.max_batched_tokens = max_tokens;
  s.chunked_prefill = chunked;
  s.block_size_tokens = 16;
  return s;
}

SequenceRequest req(uint64_t id, int64_t prompt, int64_t output, int priority, double at = 0) {
  SequenceRequest r;
  r.id = id;
  r.prompt_tokens = prompt;
  r.output_tokens = output;
  r.arrival_s = at;
  r.priority = priority;
  return r;
}

TEST(PriorityBatcher, WaitingQueueServesHigherPriorityFirstFcfsWithin) {
  const auto s = spec(1, 100, false);
  ContinuousBatcher b(s, 1000, 4096);
  const auto run = drive(b, {req(1, 10, 2, 0), req(2, 10, 2, 0), req(3, 10, 2, 1), req(4, 10, 2, 2), req(5, 10, 2, 1)}, s);
  EXPECT_EQ(run.first_token_order, (std::vector<uint64_t>{4, 3, 5, 1, 2}));
}

TEST(PriorityBatcher, OnePriorityIsFcfs) {
  const auto s = spec(1, 100, false);
  ContinuousBatcher b(s, 1000, 4096);
  const auto run = drive(b, {req(1, 10, 2, 3), req(2, 10, 2, 3), req(3, 10, 2, 3)}, s);
  EXPECT_EQ(run.first_token_order, (std::vector<uint64_t>{1, 2, 3}));
}

TEST(PriorityBatcher, QueuedPrefillTokensCountOnlyTheRequestsAhead) {
  const auto s = spec(1, 100, false);
  ContinuousBatcher b(s, 1000, 4096);
  b.enqueue(req(1, 30, 2, 0));
  b.enqueue(req(2, 20, 2, 1));
  b.enqueue(req(3, 5, 2, 2));
  EXPECT_EQ(b.queued_prefill_tokens(0), 55);
  EXPECT_EQ(b.queued_prefill_tokens(1), 25);
  EXPECT_EQ(b.queued_prefill_tokens(2), 5);
  const Batch& batch = b.next_batch(0);  // request 3 (priority 2) first
  ASSERT_EQ(batch.entries.size(), 1u);
  EXPECT_EQ(batch.entries[0].id, 3u);
  b.complete(batch);
  EXPECT_EQ(b.queued_prefill_tokens(0), 50);
  EXPECT_EQ(b.queued_prefill_tokens(2), 0);
}

// Two sequences of 64-token prompts in a 10-block cache (16 tokens each, no watermark at this
// size): both fit until their sixth block. The first admitted has priority `first`, the second
// `second`; returns the ids preempted when the cache runs out.
std::vector<uint64_t> preempted_when_full(int first, int second) {
  const auto s = spec(4, 256, false);
  ContinuousBatcher b(s, 10, 4096);
  std::vector<uint64_t> out;
  auto step = [&] {
    const Batch& batch = b.next_batch(0);
    const IterationOutcome& o = b.complete(batch);
    out.insert(out.end(), o.preempted.begin(), o.preempted.end());
  };
  b.enqueue(req(1, 64, 60, first));
  step();  // prefill of 1
  b.enqueue(req(2, 64, 60, second));
  step();  // prefill of 2
  for (int i = 0; i < 20 && out.empty(); ++i) step();
  return out;
}

TEST(PriorityBatcher, PreemptsTheLatestAdmittedWithinOnePriority) {
  EXPECT_EQ(preempted_when_full(0, 0), (std::vector<uint64_t>{2}));
}

TEST(PriorityBatcher, PreemptsTheLowerPriorityEvenWhenOlder) {
  // Request 1 is older but of lower priority: it gives up its blocks, request 2 keeps decoding.
  EXPECT_EQ(preempted_when_full(0, 1), (std::vector<uint64_t>{1}));
  EXPECT_EQ(preempted_when_full(1, 0), (std::vector<uint64_t>{2}));
}

TEST(PriorityBatcher, RandomPrioritiesUnderMemoryPressureServeEveryRequestOnce) {
  for (bool chunked : {false, true}) {
    // A budget above any prompt + output (250): no re-prefill is too long to schedule, none rejected.
    const auto s = spec(8, 256, chunked);
    ContinuousBatcher b(s, 40, 4096);
    std::mt19937_64 rng(11);
    std::vector<SequenceRequest> reqs;
    for (uint64_t id = 0; id < 200; ++id) {
      reqs.push_back(req(id, 1 + static_cast<int64_t>(rng() % 100), 1 + static_cast<int64_t>(rng() % 150),
                         static_cast<int>(rng() % 3), 0.002 * static_cast<double>(id)));
    }
    const auto run = drive(b, reqs, s);
    EXPECT_EQ(run.finished.size(), reqs.size()) << chunked;
    EXPECT_TRUE(run.rejected.empty()) << chunked;
    for (const auto& [id, n] : run.finished) EXPECT_EQ(n, 1) << id;
    int64_t expected = 0;
    for (const auto& r : reqs) {
      if (run.finished.count(r.id)) expected += r.output_tokens;
    }
    EXPECT_EQ(run.tokens_emitted, expected) << chunked;
    EXPECT_FALSE(run.preempted.empty()) << "the test should exercise preemption";
    EXPECT_EQ(b.queued_prefill_tokens(0), 0);
    EXPECT_EQ(b.stats().kv_blocks_used, 0);
  }
}

TEST(PriorityBatcher, RejectsPrioritiesOutOfRange) {
  const auto s = spec(1, 100, false);
  ContinuousBatcher b(s, 1000, 4096);
  EXPECT_THROW(b.enqueue(req(1, 10, 2, kPriorityLevels)), std::invalid_argument);
  EXPECT_THROW(b.enqueue(req(1, 10, 2, -1)), std::invalid_argument);
}

}  // namespace
}  // namespace stratum::policies
