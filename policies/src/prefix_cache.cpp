#include "stratum/policies/prefix_cache.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace stratum::policies {
namespace {

// splitmix64's finaliser (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014): a bijective mix, so distinct inputs stay distinct before the combination below.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

}  // namespace

int64_t keyed_blocks(std::span<const uint64_t> hash_ids, int64_t block_size, int64_t prompt_tokens) {
  if (block_size < 1 || prompt_tokens < 1) return 0;
  const int64_t covered = std::min(prompt_tokens, static_cast<int64_t>(hash_ids.size()) * kTraceHashBlockTokens);
  return covered / block_size;
}

uint64_t block_key(uint64_t previous, std::span<const uint64_t> hash_ids, int64_t block_size, int64_t k) {
  const int64_t first_token = k * block_size;
  const int64_t last_token = first_token + block_size - 1;
  const uint64_t content = hash_ids[static_cast<size_t>(last_token / kTraceHashBlockTokens)];
  return mix(previous ^ mix(content + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(first_token + 1)));
}

PrefixCache::PrefixCache(int64_t capacity_blocks)
    : table_(capacity_blocks),
      keys_(static_cast<size_t>(std::max<int64_t>(0, capacity_blocks)), 0),
      refs_(keys_.size(), 0),
      evictable_order_(keys_.size()) {
  if (capacity_blocks > std::numeric_limits<int32_t>::max()) {
    throw std::invalid_argument("PrefixCache: more than 2^31 blocks");
  }
  free_slots_.reserve(keys_.size());
  for (size_t i = keys_.size(); i-- > 0;) free_slots_.push_back(static_cast<int32_t>(i));
}

void PrefixCache::acquire(int32_t slot) {
  if (refs_[static_cast<size_t>(slot)]++ == 0) {
    evictable_order_.unlink(slot);
    --evictable_;
  }
}

void PrefixCache::release(int32_t slot) {
  int32_t& r = refs_[static_cast<size_t>(slot)];
  if (r <= 0) throw std::logic_error("PrefixCache::release of an unreferenced block");
  if (--r == 0) {
    evictable_order_.push_most_recent(slot);
    ++evictable_;
  }
}

int32_t PrefixCache::insert(uint64_t key) {
  if (free_slots_.empty()) throw std::logic_error("PrefixCache::insert beyond the cache's capacity");
  const int32_t slot = free_slots_.back();
  free_slots_.pop_back();
  keys_[static_cast<size_t>(slot)] = key;
  refs_[static_cast<size_t>(slot)] = 1;
  table_.insert(key, slot);
  return slot;
}

uint64_t PrefixCache::evict_lru() {
  const int32_t slot = evictable_order_.least_recent();
  if (slot == RecencyList::kNone) throw std::logic_error("PrefixCache::evict_lru with nothing evictable");
  evictable_order_.unlink(slot);
  --evictable_;
  const uint64_t key = keys_[static_cast<size_t>(slot)];
  table_.erase(key);
  free_slots_.push_back(slot);
  return key;
}

std::vector<int32_t> PrefixCache::lru_order() const {
  std::vector<int32_t> out;
  for (int32_t s = evictable_order_.least_recent(); s != RecencyList::kNone; s = evictable_order_.more_recent(s)) {
    out.push_back(s);
  }
  return out;
}

}  // namespace stratum::policies
