// Prefix caching: the key table, block keys from Mooncake hash_ids, the HBM cache's LRU order,
// the offload tiers' cascade, and the continuous batcher sharing cached blocks with exact block
// accounting.
#include "stratum/policies/prefix_cache.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include "driver.hpp"
#include "stratum/policies/block_key_table.hpp"
#include "stratum/policies/continuous_batcher.hpp"
#include "stratum/policies/kv_tiers.hpp"

namespace stratum::policies {
namespace {

TEST(BlockKeyTable, AgreesWithAHashMapUnderRandomInsertsAndErasures) {
  BlockKeyTable table(500);
  std::unordered_map<uint64_t, int32_t> reference;
  std::mt19937_64 rng(7);
  // Keys from a small range collide often in the probe sequence; erasures shift runs back.
  for (int step = 0; step < 20000; ++step) {
    const uint64_t key = rng() % 700;
    if (reference.count(key) > 0) {
      if (rng() % 2 == 0) {
        EXPECT_TRUE(table.erase(key));
        reference.erase(key);
      }
    } else if (static_cast<int64_t>(reference.size()) < 500) {
      const auto slot = static_cast<int32_t>(rng() % 1000);
      table.insert(key, slot);
      reference[key] = slot;
    }
    const uint64_t probe = rng() % 700;
    const auto it = reference.find(probe);
    EXPECT_EQ(table.find(probe), it == reference.end() ? -1 : it->second) << "step " << step;
  }
  EXPECT_EQ(table.size(), static_cast<int64_t>(reference.size()));
  EXPECT_FALSE(table.erase(100000));
}

TEST(BlockKeys, EqualHashPrefixesGiveEqualKeysAndADivergenceChangesEveryLaterKey) {
  const std::vector<uint64_t> a{11, 12, 13};
  const std::vector<uint64_t> b{11, 12, 99};
  // 16-token blocks: 32 per Mooncake block; only full blocks inside the prompt are keyed.
  EXPECT_EQ(keyed_blocks(a, 16, 1500), 1500 / 16);
  EXPECT_EQ(keyed_blocks(a, 16, 1536), 96);
  EXPECT_EQ(keyed_blocks(a, 16, 5000), 96);  // no hash beyond 3 x 512 tokens
  EXPECT_EQ(keyed_blocks({}, 16, 5000), 0);
  uint64_t ka = kFirstBlockSeed, kb = kFirstBlockSeed;
  std::set<uint64_t> seen;
  for (int64_t k = 0; k < 96; ++k) {
    ka = block_key(ka, a, 16, k);
    kb = block_key(kb, b, 16, k);
    EXPECT_TRUE(seen.insert(ka).second) << "block " << k << " repeats a key";
    if (k < 64) {
      EXPECT_EQ(ka, kb) << "block " << k;
    } else {
      EXPECT_NE(ka, kb) << "block " << k;
    }
  }
  // A block size that does not divide 512 (48): the block over tokens 480..527 straddles Mooncake
  // blocks 0 and 1, is keyed by block 1, and differs when block 1 differs.
  const std::vector<uint64_t> c{11, 55, 13};
  uint64_t ka48 = kFirstBlockSeed, kc48 = kFirstBlockSeed;
  for (int64_t k = 0; k <= 10; ++k) {
    ka48 = block_key(ka48, a, 48, k);
    kc48 = block_key(kc48, c, 48, k);
    if (k < 10) {
      EXPECT_EQ(ka48, kc48) << "block " << k;
    }
  }
  EXPECT_NE(ka48, kc48);
}

TEST(PrefixCache, EvictsTheLeastRecentlyReleasedBlockAndNeverAReferencedOne) {
  PrefixCache cache(4);
  const int32_t s1 = cache.insert(101), s2 = cache.insert(102), s3 = cache.insert(103);
  EXPECT_EQ(cache.cached_blocks(), 3);
  EXPECT_EQ(cache.evictable_blocks(), 0);
  // A sequence releases its blocks last first: 103, 102, then 101 is the most recently used.
  cache.release(s3);
  cache.release(s2);
  cache.release(s1);
  EXPECT_EQ(cache.lru_order(), (std::vector<int32_t>{s3, s2, s1}));
  EXPECT_EQ(cache.evictable_blocks(), 3);
  // A hit on 102 takes it out of the LRU list; it comes back as the most recent.
  cache.acquire(cache.find(102));
  EXPECT_FALSE(cache.evictable(s2));
  EXPECT_EQ(cache.evict_lru(), 103u);
  EXPECT_EQ(cache.find(103), -1);
  cache.release(s2);
  EXPECT_EQ(cache.lru_order(), (std::vector<int32_t>{s1, s2}));
  EXPECT_EQ(cache.evict_lru(), 101u);
  EXPECT_EQ(cache.evict_lru(), 102u);
  EXPECT_THROW(cache.evict_lru(), std::logic_error);
  EXPECT_EQ(cache.cached_blocks(), 0);
  // Slots are recycled up to the capacity.
  for (uint64_t k = 0; k < 4; ++k) cache.insert(200 + k);
  EXPECT_THROW(cache.insert(300), std::logic_error);
}

TEST(KvTierChain, OverflowCascadesDownAndTheBottomDrops) {
  KvOffloadConfig config;
  config.block_bytes = 1e6;
  config.tiers = {{"HOST_DRAM", 2, 50e9, 1e-5}, {"LOCAL_NVME", 1, 5e9, 1e-4}};
  KvTierChain chain(config);
  for (uint64_t key : {1u, 2u, 3u, 4u}) chain.offload(key);
  EXPECT_EQ(chain.lru_keys(0), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(chain.lru_keys(1), (std::vector<uint64_t>{2}));
  EXPECT_EQ(chain.locate(1), -1);  // dropped below the last tier
  EXPECT_EQ(chain.locate(2), 1);
  chain.touch(0, 3);  // a hit makes 3 the most recent: 4 goes down next
  chain.offload(5);
  EXPECT_EQ(chain.lru_keys(0), (std::vector<uint64_t>{3, 5}));
  EXPECT_EQ(chain.lru_keys(1), (std::vector<uint64_t>{4}));
  // A block offloaded again leaves the lower tier it was in.
  chain.offload(4);
  EXPECT_EQ(chain.locate(4), 0);
  EXPECT_EQ(chain.held(1), 1);
  // latency + blocks x bytes / bandwidth.
  EXPECT_DOUBLE_EQ(chain.reload_seconds(1, 10), 1e-4 + 10 * 1e6 / 5e9);
  EXPECT_DOUBLE_EQ(chain.reload_seconds(0, 0), 0.0);
}

scenarios::SchedulerSpec caching_spec(bool chunked, bool caching = true) {
  scenarios::SchedulerSpec s;
  s.max_num_seqs = 8;
  s.max_batched_tokens = 4096;
  s.chunked_prefill = chunked;
  s.block_size_tokens = 16;
  s.prefix_caching = caching;
  return s;
}

SequenceRequest req(uint64_t id, int64_t prompt, int64_t output, const std::vector<uint64_t>& hashes, double at = 0) {
  SequenceRequest r;
  r.id = id;
  r.prompt_tokens = prompt;
  r.output_tokens = output;
  r.arrival_s = at;
  r.prefix_hashes = hashes;
  return r;
}

// The first prefill entry of request `id` in the run.
const BatchEntry* first_prefill(const testing::Run& run, uint64_t id) {
  for (const Batch& b : run.batches) {
    for (const BatchEntry& e : b.entries) {
      if (e.id == id && e.prefill) return &e;
    }
  }
  return nullptr;
}

TEST(ContinuousBatcherPrefixCaching, ALaterPromptWithTheSamePrefixStartsAfterItsCachedBlocks) {
  for (bool chunked : {false, true}) {
    const auto spec = caching_spec(chunked);
    ContinuousBatcher b(spec, 1000, 8192);
    const std::vector<uint64_t> h1{1, 2}, h2{1, 2}, h3{1, 3};
    // Request 2 repeats request 1's 1,024-token prompt: 63 of 64 blocks hit (the last token is
    // always recomputed); request 3 shares the first 512-token Mooncake block only.
    const auto run = testing::drive(b, {req(1, 1024, 4, h1, 0), req(2, 1024, 4, h2, 1), req(3, 1024, 4, h3, 2)}, spec);
    ASSERT_NE(first_prefill(run, 1), nullptr);
    EXPECT_EQ(first_prefill(run, 1)->context_before, 0);
    ASSERT_NE(first_prefill(run, 2), nullptr);
    EXPECT_EQ(first_prefill(run, 2)->context_before, 1008) << "chunked " << chunked;
    EXPECT_EQ(first_prefill(run, 2)->new_tokens, 16);
    ASSERT_NE(first_prefill(run, 3), nullptr);
    EXPECT_EQ(first_prefill(run, 3)->context_before, 512);
    EXPECT_EQ(first_prefill(run, 3)->new_tokens, 512);
    EXPECT_EQ(run.finished.size(), 3u);
    const PrefixCacheStats stats = b.prefix_cache_stats();
    EXPECT_TRUE(stats.enabled);
    ASSERT_EQ(stats.hit_tokens_by_tier.size(), 1u);
    EXPECT_EQ(stats.hit_tokens_by_tier[0], 1008 + 512);
    // Everything finished: nothing is used, the cached blocks are evictable, counted as free.
    EXPECT_EQ(b.stats().kv_blocks_used, 0);
  }
}

TEST(ContinuousBatcherPrefixCaching, OffByDefaultEvenWithHashes) {
  const auto spec = caching_spec(true, false);
  ContinuousBatcher b(spec, 1000, 8192);
  const std::vector<uint64_t> h{1, 2};
  const auto run = testing::drive(b, {req(1, 1024, 4, h, 0), req(2, 1024, 4, h, 1)}, spec);
  EXPECT_EQ(first_prefill(run, 2)->context_before, 0);
  EXPECT_FALSE(b.prefix_cache_stats().enabled);
}

TEST(ContinuousBatcherPrefixCaching, ConcurrentSequencesShareBlocksAndCountThemOnce) {
  const auto spec = caching_spec(true);
  ContinuousBatcher b(spec, 1000, 8192);
  const std::vector<uint64_t> h{7, 8};
  ASSERT_TRUE(b.enqueue(req(1, 1024, 100, h)));
  const Batch first = b.next_batch(0);  // request 1 prefills 1,024 tokens: 64 blocks
  ASSERT_EQ(first.entries.size(), 1u);
  b.complete(first);
  EXPECT_EQ(b.stats().kv_blocks_used, 64 + 0);  // its first output token is not yet in the cache
  ASSERT_TRUE(b.enqueue(req(2, 1024, 100, h)));
  const Batch second = b.next_batch(0);  // request 1 decodes, request 2 shares 63 blocks
  const BatchEntry* e2 = nullptr;
  for (const BatchEntry& e : second.entries) {
    if (e.id == 2) e2 = &e;
  }
  ASSERT_NE(e2, nullptr);
  EXPECT_EQ(e2->context_before, 1008);
  // Request 1: 64 blocks + 1 for its decode token (1,025 tokens); request 2: 63 shared + its own
  // 64th block. Shared blocks count once: 65 + 1, not 65 + 64.
  EXPECT_EQ(b.stats().kv_blocks_used, 66);
  b.complete(second);
  // Request 2's 64th block, now computed, has the same key as request 1's: it shares that one and
  // frees its own (vLLM v0 promote_to_immutable_block).
  EXPECT_EQ(b.stats().kv_blocks_used, 65);
}

TEST(ContinuousBatcherPrefixCaching, EvictsLeastRecentlyUsedPrefixesUnderPressureAndStaysExact) {
  // 200 blocks of 16 tokens; each prompt needs 64 + a few. Many distinct prefixes, some repeated:
  // the cache must evict, and every batch's accounting must stay within the cache.
  const auto spec = caching_spec(true);
  ContinuousBatcher b(spec, 200, 8192);
  std::vector<std::vector<uint64_t>> hashes;
  std::vector<SequenceRequest> reqs;
  std::mt19937_64 rng(3);
  hashes.reserve(60);
  for (uint64_t id = 0; id < 60; ++id) {
    const uint64_t family = rng() % 6;  // six shared first blocks
    hashes.push_back({family, 1000 + id});
    reqs.push_back(req(id, 1000, 8, hashes.back(), 0.05 * static_cast<double>(id)));
  }
  const auto run = testing::drive(b, reqs, spec);
  EXPECT_EQ(run.finished.size(), 60u);
  const PrefixCacheStats stats = b.prefix_cache_stats();
  EXPECT_GT(stats.evictions, 0);
  EXPECT_GT(stats.hit_tokens_by_tier[0], 0);
  EXPECT_EQ(stats.hit_tokens_by_tier[0] % 512, 0);  // hits are whole Mooncake blocks here
  EXPECT_EQ(b.stats().kv_blocks_used, 0);
}

TEST(ContinuousBatcherPrefixCaching, BlocksEvictedFromHbmAreReloadedFromTheFirstTierWithTheirTransferTime) {
  const auto spec = caching_spec(true);
  // 80 blocks: one 1,024-token prompt (64 blocks) at a time, so the next distinct prompt evicts it.
  ContinuousBatcher b(spec, 80, 8192);
  KvOffloadConfig offload;
  offload.block_bytes = 2e6;
  offload.tiers = {{"HOST_DRAM", 1000, 50e9, 1e-5}};
  b.set_kv_offload(offload);
  const std::vector<uint64_t> a{1, 2}, other{3, 4};
  const auto run = testing::drive(b, {req(1, 1024, 2, a, 0), req(2, 1024, 2, other, 1), req(3, 1024, 2, a, 2)}, spec);
  ASSERT_EQ(run.finished.size(), 3u);
  // Request 3's prefix left HBM for request 2 and comes back from host DRAM: 63 blocks.
  EXPECT_EQ(first_prefill(run, 3)->context_before, 1008);
  double reload = 0;
  for (const Batch& batch : run.batches) {
    for (const BatchEntry& e : batch.entries) {
      if (e.id == 3 && e.prefill) reload = batch.reload_s;
    }
  }
  const PrefixCacheStats stats = b.prefix_cache_stats();
  ASSERT_EQ(stats.tier_names, (std::vector<std::string>{"HBM", "HOST_DRAM"}));
  const int64_t from_dram = stats.hit_tokens_by_tier[1] / 16;
  EXPECT_GT(from_dram, 0);
  EXPECT_EQ(stats.hit_tokens_by_tier[0] + stats.hit_tokens_by_tier[1], 1008);
  EXPECT_DOUBLE_EQ(reload, 1e-5 + static_cast<double>(from_dram) * 2e6 / 50e9);
  EXPECT_DOUBLE_EQ(stats.reload_s_by_tier[1], reload);
  EXPECT_EQ(b.stats().kv_blocks_used, 0);
}

TEST(ContinuousBatcherPrefixCaching, OffloadTiersNeedPrefixCaching) {
  ContinuousBatcher b(caching_spec(true, false), 100, 8192);
  KvOffloadConfig offload;
  offload.block_bytes = 1;
  offload.tiers = {{"HOST_DRAM", 10, 1e9, 0}};
  EXPECT_THROW(b.set_kv_offload(offload), std::logic_error);
}

}  // namespace
}  // namespace stratum::policies
