#pragma once
// Prefix-cache-aware routing, the idea of SGLang's cache-aware load balancer (sgl-router, SGLang
// v0.4, LMSYS blog, December 2024) and vLLM production-stack's prefix-aware routing: send a
// request where the longest prefix of its blocks was served recently, so that instance's prefix
// cache can skip recomputing it. The router remembers, per instance, a bounded LRU set of the
// block hashes it routed there; that approximates the instances' real caches (it knows nothing of
// their evictions) until the engines model prefix caching themselves. No match, and ties between
// equal matches, go to the least outstanding (then round-robin).
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "stratum/policies/recency_list.hpp"
#include "stratum/policies/routing.hpp"

namespace stratum::policies {

// A set of at most `capacity` block hashes (at most 2^31: the loader caps it at 10 M) that forgets
// the least recently touched first. The recency list lives in arrays indexed by slot, so touching
// a known hash does not allocate.
class BlockLru {
 public:
  explicit BlockLru(size_t capacity);
  bool contains(uint64_t hash) const { return index_.find(hash) != index_.end(); }
  // Inserts `hash` or marks it most recently used; evicts the least recent when full.
  void touch(uint64_t hash);
  size_t size() const { return index_.size(); }

 private:
  size_t capacity_;
  std::unordered_map<uint64_t, int32_t> index_;  // hash -> slot
  std::vector<uint64_t> hash_;                    // per slot
  RecencyList recency_;
};

class PrefixAwareRouter final : public Router {
 public:
  explicit PrefixAwareRouter(size_t blocks_per_instance) : blocks_per_instance_(blocks_per_instance) {}
  size_t pick(const RouterView& state, const RequestView& request) override;

  // Leading blocks of `prefix` that instance `i` has served recently (0 before any request).
  size_t matched_blocks(size_t i, std::span<const uint64_t> prefix) const;

 private:
  size_t blocks_per_instance_;
  std::vector<BlockLru> caches_;  // one per instance, created on the first pick
  std::vector<size_t> matches_;   // per instance, reused between picks
  size_t last_ = static_cast<size_t>(-1);
};

}  // namespace stratum::policies
