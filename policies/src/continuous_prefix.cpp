// Prefix caching inside the continuous batcher (vLLM automatic prefix caching; policies/
// prefix_cache.hpp for the cache, kv_tiers.hpp for the offload tiers). Block accounting:
//   total = free + evictable + referenced,
// where free_blocks_ counts blocks holding nothing, the cache's evictable blocks hold a cached
// prefix nobody uses, and a referenced block belongs to one or more running sequences: a
// sequence's `blocks` counts every block it uses, shared ones included, and a shared block is
// one cache slot however many sequences share it, so it is counted once in `total`. As in vLLM
// (v1 BlockPool.get_num_free_blocks), evictable blocks count as available for admission and
// growth; they are evicted, least recently used first, only when no free block is left.
#include <algorithm>
#include <array>
#include <stdexcept>

#include "stratum/policies/continuous_batcher.hpp"

namespace stratum::policies {

void ContinuousBatcher::enable_prefix_cache() {
  prefix_.emplace(total_blocks_);
  prefix_stats_.enabled = true;
  prefix_stats_.tier_names = {"HBM"};
  prefix_stats_.hit_tokens_by_tier = {0};
  prefix_stats_.reload_s_by_tier = {0.0};
}

void ContinuousBatcher::set_kv_offload(const KvOffloadConfig& config) {
  if (!prefix_) throw std::logic_error("KV offload tiers need prefix caching (serving.scheduler.continuous.prefix_caching)");
  if (config.tiers.size() > kMaxKvTiers) throw std::invalid_argument("at most 3 KV offload tiers");
  tiers_.emplace(config);
  prefix_stats_.tier_names.resize(1);
  for (const KvTierParams& t : config.tiers) prefix_stats_.tier_names.push_back(t.name);
  prefix_stats_.hit_tokens_by_tier.assign(prefix_stats_.tier_names.size(), 0);
  prefix_stats_.reload_s_by_tier.assign(prefix_stats_.tier_names.size(), 0.0);
  ++cache_version_;
}

PrefixCacheStats ContinuousBatcher::prefix_cache_stats() const { return prefix_stats_; }

bool ContinuousBatcher::make_room(int64_t blocks) {
  if (blocks <= free_blocks_) return true;
  if (!prefix_ || blocks > available_blocks()) return false;
  while (free_blocks_ < blocks) {
    const uint64_t key = prefix_->evict_lru();
    if (tiers_) tiers_->offload(key);
    ++free_blocks_;
    ++prefix_stats_.evictions;
  }
  ++cache_version_;
  return true;
}

void ContinuousBatcher::release_blocks(Sequence& s) {
  SequencePrefix& p = s.prefix;
  free_blocks_ += s.blocks - static_cast<int64_t>(p.slots.size());
  if (!p.slots.empty()) {
    // Last block first, so that a sequence's tail is evicted before its head (vLLM v1).
    for (auto it = p.slots.rbegin(); it != p.slots.rend(); ++it) prefix_->release(*it);
    p.slots.clear();
    ++cache_version_;
  }
  p.registered = 0;
  p.last_key = kFirstBlockSeed;
  s.blocks = 0;
}

const ContinuousBatcher::PrefixProbe& ContinuousBatcher::probe(const Sequence& s) {
  PrefixProbe& pr = probe_;
  if (pr.id == s.id && pr.target == s.target && pr.version == cache_version_) return pr;
  pr.id = s.id;
  pr.target = s.target;
  pr.version = cache_version_;
  pr.hbm_blocks = pr.hbm_evictable = 0;
  pr.where.clear();
  pr.keys.clear();
  // At least the last token is computed again (vLLM v1 KVCacheManager.get_computed_blocks caps the
  // hit at num_tokens - 1), and only blocks of the prompt have keys.
  const int64_t most = std::min(keyed_blocks(s.prefix.hashes, block_size_, s.prompt), (s.target - 1) / block_size_);
  uint64_t key = kFirstBlockSeed;
  for (int64_t k = 0; k < most; ++k) {
    key = block_key(key, s.prefix.hashes, block_size_, k);
    const int32_t slot = prefix_->find(key);
    if (slot >= 0) {
      ++pr.hbm_blocks;
      if (prefix_->evictable(slot)) ++pr.hbm_evictable;
      pr.where.push_back(slot);
    } else {
      const int tier = tiers_ ? tiers_->locate(key) : -1;
      if (tier < 0) break;  // the hit is the longest cached prefix
      pr.where.push_back(-1 - tier);
    }
    pr.keys.push_back(key);
  }
  return pr;
}

bool ContinuousBatcher::may_fit(const Sequence& s, int64_t budget) const {
  if (!prefix_) return true;
  // With h blocks hit, a chunk of n = min(target - h b, budget) tokens needs ceil(n / b) new blocks
  // (the hit ends on a block boundary), fewest at the longest possible hit; hits only lower what
  // is available (evictable blocks they share stop being available).
  const int64_t most = std::min(keyed_blocks(s.prefix.hashes, block_size_, s.prompt), (s.target - 1) / block_size_);
  const int64_t fewest = blocks_for(std::min(s.target - most * block_size_, budget));
  return available_blocks() - fewest >= watermark_blocks_;
}

int64_t ContinuousBatcher::cached_prefix(const Sequence& s) {
  if (!prefix_) return 0;
  return static_cast<int64_t>(probe(s).where.size()) * block_size_;
}

bool ContinuousBatcher::fits_admission(const Sequence& s, int64_t tokens) {
  if (!prefix_) return free_blocks_ - blocks_for(tokens) >= watermark_blocks_;
  const PrefixProbe& pr = probe(s);
  const int64_t cached = static_cast<int64_t>(pr.where.size()) * block_size_;
  // Blocks it shares in HBM cost nothing new, but evictable ones stop being available.
  const int64_t fresh = blocks_for(cached + tokens) - pr.hbm_blocks;
  return available_blocks() - pr.hbm_evictable - fresh >= watermark_blocks_;
}

int64_t ContinuousBatcher::take_prefix(Sequence& s, Batch& batch) {
  if (!prefix_) return 0;
  // probe_ stays as it is below: only probe() rewrites it, and the cache changes do not call it.
  const PrefixProbe& pr = probe(s);
  SequencePrefix& p = s.prefix;
  const int64_t hit = static_cast<int64_t>(pr.where.size());
  std::array<int64_t, kMaxKvTiers> from_tier{};
  const size_t tiers = tiers_ ? static_cast<size_t>(tiers_->tiers()) : 0;
  // Share the HBM blocks first (they leave the LRU list, so the growth below cannot evict them).
  for (int32_t w : pr.where) {
    if (w >= 0) prefix_->acquire(w);
  }
  s.blocks = pr.hbm_blocks;
  // Blocks from the offload tiers need HBM blocks; admission checked that they are available.
  if (!make_room(hit - pr.hbm_blocks)) throw std::logic_error("ContinuousBatcher: no room to reload a cached prefix");
  free_blocks_ -= hit - pr.hbm_blocks;
  s.blocks = hit;
  p.slots.reserve(static_cast<size_t>(hit));
  for (int64_t k = 0; k < hit; ++k) {
    const int32_t w = pr.where[static_cast<size_t>(k)];
    if (w >= 0) {
      p.slots.push_back(w);
      continue;
    }
    const int tier = -1 - w;
    ++from_tier[static_cast<size_t>(tier)];
    tiers_->touch(tier, pr.keys[static_cast<size_t>(k)]);
    // Reloaded, the block is cached in HBM again (its key cannot be there: the probe missed it,
    // and evictions only remove keys).
    p.slots.push_back(prefix_->insert(pr.keys[static_cast<size_t>(k)]));
  }
  p.registered = hit;
  if (hit > 0) p.last_key = pr.keys.back();
  ++cache_version_;
  for (size_t t = 0; t < tiers; ++t) {
    const double seconds = tiers_->reload_seconds(static_cast<int>(t), from_tier[t]);
    batch.reload_s += seconds;
    prefix_stats_.reload_s_by_tier[t + 1] += seconds;
  }
  if (!p.admitted_before) {
    p.admitted_before = true;
    prefix_stats_.hit_tokens_by_tier[0] += pr.hbm_blocks * block_size_;
    for (size_t t = 0; t < tiers; ++t) prefix_stats_.hit_tokens_by_tier[t + 1] += from_tier[t] * block_size_;
  }
  return hit * block_size_;
}

void ContinuousBatcher::register_blocks(Sequence& s) {
  SequencePrefix& p = s.prefix;
  const int64_t full = std::min(keyed_blocks(p.hashes, block_size_, s.prompt), s.computed / block_size_);
  if (p.registered >= full) return;
  for (int64_t k = p.registered; k < full; ++k) {
    p.last_key = block_key(p.last_key, p.hashes, block_size_, k);
    const int32_t existing = prefix_->find(p.last_key);
    if (existing >= 0) {
      // Computed twice (two sequences prefilled the same prefix at once): keep the cached copy
      // and free this one, as vLLM v0's PrefixCachingBlockAllocator.promote_to_immutable_block.
      prefix_->acquire(existing);
      p.slots.push_back(existing);
      ++free_blocks_;
    } else {
      p.slots.push_back(prefix_->insert(p.last_key));
    }
  }
  p.registered = full;
  ++cache_version_;
}

}  // namespace stratum::policies
