#pragma once
// KV offload tiers below HBM (LMCache's CPU and disk backends; Mooncake Store's DRAM / SSD pool,
// Qin et al. FAST 2025 section 3): blocks the prefix cache evicts from HBM are copied to the first
// tier; each tier evicts least recently used first, an evicted block moves one tier down, and the
// bottom tier drops it. A prefix hit found in a tier is reloaded into HBM; the tier keeps its copy
// (LMCache's local CPU backend keeps what it hands back) and counts it as used.
// Assumption: offload copies overlap with compute (asynchronous, as LMCache's and Mooncake's
// stores write behind) and cost no iteration time; reloads are on the request's critical path.
// Plain numbers in, no scenario types: the simulator derives them from the cluster (sim/).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "stratum/policies/block_key_table.hpp"
#include "stratum/policies/recency_list.hpp"

namespace stratum::policies {

// Offload tiers below HBM: host DRAM, local NVMe, remote pool, each at most once.
inline constexpr size_t kMaxKvTiers = 3;

struct KvTierParams {
  std::string name;             // the scenario's kind, e.g. "HOST_DRAM"; used in metrics
  int64_t capacity_blocks = 0;  // whole blocks that fit (per instance)
  double bandwidth = 0;         // bytes/s of a reload: min(tier, path to the instance's GPUs)
  double latency = 0;           // seconds per reload
};

struct KvOffloadConfig {
  std::vector<KvTierParams> tiers;  // first = nearest to HBM
  double block_bytes = 0;           // one KV block over all of the instance's GPUs
  bool enabled() const { return !tiers.empty(); }
};

class KvTierChain {
 public:
  explicit KvTierChain(KvOffloadConfig config);

  // A block left HBM: it goes to the first tier as its most recently used block (out of any lower
  // tier that already held it); overflow cascades down, the bottom tier drops.
  void offload(uint64_t key);
  // Tier holding `key` (0 = first), or -1.
  int locate(uint64_t key) const;
  // A hit: the block becomes its tier's most recently used.
  void touch(int tier, uint64_t key);
  // Seconds to reload `blocks` blocks from `tier` in one transfer: latency + bytes / bandwidth.
  double reload_seconds(int tier, int64_t blocks) const;

  int tiers() const { return static_cast<int>(levels_.size()); }
  const KvOffloadConfig& config() const { return config_; }
  int64_t held(int tier) const { return levels_[static_cast<size_t>(tier)].table.size(); }
  // Keys of `tier` from least to most recently used (tests; O(n)).
  std::vector<uint64_t> lru_keys(int tier) const;

 private:
  struct Level {
    explicit Level(int64_t capacity);
    BlockKeyTable table;
    std::vector<uint64_t> keys;
    std::vector<int32_t> free_slots;
    RecencyList recency;  // every held slot
    void erase(uint64_t key);
    // Inserts `key` as the most recently used; returns true and sets `dropped` when the tier was
    // full and evicted its least recently used key to make room (or cannot hold any block).
    bool insert(uint64_t key, uint64_t& dropped);
  };

  KvOffloadConfig config_;
  std::vector<Level> levels_;
};

}  // namespace stratum::policies
