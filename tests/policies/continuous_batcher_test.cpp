#include "stratum/policies/continuous_batcher.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <stdexcept>

#include "driver.hpp"
#include "stratum/policies/batching.hpp"
#include "stratum/policies/static_batcher.hpp"

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

SequenceRequest req(uint64_t id, int64_t prompt, int64_t output, double at = 0) {
  SequenceRequest r;
  r.id = id;
  r.prompt_tokens = prompt;
  r.output_tokens = output;
  r.arrival_s = at;
  return r;
}

TEST(ContinuousBatcher, WithoutChunkingIterationsArePrefillOnlyOrDecodeOnlyInFcfsOrder) {
  const auto s = spec(4, 100, false);
  ContinuousBatcher b(s, 1000, 4096);
  std::vector<SequenceRequest> reqs;
  for (uint64_t id = 1; id <= 6; ++id) reqs.push_back(req(id, 30, 3));
  const testing::Run run = drive(b, reqs, s);
  ASSERT_GE(run.batches.size(), 3u);
  // Three 30-token prompts fit the 100-token budget, the fourth does not.
  ASSERT_EQ(run.batches[0].entries.size(), 3u);
  EXPECT_EQ(run.batches[0].prefill_tokens, 90);
  EXPECT_EQ(run.batches[1].entries.size(), 1u);  // prompt 4 still fits max_num_seqs = 4
  EXPECT_EQ(run.batches[1].entries[0].id, 4u);
  EXPECT_EQ(run.batches[2].decode_tokens, 4);  // full: decode everyone
  for (const Batch& batch : run.batches) {
    EXPECT_TRUE(batch.prefill_tokens == 0 || batch.decode_tokens == 0);
    EXPECT_LE(batch.entries.size(), 4u);
  }
  EXPECT_EQ(run.first_token_order, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(run.tokens_emitted, 18);
  EXPECT_EQ(b.preemptions(), 0);
}

TEST(ContinuousBatcher, DecodeContextCountsCachedTokens) {
  const auto s = spec(4, 100, false);
  ContinuousBatcher b(s, 1000, 4096);
  const testing::Run run = drive(b, {req(7, 20, 3)}, s);
  ASSERT_EQ(run.batches.size(), 3u);
  EXPECT_EQ(run.batches[0].entries[0].new_tokens, 20);
  EXPECT_EQ(run.batches[1].entries[0].context_before, 20);  // feeds token 1
  EXPECT_EQ(run.batches[2].entries[0].context_before, 21);
  EXPECT_EQ(run.outcomes[0].first_token, std::vector<uint64_t>{7});
  EXPECT_EQ(run.outcomes[2].finished, std::vector<uint64_t>{7});
}

TEST(ContinuousBatcher, SingleOutputTokenFinishesAtPrefill) {
  const auto s = spec(4, 100, false);
  ContinuousBatcher b(s, 1000, 4096);
  const testing::Run run = drive(b, {req(1, 50, 1)}, s);
  ASSERT_EQ(run.batches.size(), 1u);
  EXPECT_EQ(run.outcomes[0].first_token, std::vector<uint64_t>{1});
  EXPECT_EQ(run.outcomes[0].finished, std::vector<uint64_t>{1});
}

TEST(ContinuousBatcher, RejectsWithTheNumbers) {
  const auto s = spec(4, 100, false);
  ContinuousBatcher b(s, 10, 200);  // 10 blocks of 16 = 160 tokens
  EXPECT_FALSE(b.enqueue(req(1, 150, 60)));  // 210 > max_model_len 200
  EXPECT_FALSE(b.enqueue(req(2, 120, 5)));   // prompt > max_batched_tokens without chunking
  EXPECT_FALSE(b.enqueue(req(3, 90, 80)));   // 170 tokens = 11 blocks > 10
  EXPECT_FALSE(b.enqueue(req(4, 0, 5)));
  EXPECT_TRUE(b.enqueue(req(5, 90, 70)));    // 160 tokens = 10 blocks
  const std::vector<Rejection> r = b.take_rejections();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].id, 1u);
  EXPECT_NE(r[0].reason.find("max_model_len 200"), std::string::npos) << r[0].reason;
  EXPECT_NE(r[1].reason.find("max_batched_tokens 100"), std::string::npos) << r[1].reason;
  EXPECT_NE(r[2].reason.find("11 KV blocks"), std::string::npos) << r[2].reason;
  EXPECT_TRUE(b.take_rejections().empty());
  // With chunked prefill a long prompt is accepted.
  ContinuousBatcher chunked(spec(4, 100, true), 1000, 4096);
  EXPECT_TRUE(chunked.enqueue(req(2, 120, 5)));
}

