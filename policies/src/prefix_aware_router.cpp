#include "stratum/policies/prefix_aware_router.hpp"

#include "stratum/policies/least_outstanding_router.hpp"

namespace stratum::policies {

// Storage grows with use up to `capacity`, not reserved at once: a large bound on many
// instances that see few distinct prefixes then costs only what they hold.
BlockLru::BlockLru(size_t capacity) : capacity_(capacity) {}

void BlockLru::touch(uint64_t hash) {
  if (capacity_ == 0) return;
  if (const auto it = index_.find(hash); it != index_.end()) {
    recency_.unlink(it->second);
    recency_.push_most_recent(it->second);
    return;
  }
  int32_t slot;
  if (hash_.size() < capacity_) {
    slot = static_cast<int32_t>(hash_.size());
    hash_.push_back(hash);
    recency_.add_slot();
  } else {
    slot = recency_.least_recent();  // the least recently touched gives its slot up
    recency_.unlink(slot);
    index_.erase(hash_[static_cast<size_t>(slot)]);
    hash_[static_cast<size_t>(slot)] = hash;
  }
  index_.emplace(hash, slot);
  recency_.push_most_recent(slot);
}

size_t PrefixAwareRouter::matched_blocks(size_t i, std::span<const uint64_t> prefix) const {
  if (i >= caches_.size()) return 0;
  size_t k = 0;
  // Mooncake's hash of block k covers the whole prefix up to it, so the match is the run of
  // leading blocks present; the first absent one ends it.
  while (k < prefix.size() && caches_[i].contains(prefix[k])) ++k;
  return k;
}

size_t PrefixAwareRouter::pick(const RouterView& state, const RequestView& request) {
  const size_t n = state.instances.size();
  while (caches_.size() < n) caches_.emplace_back(blocks_per_instance_);
  matches_.assign(n, 0);
  size_t best_match = 0;
  for (size_t i = 0; i < n && !request.prefix_hashes.empty(); ++i) {
    matches_[i] = matched_blocks(i, request.prefix_hashes);
    if (matches_[i] > best_match) best_match = matches_[i];
  }
  last_ = least_outstanding_from(state, last_, [&](size_t i) { return matches_[i] == best_match; });
  // Touch the blocks last to first, so the leading blocks, which more requests share, are the most
  // recent and the last evicted, as vLLM's prefix cache puts a finished request's blocks on its
  // eviction queue tail first (vLLM docs, design/v1/prefix_caching).
  BlockLru& cache = caches_[last_];
  for (size_t k = request.prefix_hashes.size(); k > 0; --k) cache.touch(request.prefix_hashes[k - 1]);
  return last_;
}

}  // namespace stratum::policies
