#pragma once
// Storage tiers and GPU-time prices of a cluster (scenario.proto: Storage, Market; issue 8), as
// plain structs in SI units (bytes, bytes/s, seconds, USD). Read by scenarios/src/storage_loader.cpp.
#include <string>
#include <vector>

namespace stratum::scenarios {

// Kinds of storage tier. HBM is not one: it is the GPU's own memory (GpuSpec::memory_bytes).
enum class StorageKind { kHostDram, kLocalNvme, kObjectStore };
const char* to_string(StorageKind kind);

// One storage tier. Local kinds (kHostDram, kLocalNvme) exist once per node, each node's copy
// shared by that node's accesses; kObjectStore exists once, shared by the whole cluster.
struct StorageTierSpec {
  std::string id;
  StorageKind kind = StorageKind::kLocalNvme;
  double capacity_bytes = 0;   // per node for local kinds
  double read_bandwidth = 0;   // bytes/s of the whole tier (per node for local kinds)
  double write_bandwidth = 0;  // bytes/s
  double latency_s = 0;        // paid once per access, before its bytes flow
  bool shared() const { return kind == StorageKind::kObjectStore; }
};

struct StorageSpec {
  std::vector<StorageTierSpec> tiers;  // scenario order; empty: no cluster.storage
  // The tier called `id`, nullptr when there is none.
  const StorageTierSpec* find(const std::string& id) const;
};

// Whether `tier` can hold `bytes` (per node for local kinds).
bool tier_can_hold(const StorageTierSpec& tier, double bytes);
// Empty when `tier` holds `bytes`; else a message for the loader, e.g.
// "tier \"s3\" holds 1 TB; the checkpoint needs 4.86 TB; expected a tier of at least 4.86 TB"
// (`what` names the data: "the checkpoint", "the model's weights").
std::string tier_capacity_error(const StorageTierSpec& tier, double bytes, const std::string& what);

// Prices of GPU time (cluster.market). Present only when the scenario gives cluster.market.
// Largest price per GPU-hour accepted anywhere (cluster.market, the catalogue's list prices):
// 10,000 USD is over 100 times any public on-demand list price of a data-centre GPU (assumption: a
// bound that catches unit slips, e.g. a monthly price).
inline constexpr double kMaxUsdPerGpuHour = 1e4;

struct MarketSpec {
  double on_demand_usd_per_gpu_hour = 0;
  double spot_usd_per_gpu_hour = 0;   // resolved: given, or on-demand x (1 - discount), or on-demand
  double spot_fraction = 0;           // share of GPU time bought as spot when nothing else says
  double operational_complexity = 1;  // divisor of the cost index
  // Set when the on-demand price is the catalogue's list price of the cluster's GPU (the market
  // gave none): "catalogue: " and the GPU's on_demand_source. Empty when the scenario gave it.
  std::string on_demand_source;
};

}  // namespace stratum::scenarios