TEST(ContinuousBatcher, WatermarkKeepsOnePercentFreeOnAdmission) {
  const auto s = spec(8, 4096, false);
  ContinuousBatcher b(s, 200, 8192);  // watermark int(0.01 x 200) = 2 blocks
  EXPECT_EQ(b.watermark_blocks(), 2);
  ASSERT_TRUE(b.enqueue(req(1, 16 * 150, 1)));  // 150 blocks
  ASSERT_TRUE(b.enqueue(req(2, 16 * 49, 1)));   // 49 more would leave 1 < 2 free
  const Batch first = b.next_batch(0);
  ASSERT_EQ(first.entries.size(), 1u);
  EXPECT_EQ(b.stats().kv_blocks_used, 150);
  b.complete(first);
  const Batch second = b.next_batch(0.01);
  ASSERT_EQ(second.entries.size(), 1u);
  EXPECT_EQ(second.entries[0].id, 2u);
}

TEST(ContinuousBatcher, ChunkedPrefillSplitsALongPrompt) {
  const auto s = spec(8, 512, true);
  ContinuousBatcher b(s, 1000, 8192);
  const testing::Run run = drive(b, {req(1, 2000, 2)}, s);
  ASSERT_EQ(run.batches.size(), 5u);
  const int64_t chunks[4][2] = {{512, 0}, {512, 512}, {512, 1024}, {464, 1536}};
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(run.batches[i].entries.size(), 1u);
    EXPECT_TRUE(run.batches[i].entries[0].prefill);
    EXPECT_EQ(run.batches[i].entries[0].new_tokens, chunks[i][0]);
    EXPECT_EQ(run.batches[i].entries[0].context_before, chunks[i][1]);
    EXPECT_EQ(run.outcomes[i].tokens_emitted, i == 3 ? 1 : 0);
  }
  EXPECT_EQ(run.outcomes[3].first_token, std::vector<uint64_t>{1});
  EXPECT_EQ(run.batches[4].entries[0].context_before, 2000);
  EXPECT_EQ(run.finished.at(1), 1);
}

TEST(ContinuousBatcher, ChunkedPrefillSchedulesDecodesFirst) {
  const auto s = spec(8, 512, true);
  ContinuousBatcher b(s, 1000, 8192);
  const testing::Run run = drive(b, {req(1, 10, 50, 0), req(2, 2000, 1, 0.05)}, s);
  bool mixed = false;
  for (const Batch& batch : run.batches) {
    if (batch.entries.size() != 2) continue;
    mixed = true;
    EXPECT_EQ(batch.entries[0].id, 1u);
    EXPECT_FALSE(batch.entries[0].prefill);
    EXPECT_EQ(batch.entries[1].id, 2u);
    EXPECT_TRUE(batch.entries[1].prefill);
    EXPECT_LE(batch.entries[1].new_tokens, 511);
    if (batch.entries[1].context_before == 0) {
      EXPECT_EQ(batch.entries[1].new_tokens, 511);
    }
  }
  EXPECT_TRUE(mixed);
  EXPECT_EQ(run.tokens_emitted, 51);
}

