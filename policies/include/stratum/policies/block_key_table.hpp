#pragma once
// A fixed-capacity map from 64-bit block keys to small slot numbers: open addressing with linear
// probing and backward-shift deletion (Knuth, TAOCP vol. 3, 6.4, Algorithm R), so that lookups,
// insertions and erasures are O(1) expected and nothing is allocated after construction. The
// prefix cache and the KV offload tiers index their blocks with it.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace stratum::policies {

class BlockKeyTable {
 public:
  // Room for `capacity` keys; the table is kept at most half full.
  explicit BlockKeyTable(int64_t capacity);

  // Slot stored under `key`, or -1.
  int32_t find(uint64_t key) const;
  // Stores `slot` under `key`. Precondition: `key` absent and fewer than `capacity` keys held.
  void insert(uint64_t key, int32_t slot);
  // Removes `key`; false when it was absent.
  bool erase(uint64_t key);
  int64_t size() const { return size_; }

 private:
  size_t home(uint64_t key) const;

  // Key and slot side by side: a lookup touches one cache line per probe.
  struct Bucket {
    uint64_t key = 0;
    int32_t slot = -1;  // -1: empty
  };
  std::vector<Bucket> buckets_;
  size_t mask_ = 0;
  int64_t size_ = 0;
};

}  // namespace stratum::policies
