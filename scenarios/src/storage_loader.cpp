#include "storage_loader.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include "stratum/scenarios/suggest.hpp"

namespace stratum::scenarios::detail {
namespace {

// Sanity bounds (assumptions, no published limit applies): 1 EB of capacity is 1,000 times a
// 1 PB object store; the loader's bandwidth bound (1 PB/s); 10 s per access is 100 times the
// deployment guide's 100 ms object-store figure (REFERENCES.md "Storage tiers").
constexpr double kMaxCapacity = 1e18;
constexpr double kMaxBandwidth = 1e15;
constexpr double kMaxLatency = 10.0;
constexpr double kMaxComplexity = 1000;

// Defaults per kind (REFERENCES.md, "Hardware" and "Operations", which name their sources):
// NVMe Gen4 SSD about 7 GB/s read (vendor datasheets); object stores (Ceph, MinIO) about 10 GB/s
// aggregate; per-access latency local NVMe about 2 ms, object storage about 100 ms (the
// deployment guide this project follows). HOST_DRAM: bandwidth from the GPU's PCIe link in the
// catalogue; no per-access latency is published for it, so the scenario must give one.
constexpr double kNvmeReadBandwidth = 7e9;
constexpr double kObjectStoreBandwidth = 10e9;
constexpr double kNvmeLatency = 2e-3;
constexpr double kObjectStoreLatency = 100e-3;

void load_tier(const pb::StorageTier& t, const std::string& p, Checker& c, const Scenario& out, StorageTierSpec& tier) {
  tier.id = t.id();
  if (!t.has_kind()) {
    c.missing(p + ".kind", "HOST_DRAM, LOCAL_NVME or OBJECT_STORE");
  } else {
    switch (t.kind()) {
      case pb::StorageTier::HOST_DRAM: tier.kind = StorageKind::kHostDram; break;
      case pb::StorageTier::LOCAL_NVME: tier.kind = StorageKind::kLocalNvme; break;
      case pb::StorageTier::OBJECT_STORE: tier.kind = StorageKind::kObjectStore; break;
    }
  }
  if (!t.has_capacity()) {
    c.missing(p + ".capacity", "a size such as \"3.84 TB\"");
  } else {
    c.quantity_range(p + ".capacity", t.capacity(), Quantity::kBytes, tier.capacity_bytes, 0, true, kMaxCapacity,
                     "greater than 0 and at most 1000000 TB");
  }
  const std::string bw_bounds = "greater than 0 and at most 1000 TB/s";
  if (t.has_read_bandwidth()) {
    c.quantity_range(p + ".read_bandwidth", t.read_bandwidth(), Quantity::kBandwidth, tier.read_bandwidth, 0, true,
                     kMaxBandwidth, bw_bounds);
  } else if (tier.kind == StorageKind::kLocalNvme) {
    tier.read_bandwidth = kNvmeReadBandwidth;
  } else if (tier.kind == StorageKind::kObjectStore) {
    tier.read_bandwidth = kObjectStoreBandwidth;
  } else {
    // HOST_DRAM: the slowest GPU host link of the cluster bounds a host-to-GPU copy.
    double pcie = 0;
    for (const NodeGroup& g : out.cluster.nodes) {
      if (g.gpu.pcie_bandwidth > 0) pcie = pcie == 0 ? g.gpu.pcie_bandwidth : std::min(pcie, g.gpu.pcie_bandwidth);
    }
    tier.read_bandwidth = pcie;
  }
  if (t.has_write_bandwidth()) {
    c.quantity_range(p + ".write_bandwidth", t.write_bandwidth(), Quantity::kBandwidth, tier.write_bandwidth, 0, true,
                     kMaxBandwidth, bw_bounds);
  } else {
    tier.write_bandwidth = tier.read_bandwidth;  // assumption: symmetric (scenario.proto says so)
  }
  if (t.has_latency()) {
    c.quantity_range(p + ".latency", t.latency(), Quantity::kTime, tier.latency_s, 0, false, kMaxLatency,
                     "from 0 to 10 s");
  } else if (tier.kind == StorageKind::kLocalNvme) {
    tier.latency_s = kNvmeLatency;
  } else if (tier.kind == StorageKind::kObjectStore) {
    tier.latency_s = kObjectStoreLatency;
  } else if (t.has_kind()) {
    c.missing(p + ".latency", "a per-access latency such as \"10 us\" (no default for HOST_DRAM)");
  }
}

void load_storage(const pb::Storage& s, Checker& c, Scenario& out) {
  const std::string p = "cluster.storage";
  if (s.tier_size() == 0) {
    c.missing(p + ".tier", "tier { id: \"nvme\" kind: LOCAL_NVME capacity: \"3.84 TB\" }");
    return;
  }
  std::set<std::string> ids;
  for (int i = 0; i < s.tier_size(); ++i) {
    const pb::StorageTier& t = s.tier(i);
    const std::string q = p + ".tier[" + std::to_string(i) + "]";
    if (!t.has_id() || t.id().empty()) {
      c.missing(q + ".id", "a tier name such as \"nvme\"");
    } else if (!ids.insert(t.id()).second) {
      c.error(q + ".id", q + ".id \"" + t.id() + "\" repeats an earlier tier; expected unique ids");
    }
    StorageTierSpec tier;
    load_tier(t, q, c, out, tier);
    out.cluster.storage.tiers.push_back(std::move(tier));
  }
}

// A price per GPU-hour in USD, at least 0.
bool price(Checker& c, const std::string& path, const std::string& text, double& value) {
  return c.quantity_range(path, text, Quantity::kMoney, value, 0, false, kMaxUsdPerGpuHour,
                          "from 0 USD to 10000 USD per GPU-hour");
}

void load_market(const pb::Market& m, Checker& c, Scenario& out) {
  const std::string p = "cluster.market";
  MarketSpec market;
  bool ok = true;
  if (!m.has_on_demand_per_gpu_hour()) {
    // The catalogue's list price of the cluster's GPU, when every node group has one GPU kind
    // with a price.
    // Why the catalogue cannot give the price (empty: it can).
    std::string why = out.cluster.nodes.empty() ? "the cluster has no valid node group" : "";
    for (const NodeGroup& g : out.cluster.nodes) {
      if (!why.empty()) break;
      if (g.gpu.id != out.cluster.nodes.front().gpu.id) {
        why = "the cluster has several GPU kinds";
      } else if (g.gpu.on_demand_usd_per_gpu_hour <= 0) {
        why = "the catalogue has no list price for " + (g.gpu.id.empty() ? std::string("this GPU") : "\"" + g.gpu.id + "\"");
      }
    }
    if (!why.empty()) {
      c.missing(p + ".on_demand_per_gpu_hour",
                "the on-demand price of one GPU for one hour, such as \"12.29 USD\" (" + why + ")");
      ok = false;
    } else {
      market.on_demand_usd_per_gpu_hour = out.cluster.nodes.front().gpu.on_demand_usd_per_gpu_hour;
      market.on_demand_source = "catalogue: " + out.cluster.nodes.front().gpu.on_demand_source;
    }
  } else {
    ok = price(c, p + ".on_demand_per_gpu_hour", m.on_demand_per_gpu_hour(), market.on_demand_usd_per_gpu_hour);
  }
  market.spot_usd_per_gpu_hour = market.on_demand_usd_per_gpu_hour;
  if (m.has_spot_per_gpu_hour() && m.has_spot_discount()) {
    c.error(p + ".spot_discount", p + " has both spot_per_gpu_hour and spot_discount; expected at most one of them");
    ok = false;
  } else if (m.has_spot_per_gpu_hour()) {
    ok = price(c, p + ".spot_per_gpu_hour", m.spot_per_gpu_hour(), market.spot_usd_per_gpu_hour) && ok;
  } else if (m.has_spot_discount()) {
    if (c.real_range(p + ".spot_discount", m.spot_discount(), 0, false, 1, "from 0 to 1")) {
      market.spot_usd_per_gpu_hour = market.on_demand_usd_per_gpu_hour * (1 - m.spot_discount());
    } else {
      ok = false;
    }
  }
  if (m.has_spot_fraction()) {
    ok = c.real_range(p + ".spot_fraction", m.spot_fraction(), 0, false, 1, "from 0 to 1") && ok;
    market.spot_fraction = m.spot_fraction();
  }
  if (m.has_operational_complexity()) {
    ok = c.real_range(p + ".operational_complexity", m.operational_complexity(), 0, true, kMaxComplexity,
                      "greater than 0 and at most 1000") &&
         ok;
    market.operational_complexity = m.operational_complexity();
  }
  if (ok) out.cluster.market = market;
}

}  // namespace

void load_storage_and_market(const pb::Scenario& msg, Checker& c, Scenario& out) {
  if (!msg.has_cluster()) return;
  if (msg.cluster().has_storage()) load_storage(msg.cluster().storage(), c, out);
  if (msg.cluster().has_market()) load_market(msg.cluster().market(), c, out);
}

const StorageTierSpec* check_tier_reference(Checker& c, const Scenario& out, const std::string& path,
                                            const std::string& tier_id, double bytes, const std::string& what) {
  const StorageTierSpec* tier = out.cluster.storage.find(tier_id);
  if (tier == nullptr) {
    std::vector<std::string> known;
    for (const StorageTierSpec& t : out.cluster.storage.tiers) known.push_back(t.id);
    c.error(path, path + " \"" + tier_id + "\" is not a tier of cluster.storage; " +
                      (known.empty() ? std::string("expected a cluster.storage { tier { id: \"") + tier_id + "\" ... } }"
                                     : did_you_mean(tier_id, known) + "expected one of: " + join(known)));
    return nullptr;
  }
  const std::string message = tier_capacity_error(*tier, bytes, what);
  if (!message.empty()) {
    c.error(path, path + ": " + message);
    return nullptr;
  }
  return tier;
}

}  // namespace stratum::scenarios::detail