TEST(ContinuousBatcher, PreemptsTheNewestByRecomputeWhenDecodeNeedsABlock) {
  const auto s = spec(4, 256, false);
  ContinuousBatcher b(s, 8, 1024);  // 128 tokens of cache, watermark 0
  const testing::Run run = drive(b, {req(1, 48, 40), req(2, 48, 40)}, s);
  EXPECT_EQ(b.preemptions(), 1);
  EXPECT_EQ(run.preempted.count(1), 0u);
  EXPECT_EQ(run.preempted.at(2), 1);
  EXPECT_EQ(run.finish_order, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(run.first_tokens.at(2), 1);  // the re-prefill emits the next token, not a new first one
  EXPECT_EQ(run.tokens_emitted, 80);
  // Request 2 re-prefilled its prompt plus the tokens it had generated: 48 + 17 (its blocks ran
  // out when both sequences reached 64 cached tokens plus the next).
  int64_t longest_prefill = 0;
  for (const Batch& batch : run.batches)
    for (const BatchEntry& e : batch.entries)
      if (e.id == 2 && e.prefill) longest_prefill = std::max(longest_prefill, e.new_tokens);
  EXPECT_EQ(longest_prefill, 48 + 17);
}

// Index of the first batch in which `id` has a prefill entry after `from`.
size_t prefill_batch(const testing::Run& run, uint64_t id, size_t from) {
  for (size_t i = from; i < run.batches.size(); ++i)
    for (const BatchEntry& e : run.batches[i].entries)
      if (e.id == id && e.prefill) return i;
  return run.batches.size();
}

size_t preemption_batch(const testing::Run& run, uint64_t id) {
  for (size_t i = 0; i < run.outcomes.size(); ++i)
    for (uint64_t p : run.outcomes[i].preempted)
      if (p == id) return i;
  return run.outcomes.size();
}

TEST(ContinuousBatcher, PreemptedSequenceReturnsAheadOfLaterArrivals) {
  const auto s = spec(4, 256, false);
  ContinuousBatcher b(s, 8, 1024);
  // Request 3 (3 blocks) arrives while 1 and 2 hold all but two blocks; when 2 is preempted three
  // blocks free up, but 2 is first in line again and needs five.
  const testing::Run run = drive(b, {req(1, 48, 40), req(2, 48, 40), req(3, 40, 2, 0.001)}, s);
  const size_t preempted_at = preemption_batch(run, 2);
  ASSERT_LT(preempted_at, run.batches.size());
  EXPECT_GE(prefill_batch(run, 3, 0), prefill_batch(run, 2, preempted_at));
  EXPECT_EQ(run.tokens_emitted, 82);
}

TEST(ContinuousBatcher, ChunkedIterationThatPreemptsAdmitsNobody) {
  const auto s = spec(4, 256, true);
  ContinuousBatcher b(s, 8, 1024);
  const testing::Run run = drive(b, {req(1, 48, 40), req(2, 48, 40), req(3, 8, 2, 0.001)}, s);
  const size_t preempted_at = preemption_batch(run, 2);
  ASSERT_LT(preempted_at, run.batches.size());
  for (const BatchEntry& e : run.batches[preempted_at].entries) EXPECT_NE(e.id, 3u);
  EXPECT_EQ(run.tokens_emitted, 82);
}

struct PropertyCase {
  bool chunked;
  uint64_t seed;
};

class ContinuousBatcherProperty : public ::testing::TestWithParam<PropertyCase> {};

TEST_P(ContinuousBatcherProperty, EveryRequestFinishesOrIsRejectedAndTokensAreConserved) {
  const auto s = spec(16, 512, GetParam().chunked);
  ContinuousBatcher b(s, 24, 1024);  // 384 tokens of cache: constant preemption
  std::mt19937_64 rng(GetParam().seed);
  std::uniform_int_distribution<int64_t> prompt(1, 300), output(1, 200);
  std::uniform_real_distribution<double> gap(0.0, 0.02);
  std::vector<SequenceRequest> reqs;
  double t = 0;
  for (uint64_t id = 1; id <= 400; ++id) {
    t += gap(rng);
    reqs.push_back(req(id, prompt(rng), output(rng), t));
  }
  const testing::Run run = drive(b, reqs, s);
  int64_t expected_tokens = 0;
  for (const SequenceRequest& r : reqs) {
    const int done = run.finished.count(r.id) ? run.finished.at(r.id) : 0;
    const int rejected = run.rejected.count(r.id) ? run.rejected.at(r.id) : 0;
    ASSERT_EQ(done + rejected, 1) << "request " << r.id;
    if (done) {
      expected_tokens += r.output_tokens;
      EXPECT_EQ(run.first_tokens.at(r.id), 1) << r.id;
    } else {
      EXPECT_GT(r.prompt_tokens + r.output_tokens, 24 * 16) << r.id;
    }
  }
  EXPECT_EQ(run.tokens_emitted, expected_tokens);
  EXPECT_GT(b.preemptions(), 10);
  EXPECT_GT(run.rejected.size(), 10u);
  for (const Batch& batch : run.batches) EXPECT_LE(batch.entries.size(), 16u);
  EXPECT_EQ(b.stats().kv_blocks_used, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ContinuousBatcherProperty,
                         ::testing::Values(PropertyCase{false, 1}, PropertyCase{true, 1}, PropertyCase{false, 7},
                                           PropertyCase{true, 7}),
                         [](const ::testing::TestParamInfo<PropertyCase>& param_info) {
                           return std::string(param_info.param.chunked ? "chunked" : "whole") + "_seed" +
                                  std::to_string(param_info.param.seed);
                         });

TEST(ContinuousBatcher, NextBatchTwiceWithoutCompleteIsAnError) {
  ContinuousBatcher b(spec(4, 100, false), 100, 1000);
  ASSERT_TRUE(b.enqueue(req(1, 10, 5)));
  (void)b.next_batch(0);
  EXPECT_THROW((void)b.next_batch(0), std::logic_error);
}

TEST(BatcherFactory, BuildsTheNamedPolicy) {
  scenarios::SchedulerSpec s;
  EXPECT_NE(dynamic_cast<ContinuousBatcher*>(make_batcher(s, 100, 1000).get()), nullptr);
  s.kind = scenarios::SchedulerKind::kStatic;
  EXPECT_NE(dynamic_cast<StaticBatcher*>(make_batcher(s, 100, 1000).get()), nullptr);
}

}  // namespace
}  // namespace stratum::policies
