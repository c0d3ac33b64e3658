#pragma once
// Automatic prefix caching at KV-block granularity, after vLLM (vllm/core/block/
// prefix_caching_block.py; v1: vllm/v1/core/kv_cache_manager.py and block_pool.py): a full KV
// block is identified by a hash chained over the content of every token up to its end; a block no
// running sequence references stays in HBM as evictable, and is evicted least recently used first
// when a free block is needed.
//
// Block keys from Mooncake hash_ids. A Mooncake trace gives one id per 512-token block of the
// prompt, and equal ids mean an equal prefix up to the end of that block (Qin et al., FAST 2025,
// FAST25-release/README.md). Stratum's block k of b tokens covers tokens [k b, (k + 1) b); let j be
// the Mooncake block that holds its last token, (k + 1) b - 1. Then
//     key(k) = mix(key(k - 1), hash_ids[j], k b)      key(-1) = a fixed seed
// hash_ids[j] pins every token up to the end of Mooncake block j, so equal keys mean equal
// content up to the end of block k. A block that straddles two Mooncake blocks (b not dividing
// 512) is keyed by the later one: it matches only when the whole later Mooncake block matches,
// which under-counts hits rather than inventing them; 8, 16 and 32 (the block sizes a scenario
// allows) divide 512 and never straddle. Two prompts that diverge inside a Mooncake block share
// none of its Stratum blocks: the trace does not say where inside the block they diverge.
// Blocks past the last hash id, or past the prompt, or not full, have no key and are never
// cached (vLLM caches full blocks only). Keys are 64-bit: a collision is possible in principle,
// about n^2 / 2^65 for n distinct blocks (10^-8 for 10^6 blocks), and ignored.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "stratum/policies/block_key_table.hpp"
#include "stratum/policies/recency_list.hpp"

namespace stratum::policies {

// Tokens per Mooncake hash id (Qin et al., FAST 2025: "remapped block hash" of 512 tokens).
inline constexpr int64_t kTraceHashBlockTokens = 512;

// Full blocks of `prompt_tokens` that have a key: those whose last token is inside the prompt and
// inside the blocks that `hash_ids` covers.
int64_t keyed_blocks(std::span<const uint64_t> hash_ids, int64_t block_size, int64_t prompt_tokens);

// Key of block `k` given the key of block k - 1 (`previous`; pass kFirstBlockSeed for k = 0).
// Precondition: k < keyed_blocks(hash_ids, block_size, prompt).
inline constexpr uint64_t kFirstBlockSeed = 0x243F6A8885A308D3ull;  // pi's fractional bits, any constant does
uint64_t block_key(uint64_t previous, std::span<const uint64_t> hash_ids, int64_t block_size, int64_t k);

// A sequence's side of the cache: the hashes it was given and the cached blocks it references.
struct SequencePrefix {
  std::span<const uint64_t> hashes;  // trace hash_ids of its prompt (owned by the caller)
  std::vector<int32_t> slots;        // PrefixCache slots it holds a reference on, prompt order
  int64_t registered = 0;            // leading prompt blocks already matched or cached
  uint64_t last_key = kFirstBlockSeed;  // key of block registered - 1
  bool admitted_before = false;      // counters count first admissions only
};

// Counters of a batcher's prefix cache, over requests' first admissions (re-admissions after a
// preemption are not counted again), and the reload time of every admission.
struct PrefixCacheStats {
  bool enabled = false;
  // Prompt tokens found cached at first admission: [0] in HBM, [1 + t] in offload tier t.
  std::vector<int64_t> hit_tokens_by_tier;
  std::vector<std::string> tier_names;  // [0] "HBM", then the offload tiers' names
  std::vector<double> reload_s_by_tier; // seconds spent reloading from offload tier t (no HBM entry)
  int64_t evictions = 0;                // blocks evicted from HBM
};

// The HBM side of the cache: which full blocks hold which keys, how many running sequences share
// each, and the least-recently-used order of the unreferenced (evictable) ones. It owns no block
// count: the batcher keeps its free-block count, and every slot here stands for one block that is
// either referenced (part of some sequence's blocks) or evictable (not free until evicted).
// O(1) per operation; nothing allocated after construction.
class PrefixCache {
 public:
  // At most `capacity_blocks` cached blocks: the KV cache's block count.
  explicit PrefixCache(int64_t capacity_blocks);

  // Slot caching `key`, or -1.
  int32_t find(uint64_t key) const { return table_.find(key); }
  bool evictable(int32_t slot) const { return refs_[static_cast<size_t>(slot)] == 0; }
  uint64_t key(int32_t slot) const { return keys_[static_cast<size_t>(slot)]; }
  int32_t references(int32_t slot) const { return refs_[static_cast<size_t>(slot)]; }

  // One more sequence uses the block; an evictable block leaves the LRU list.
  void acquire(int32_t slot);
  // One sequence fewer; at zero the block becomes evictable as the most recently used. Release a
  // sequence's blocks last block first, so that its tail is evicted before its head (vLLM v1
  // KVCacheManager.free: "free blocks in reverse order so that the tail blocks are evicted first").
  void release(int32_t slot);
  // Caches a block just computed under `key`, referenced once. Precondition: `key` absent and
  // cached_blocks() < capacity.
  int32_t insert(uint64_t key);
  // Evicts the least recently used evictable block and returns its key (for the offload tiers).
  // Precondition: evictable_blocks() > 0.
  uint64_t evict_lru();

  int64_t cached_blocks() const { return table_.size(); }
  int64_t evictable_blocks() const { return evictable_; }
  int64_t capacity() const { return static_cast<int64_t>(keys_.size()); }
  // Evictable slots from least to most recently used (tests and diagnostics; O(n)).
  std::vector<int32_t> lru_order() const;

 private:
  BlockKeyTable table_;
  std::vector<uint64_t> keys_;
  std::vector<int32_t> refs_;
  RecencyList evictable_order_;  // the evictable slots
  std::vector<int32_t> free_slots_;
  int64_t evictable_ = 0;
};

}  // namespace stratum::policies
