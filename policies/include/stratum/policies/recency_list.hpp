#pragma once
// A least-to-most-recently-used order over slots 0 .. slots() - 1, kept in two index arrays, so
// that making a slot the most recent, or unlinking one, costs O(1) and allocates nothing once the
// slots exist. The recency lists of PrefixCache (evictable HBM blocks), KvTierChain (each offload
// tier's blocks) and BlockLru (the prefix-aware router's block hashes).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace stratum::policies {

class RecencyList {
 public:
  static constexpr int32_t kNone = -1;

  explicit RecencyList(size_t slots = 0) : prev_(slots, kNone), next_(slots, kNone) {}

  // One more slot, not in the order.
  void add_slot() {
    prev_.push_back(kNone);
    next_.push_back(kNone);
  }
  size_t slots() const { return prev_.size(); }

  // Takes a slot in the order out of it.
  void unlink(int32_t slot) {
    const auto s = static_cast<size_t>(slot);
    if (prev_[s] != kNone) next_[static_cast<size_t>(prev_[s])] = next_[s]; else head_ = next_[s];
    if (next_[s] != kNone) prev_[static_cast<size_t>(next_[s])] = prev_[s]; else tail_ = prev_[s];
    prev_[s] = next_[s] = kNone;
  }
  // Puts a slot not in the order at its most recent end.
  void push_most_recent(int32_t slot) {
    const auto s = static_cast<size_t>(slot);
    prev_[s] = tail_;
    next_[s] = kNone;
    if (tail_ != kNone) next_[static_cast<size_t>(tail_)] = slot; else head_ = slot;
    tail_ = slot;
  }

  // kNone when the order is empty.
  int32_t least_recent() const { return head_; }
  // The slot used just after `slot`, or kNone for the most recent.
  int32_t more_recent(int32_t slot) const { return next_[static_cast<size_t>(slot)]; }

 private:
  std::vector<int32_t> prev_, next_;
  int32_t head_ = kNone, tail_ = kNone;
};

}  // namespace stratum::policies
