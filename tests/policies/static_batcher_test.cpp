#include "stratum/policies/static_batcher.hpp"

#include <gtest/gtest.h>

#include <random>

#include "driver.hpp"

namespace stratum::policies {
namespace {

using testing::drive;

scenarios::SchedulerSpec spec(int batch, double timeout_s) {
  scenarios::SchedulerSpec s;
  s.kind = scenarios::SchedulerKind::kStatic;
  s.static_batch_size = batch;
  s.static_batch_timeout_s = timeout_s;
  s.max_batched_tokens = 8192;
  s.block_size_tokens = 16;
  return s;
}

SequenceRequest req(uint64_t id, int64_t prompt, int64_t output, double at) {
  SequenceRequest r;
  r.id = id;
  r.prompt_tokens = prompt;
  r.output_tokens = output;
  r.arrival_s = at;
  return r;
}

TEST(StaticBatcher, WaitsForTheTimeoutThenPadsToTheLongestPromptAndOutput) {
  const auto s = spec(4, 0.1);
  StaticBatcher b(s, 1000, 4096);
  ASSERT_TRUE(b.enqueue(req(1, 100, 3, 0.0)));
  ASSERT_TRUE(b.enqueue(req(2, 40, 5, 0.02)));
  EXPECT_TRUE(b.next_batch(0.05).empty());  // two of four, oldest waited 0.05 s
  EXPECT_DOUBLE_EQ(b.next_wakeup_s(), 0.1);
  EXPECT_TRUE(b.next_batch(0.0999).empty());

  const Batch prefill = b.next_batch(0.1);
  ASSERT_EQ(prefill.entries.size(), 2u);
  for (const BatchEntry& e : prefill.entries) {
    EXPECT_TRUE(e.prefill);
    EXPECT_EQ(e.new_tokens, 100);  // padded to the longest prompt
  }
  EXPECT_EQ(prefill.prefill_tokens, 200);
  // Every slot reserves the padded length up front (FasterTransformer): 2 x ceil((100 + 5) / 16).
  EXPECT_EQ(b.stats().kv_blocks_used, 2 * 7);
  const IterationOutcome first = b.complete(prefill);
  EXPECT_EQ(first.first_token, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(first.tokens_emitted, 2);
  EXPECT_TRUE(first.finished.empty());

  // A request arriving now does not join the running batch.
  ASSERT_TRUE(b.enqueue(req(3, 10, 1, 0.11)));
  int64_t emitted = first.tokens_emitted;
  int decode_iterations = 0;
  std::vector<uint64_t> finished;
  while (finished.empty()) {
    const Batch d = b.next_batch(0.2);
    ASSERT_EQ(d.entries.size(), 2u);
    EXPECT_EQ(d.decode_tokens, 2);
    EXPECT_EQ(d.entries[0].context_before, 100 + decode_iterations);
    const IterationOutcome o = b.complete(d);
    emitted += o.tokens_emitted;
    finished = o.finished;
    ++decode_iterations;
  }
  EXPECT_EQ(decode_iterations, 4);  // longest output 5: one token at prefill, four decodes
  EXPECT_EQ(finished, (std::vector<uint64_t>{1, 2}));  // returned together
  EXPECT_EQ(emitted, 3 + 5);  // padding slots emit nothing
  EXPECT_EQ(b.stats().kv_blocks_used, 0);
  EXPECT_TRUE(b.has_work());  // request 3 waits for its own batch
}

TEST(StaticBatcher, AFullBatchStartsAtOnceAndTheRestWait) {
  const auto s = spec(4, 10.0);
  StaticBatcher b(s, 1000, 4096);
  for (uint64_t id = 1; id <= 6; ++id) ASSERT_TRUE(b.enqueue(req(id, 20, 2, 0)));
  const Batch first = b.next_batch(0);
  ASSERT_EQ(first.entries.size(), 4u);
  EXPECT_EQ(first.entries[0].id, 1u);
  EXPECT_EQ(first.entries[3].id, 4u);
  EXPECT_EQ(b.stats().waiting, 2);
}

TEST(StaticBatcher, KvReservationAndPaddedPrefillLimitTheBatch) {
  auto s = spec(8, 0.0);
  StaticBatcher b(s, 20, 4096);  // 320 tokens of cache
  for (uint64_t id = 1; id <= 4; ++id) ASSERT_TRUE(b.enqueue(req(id, 100, 12, 0)));  // 7 blocks each
  EXPECT_EQ(b.next_batch(0).entries.size(), 2u);
  s.max_batched_tokens = 250;
  StaticBatcher narrow(s, 1000, 4096);
  for (uint64_t id = 1; id <= 4; ++id) ASSERT_TRUE(narrow.enqueue(req(id, 100, 12, 0)));
  EXPECT_EQ(narrow.next_batch(0).entries.size(), 2u);  // 3 x 100 padded tokens > 250
  EXPECT_FALSE(narrow.enqueue(req(9, 300, 1, 0)));
  EXPECT_FALSE(b.enqueue(req(10, 300, 30, 0)));  // 21 blocks > 20
  EXPECT_EQ(b.take_rejections().size(), 1u);

  // Padding, not the true lengths, decides: alone each request needs 7 or 13 blocks, but batched
  // both slots reserve the longest prompt + longest output, 2 x ceil(300 / 16) = 38 > 30.
  StaticBatcher padded(spec(8, 0.0), 30, 4096);
  ASSERT_TRUE(padded.enqueue(req(1, 100, 3, 0)));
  ASSERT_TRUE(padded.enqueue(req(2, 10, 200, 0)));
  EXPECT_EQ(padded.next_batch(0).entries.size(), 1u);
  EXPECT_EQ(padded.stats().kv_blocks_used, 7);
}

TEST(StaticBatcher, ConservesRequestsAndTokensOverARandomWorkload) {
  const auto s = spec(8, 0.05);
  StaticBatcher b(s, 200, 4096);
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> prompt(1, 500), output(1, 300);
  std::uniform_real_distribution<double> gap(0.0, 0.05);
  std::vector<SequenceRequest> reqs;
  double t = 0;
  for (uint64_t id = 1; id <= 200; ++id) {
    t += gap(rng);
    reqs.push_back(req(id, prompt(rng), output(rng), t));
  }
  const testing::Run run = drive(b, reqs, s);
  int64_t expected = 0;
  for (const SequenceRequest& r : reqs) {
    const int done = run.finished.count(r.id) ? run.finished.at(r.id) : 0;
    const int rejected = run.rejected.count(r.id) ? run.rejected.at(r.id) : 0;
    ASSERT_EQ(done + rejected, 1) << r.id;
    if (done) expected += r.output_tokens;
  }
  EXPECT_EQ(run.tokens_emitted, expected);
  for (const Batch& batch : run.batches) EXPECT_LE(batch.entries.size(), 8u);
  // Batches start only when full or when their oldest request has waited the timeout.
  size_t batch_index = 0;
  for (size_t i = 0; i < run.batches.size(); ++i) {
    if (!run.batches[i].entries[0].prefill) continue;
    ++batch_index;
    const uint64_t oldest = run.batches[i].entries[0].id;
    const bool full = run.batches[i].entries.size() == 8u;
    if (!full) {
      EXPECT_GE(run.batch_start_s[i] + 1e-12, reqs[oldest - 1].arrival_s + 0.05) << oldest;
    }
  }
  EXPECT_GT(batch_index, 10u);
}

TEST(StaticBatcher, UnknownArrivalIsStampedAtTheNextCall) {
  StaticBatcher b(spec(4, 0.5), 100, 4096);
  ASSERT_TRUE(b.enqueue(req(1, 10, 2, -1)));
  EXPECT_LT(b.next_wakeup_s(), 0);
  EXPECT_TRUE(b.next_batch(5.0).empty());
  EXPECT_DOUBLE_EQ(b.next_wakeup_s(), 5.5);
  EXPECT_EQ(b.next_batch(5.5).entries.size(), 1u);
}

}  // namespace
}  // namespace stratum::policies
