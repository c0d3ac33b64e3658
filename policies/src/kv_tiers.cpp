#include "stratum/policies/kv_tiers.hpp"

#include <limits>
#include <stdexcept>
#include <utility>

namespace stratum::policies {

KvTierChain::Level::Level(int64_t capacity)
    : table(capacity),
      keys(static_cast<size_t>(capacity), 0),
      recency(keys.size()) {
  free_slots.reserve(keys.size());
  for (size_t i = keys.size(); i-- > 0;) free_slots.push_back(static_cast<int32_t>(i));
}

void KvTierChain::Level::erase(uint64_t key) {
  const int32_t slot = table.find(key);
  if (slot < 0) return;
  recency.unlink(slot);
  table.erase(key);
  free_slots.push_back(slot);
}

bool KvTierChain::Level::insert(uint64_t key, uint64_t& dropped) {
  if (keys.empty()) {  // a tier smaller than one block passes everything down
    dropped = key;
    return true;
  }
  bool evicted = false;
  if (free_slots.empty()) {
    dropped = keys[static_cast<size_t>(recency.least_recent())];
    erase(dropped);
    evicted = true;
  }
  const int32_t slot = free_slots.back();
  free_slots.pop_back();
  keys[static_cast<size_t>(slot)] = key;
  table.insert(key, slot);
  recency.push_most_recent(slot);
  return evicted;
}

KvTierChain::KvTierChain(KvOffloadConfig config) : config_(std::move(config)) {
  levels_.reserve(config_.tiers.size());
  for (const KvTierParams& t : config_.tiers) {
    if (t.capacity_blocks < 0 || t.capacity_blocks > std::numeric_limits<int32_t>::max()) {
      throw std::invalid_argument("KV tier " + t.name + ": capacity must be 0 to 2^31 blocks");
    }
    if (!(t.bandwidth > 0) || t.latency < 0) {
      throw std::invalid_argument("KV tier " + t.name + ": needs a bandwidth > 0 and a latency >= 0");
    }
    levels_.emplace_back(t.capacity_blocks);
  }
}

void KvTierChain::offload(uint64_t key) {
  for (Level& level : levels_) level.erase(key);
  uint64_t moving = key;
  for (Level& level : levels_) {
    uint64_t dropped = 0;
    if (!level.insert(moving, dropped)) return;
    moving = dropped;  // cascades to the next tier; past the bottom it is dropped
  }
}

int KvTierChain::locate(uint64_t key) const {
  for (size_t t = 0; t < levels_.size(); ++t) {
    if (levels_[t].table.find(key) >= 0) return static_cast<int>(t);
  }
  return -1;
}

void KvTierChain::touch(int tier, uint64_t key) {
  Level& level = levels_[static_cast<size_t>(tier)];
  const int32_t slot = level.table.find(key);
  if (slot < 0) return;
  level.recency.unlink(slot);
  level.recency.push_most_recent(slot);
}

double KvTierChain::reload_seconds(int tier, int64_t blocks) const {
  if (blocks <= 0) return 0.0;
  const KvTierParams& t = config_.tiers[static_cast<size_t>(tier)];
  return t.latency + static_cast<double>(blocks) * config_.block_bytes / t.bandwidth;
}

std::vector<uint64_t> KvTierChain::lru_keys(int tier) const {
  const Level& level = levels_[static_cast<size_t>(tier)];
  std::vector<uint64_t> out;
  for (int32_t s = level.recency.least_recent(); s != RecencyList::kNone; s = level.recency.more_recent(s)) {
    out.push_back(level.keys[static_cast<size_t>(s)]);
  }
  return out;
}

}  // namespace stratum::policies
