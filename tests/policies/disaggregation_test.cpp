// Prefill-decode disaggregation decisions (policies/disaggregation.hpp) and the continuous
// batcher's prefill_only and prefilled sequences (policies/src/continuous_disagg.cpp).
#include "stratum/policies/disaggregation.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "stratum/policies/continuous_batcher.hpp"
#include "stratum/policies/static_batcher.hpp"
#include "stratum/scenarios/catalog.hpp"

namespace stratum::policies {
namespace {

scenarios::SchedulerSpec spec(int max_seqs = 8, int64_t max_tokens = 4096, bool chunked = false) {
  scenarios::SchedulerSpec s;
  s.max_num_seqs = max_seqs;
  s.max_batched_tokens = max_tokens;
  s.chunked_prefill = chunked;
  s.block_size_tokens = 16;
  return s;
}

SequenceRequest req(uint64_t id, int64_t prompt, int64_t output) {
  SequenceRequest r;
  r.id = id;
  r.prompt_tokens = prompt;
  r.output_tokens = output;
  r.arrival_s = 0;
  return r;
}

scenarios::ModelSpec model(int64_t layers, int64_t kv_heads) {
  scenarios::ModelSpec m;
  m.id = "test";
  m.layers = layers;
  m.heads = 32;
  m.kv_heads = kv_heads;
  m.head_dim = 128;
  return m;
}

int64_t total_cells(const std::vector<KvShardTransfer>& map) {
  int64_t n = 0;
  for (const auto& t : map) n += t.cells;
  return n;
}

TEST(KvShardMap, EqualLayoutsSendRankToRank) {
  const auto map = kv_shard_map(model(32, 8), {4, 1}, {4, 1});
  ASSERT_EQ(map.size(), 4u);
  for (int r = 0; r < 4; ++r) EXPECT_EQ(map[static_cast<size_t>(r)], (KvShardTransfer{r, r, 32 * 2}));
}

TEST(KvShardMap, SmallerPrefillFeedsTwoDecodeRanksEach) {
  const auto map = kv_shard_map(model(32, 8), {2, 1}, {4, 1});
  const std::vector<KvShardTransfer> expected{{0, 0, 64}, {0, 1, 64}, {1, 2, 64}, {1, 3, 64}};
  EXPECT_EQ(map, expected);
}

TEST(KvShardMap, LargerPrefillConvergesOnFewerDecodeRanks) {
  const auto map = kv_shard_map(model(32, 8), {4, 1}, {2, 1});
  const std::vector<KvShardTransfer> expected{{0, 0, 64}, {1, 0, 64}, {2, 1, 64}, {3, 1, 64}};
  EXPECT_EQ(map, expected);
  EXPECT_EQ(total_cells(map), 32 * 8);  // every (layer, head) cell once
}

TEST(KvShardMap, PipelineStagesSendTheirLayers) {
  // Prefill: 2 stages of 16 layers, TP 1. Decode: 1 stage of 32 layers, TP 2 (4 heads each).
  const auto map = kv_shard_map(model(32, 8), {1, 2}, {2, 1});
  const std::vector<KvShardTransfer> expected{{0, 0, 16 * 4}, {0, 1, 16 * 4}, {1, 0, 16 * 4}, {1, 1, 16 * 4}};
  EXPECT_EQ(map, expected);
}

TEST(KvShardMap, ReplicatedHeadsComeFromTheMatchingReplica) {
  // 2 KV heads on TP 8: ranks 0-3 hold head 0, ranks 4-7 head 1, on both sides.
  const auto map = kv_shard_map(model(4, 2), {8, 1}, {8, 1});
  ASSERT_EQ(map.size(), 8u);
  for (int r = 0; r < 8; ++r) EXPECT_EQ(map[static_cast<size_t>(r)], (KvShardTransfer{r, r, 4}));
}

TEST(KvShardMap, CellBytesSplitTheModelsKvBytesPerToken) {
  const auto& catalog = scenarios::Catalog::builtin();
  const scenarios::ModelSpec& llama = *catalog.find_model("llama-3.1-8b");
  // 2 x 32 layers x 8 KV heads x 128 x 2 bytes = 131,072 bytes per token; 256 cells.
  EXPECT_DOUBLE_EQ(kv_cell_bytes(llama, 131072.0), 512.0);
  EXPECT_THROW(kv_shard_map(llama, {0, 1}, {1, 1}), std::invalid_argument);
}

TEST(ChooseDecodeInstance, LeastKvLoadCountingBlocksInFlight) {
  std::vector<DecodeCandidate> c{{500, 1000, 0, 990, true}, {300, 1000, 300, 990, true}, {400, 1000, 0, 990, true}};
  EXPECT_EQ(choose_decode_instance(c, 10), 2);  // loads 0.5, 0.6, 0.4
  c[2].reachable = false;
  EXPECT_EQ(choose_decode_instance(c, 10), 0);  // tie-free: 0.5 < 0.6
  c[0].capacity_blocks = 5;
  EXPECT_EQ(choose_decode_instance(c, 10), 1);  // instance 0 can never hold 10 blocks
  EXPECT_EQ(choose_decode_instance(c, 2000), -1);
}

TEST(ContinuousBatcherDisaggregation, PrefillOnlyHoldsItsBlocksUntilReleased) {
  ContinuousBatcher b(spec(), 100, 4096);
  SequenceRequest r = req(1, 100, 50);  // 100 prompt tokens: 7 blocks of 16
  r.prefill_only = true;
  ASSERT_TRUE(b.enqueue(r));
  const Batch& batch = b.next_batch(0);
  ASSERT_EQ(batch.entries.size(), 1u);
  EXPECT_EQ(batch.prefill_tokens, 100);
  const IterationOutcome& out = b.complete(batch);
  EXPECT_EQ(out.first_token, std::vector<uint64_t>{1});
  EXPECT_EQ(out.finished, std::vector<uint64_t>{1});  // it leaves after the first token
  EXPECT_FALSE(b.has_work());
  EXPECT_EQ(b.stats().kv_blocks_used, 7);  // still held for the transfer
  EXPECT_EQ(b.held_kv_blocks(), 7);
  b.release_kv(1);
  EXPECT_EQ(b.stats().kv_blocks_used, 0);
  EXPECT_EQ(b.held_kv_blocks(), 0);
  EXPECT_THROW(b.release_kv(1), std::logic_error);
}

TEST(ContinuousBatcherDisaggregation, PrefillOnlyNeedsBlocksForThePromptOnly) {
  // 64 blocks, watermark 0: a 1,000-token prompt with 500 output tokens (94 blocks in all) would
  // not fit an ordinary cache of 64 blocks, but its prefill alone (63 blocks) does.
  ContinuousBatcher b(spec(8, 4096), 64, 4096);
  SequenceRequest r = req(1, 1000, 500);
  r.prefill_only = true;
  EXPECT_TRUE(b.enqueue(r));
  EXPECT_TRUE(b.take_rejections().empty());
}

TEST(ContinuousBatcherDisaggregation, PrefilledSequenceDecodesWithoutPrefill) {
  ContinuousBatcher b(spec(), 100, 4096);
  SequenceRequest r = req(1, 100, 4);
  r.prefilled_tokens = 100;
  ASSERT_TRUE(b.enqueue(r));
  EXPECT_EQ(b.stats().waiting, 1);
  EXPECT_EQ(b.stats().kv_blocks_used, 0);
  // Three decodes emit tokens 2, 3 and 4; the first decode attends over the 100 cached tokens.
  for (int step = 0; step < 3; ++step) {
    const Batch& batch = b.next_batch(0);
    ASSERT_EQ(batch.entries.size(), 1u);
    EXPECT_FALSE(batch.entries[0].prefill);
    EXPECT_EQ(batch.entries[0].context_before, 100 + step);
    EXPECT_EQ(batch.prefill_tokens, 0);
    // Blocks on arrival: 7 for 100 tokens; the first decode writes token 101 into an 8th.
    EXPECT_EQ(b.stats().kv_blocks_used, 7);
    const IterationOutcome& out = b.complete(batch);
    EXPECT_TRUE(out.first_token.empty());  // the prefill instance emitted it
    EXPECT_EQ(out.tokens_emitted, 1);
    if (step == 2) {
      EXPECT_EQ(out.finished, std::vector<uint64_t>{1});
    }
  }
  EXPECT_FALSE(b.has_work());
  EXPECT_EQ(b.stats().kv_blocks_used, 0);
}

TEST(ContinuousBatcherDisaggregation, PrefilledSequenceWaitsForBlocks) {
  // 20 blocks (watermark 0): the first sequence takes 16 blocks for 250 tokens; the second (7
  // blocks) waits until the first finishes, then joins with its cache.
  ContinuousBatcher b(spec(), 20, 4096);
  SequenceRequest a = req(1, 250, 2);
  a.prefilled_tokens = 250;
  SequenceRequest c = req(2, 100, 2);
  c.prefilled_tokens = 100;
  ASSERT_TRUE(b.enqueue(a));
  ASSERT_TRUE(b.enqueue(c));
  const Batch& first = b.next_batch(0);
  ASSERT_EQ(first.entries.size(), 1u);
  EXPECT_EQ(first.entries[0].id, 1u);
  EXPECT_EQ(b.stats().waiting, 1);
  EXPECT_EQ(b.stats().kv_blocks_used, 16);
  EXPECT_EQ(b.complete(first).finished, std::vector<uint64_t>{1});
  const Batch& second = b.next_batch(0);
  ASSERT_EQ(second.entries.size(), 1u);
  EXPECT_EQ(second.entries[0].id, 2u);
  EXPECT_EQ(second.entries[0].context_before, 100);
  EXPECT_EQ(b.stats().kv_blocks_used, 7);
  EXPECT_EQ(b.complete(second).finished, std::vector<uint64_t>{2});
}

TEST(ContinuousBatcherDisaggregation, PreemptedPrefilledSequenceRecomputesLocally) {
  // 16 blocks, no watermark: two prefilled sequences of 128 tokens (8 blocks each) fill the cache;
  // the first's decode needs a 9th block, so the newest is preempted and later re-prefills its
  // prompt plus the token it had: 129 tokens.
  ContinuousBatcher b(spec(8, 4096, false), 16, 4096);
  for (uint64_t id = 1; id <= 2; ++id) {
    SequenceRequest r = req(id, 128, 3);
    r.prefilled_tokens = 128;
    ASSERT_TRUE(b.enqueue(r));
  }
  const Batch& batch = b.next_batch(0);
  ASSERT_EQ(batch.entries.size(), 1u);  // sequence 2 was preempted for sequence 1's block
  EXPECT_EQ(batch.entries[0].id, 1u);
  const IterationOutcome& out = b.complete(batch);
  EXPECT_EQ(out.preempted, std::vector<uint64_t>{2});
  // Sequence 1 decodes its last token; then sequence 2 re-prefills 121 tokens.
  EXPECT_EQ(b.complete(b.next_batch(0)).finished, std::vector<uint64_t>{1});
  const Batch& refill = b.next_batch(0);
  ASSERT_EQ(refill.entries.size(), 1u);
  EXPECT_TRUE(refill.entries[0].prefill);
  EXPECT_EQ(refill.entries[0].new_tokens, 129);
  b.complete(refill);
  EXPECT_EQ(b.complete(b.next_batch(0)).finished, std::vector<uint64_t>{2});
  EXPECT_EQ(b.stats().kv_blocks_used, 0);
}

TEST(StaticBatcherDisaggregation, RejectsDisaggregatedSequences) {
  StaticBatcher b(spec(), 100, 4096);
  SequenceRequest r = req(1, 10, 2);
  r.prefill_only = true;
  EXPECT_THROW(b.enqueue(r), std::invalid_argument);
  EXPECT_THROW(b.release_kv(1), std::logic_error);
}

}  // namespace
}  // namespace stratum::policies
