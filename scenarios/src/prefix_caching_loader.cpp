#include "prefix_caching_loader.hpp"

#include <string>

namespace stratum::scenarios::detail {
namespace {

// Sanity bounds (assumptions, no published limit): 1 PiB per instance is beyond any node's DRAM
// or NVMe (a DGX H100 has 2 TB of DRAM and 30 TB of NVMe, NVIDIA DGX H100 user guide); latency and
// bandwidth bounds as the loader's other links (1 s; 1000 TB/s).
constexpr double kMaxTierBytes = 1125899906842624.0;  // 1 PiB
constexpr double kMaxTierBandwidth = 1e15;
constexpr double kMaxTierLatency = 1.0;
constexpr const char* kNeedsPrefixCaching = "expected serving.scheduler.continuous.prefix_caching: true";

KvTierKind kind_of(pb::KvTierKind k) {
  switch (k) {
    case pb::HOST_DRAM: return KvTierKind::kHostDram;
    case pb::LOCAL_NVME: return KvTierKind::kLocalNvme;
    case pb::REMOTE_POOL: return KvTierKind::kRemotePool;
  }
  return KvTierKind::kHostDram;
}

// A REMOTE_POOL tier is reached over the instances' NICs: every node group an instance may use
// needs some.
void remote_pool_reachable(const std::string& path, const ClusterSpec& cluster, const ServingSpec& out, Checker& c) {
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    const NodeGroup& g = cluster.nodes[i];
    bool hosts = false;
    for (const ReplicaSpec& r : out.replicas) hosts = hosts || r.nodes.empty() || r.nodes == g.id;
    if (!hosts || g.nics.count > 0) continue;
    c.error(path, path + " REMOTE_POOL is reached over the NICs, but cluster.nodes[" + std::to_string(i) + "] (\"" +
                      g.id + "\") has none; expected a cluster.fabric or a nics block on that node group");
    return;
  }
}

void load_tiers(const pb::KvTiers& m, const ClusterSpec& cluster, Checker& c, ServingSpec& out) {
  int last_kind = 0;  // proto enum values increase from HBM outwards
  for (int i = 0; i < m.tier_size(); ++i) {
    const pb::KvTier& t = m.tier(i);
    const std::string p = "serving.kv_tiers.tier[" + std::to_string(i) + "]";
    KvTierSpec spec;
    bool ok = true;
    if (!t.has_kind()) {
      c.missing(p + ".kind", "HOST_DRAM, LOCAL_NVME or REMOTE_POOL");
      ok = false;
    } else {
      spec.kind = kind_of(t.kind());
      if (t.kind() <= last_kind) {
        c.error(p + ".kind", p + ".kind is " + pb::KvTierKind_Name(t.kind()) + " after " +
                                 pb::KvTierKind_Name(static_cast<pb::KvTierKind>(last_kind)) +
                                 "; expected the kinds in the order HOST_DRAM, LOCAL_NVME, REMOTE_POOL, each at most once");
        ok = false;
      }
      last_kind = t.kind();
      if (spec.kind == KvTierKind::kRemotePool) remote_pool_reachable(p + ".kind", cluster, out, c);
    }
    if (!t.has_capacity()) {
      c.missing(p + ".capacity", "a size such as \"256 GiB\"");
      ok = false;
    } else {
      ok = c.quantity_range(p + ".capacity", t.capacity(), Quantity::kBytes, spec.capacity_bytes, 0, true,
                            kMaxTierBytes, "greater than 0 and at most 1 PiB") && ok;
    }
    if (!t.has_bandwidth()) {
      c.missing(p + ".bandwidth", "a bandwidth such as \"7 GB/s\"");
      ok = false;
    } else {
      ok = c.quantity_range(p + ".bandwidth", t.bandwidth(), Quantity::kBandwidth, spec.bandwidth, 0, true,
                            kMaxTierBandwidth, "greater than 0 and at most 1000 TB/s") && ok;
    }
    if (!t.has_latency()) {
      c.missing(p + ".latency", "a time such as \"20 us\"");
      ok = false;
    } else {
      ok = c.quantity_range(p + ".latency", t.latency(), Quantity::kTime, spec.latency, 0, false, kMaxTierLatency,
                            "from 0 to 1 s") && ok;
    }
    if (ok) out.kv_tiers.push_back(spec);
  }
}

}  // namespace

void load_prefix_caching(const pb::Serving& msg, const ClusterSpec& cluster, Checker& c, ServingSpec& out) {
  const bool continuous = out.scheduler.kind == SchedulerKind::kContinuous;
  out.scheduler.prefix_caching = continuous && msg.scheduler().continuous().prefix_caching();
  // The prefix-aware router steers requests to the instance whose cache holds their prefix; with
  // no cache to hit it would only concentrate load (SGLang's and llm-d's routers assume one).
  if (out.router.kind == RouterKind::kPrefixAware && !out.scheduler.prefix_caching) {
    c.error("serving.router.prefix_aware", std::string("serving.router prefix_aware needs prefix caching; ") + kNeedsPrefixCaching);
  }
  if (msg.kv_tiers().tier_size() == 0) return;  // `kv_tiers {}`: none (so --set can turn them off)
  if (!out.scheduler.prefix_caching) {
    c.error("serving.kv_tiers", std::string("serving.kv_tiers needs prefix caching; ") + kNeedsPrefixCaching);
  }
  load_tiers(msg.kv_tiers(), cluster, c, out);
}

}  // namespace stratum::scenarios::detail
