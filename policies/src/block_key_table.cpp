#include "stratum/policies/block_key_table.hpp"

#include <stdexcept>

namespace stratum::policies {

BlockKeyTable::BlockKeyTable(int64_t capacity) {
  if (capacity < 0) throw std::invalid_argument("BlockKeyTable needs a capacity >= 0");
  size_t buckets = 16;
  while (buckets < 2 * static_cast<size_t>(capacity)) buckets *= 2;
  buckets_.assign(buckets, Bucket{});
  mask_ = buckets - 1;
}

size_t BlockKeyTable::home(uint64_t key) const {
  // Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4): spreads keys that differ only in low bits.
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & mask_;
}

int32_t BlockKeyTable::find(uint64_t key) const {
  for (size_t i = home(key);; i = (i + 1) & mask_) {
    const Bucket& b = buckets_[i];
    if (b.slot < 0) return -1;
    if (b.key == key) return b.slot;
  }
}

void BlockKeyTable::insert(uint64_t key, int32_t slot) {
  size_t i = home(key);
  while (buckets_[i].slot >= 0) i = (i + 1) & mask_;
  buckets_[i] = {key, slot};
  ++size_;
}

bool BlockKeyTable::erase(uint64_t key) {
  size_t i = home(key);
  while (true) {
    if (buckets_[i].slot < 0) return false;
    if (buckets_[i].key == key) break;
    i = (i + 1) & mask_;
  }
  // Backward shift: move later entries of the probe run into the hole when their home allows it.
  size_t hole = i;
  for (size_t j = (hole + 1) & mask_; buckets_[j].slot >= 0; j = (j + 1) & mask_) {
    const size_t h = home(buckets_[j].key);
    // Entry j may move to `hole` unless its home lies cyclically in (hole, j].
    const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (stays) continue;
    buckets_[hole] = buckets_[j];
    hole = j;
  }
  buckets_[hole].slot = -1;
  --size_;
  return true;
}

}  // namespace stratum::policies
