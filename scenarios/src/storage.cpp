#include "stratum/scenarios/storage.hpp"

#include <cstdio>

namespace stratum::scenarios {
namespace {

// Bytes for a message, in the largest decimal unit that keeps the number at least 1, to four
// significant digits ("4.86 TB", "1 PB", "512 B").
std::string human_bytes(double bytes) {
  static constexpr struct {
    const char* unit;
    double factor;
  } kUnits[] = {{"PB", 1e15}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}};
  for (const auto& u : kUnits) {
    if (bytes >= u.factor) {
      char buffer[48];
      std::snprintf(buffer, sizeof buffer, "%.4g %s", bytes / u.factor, u.unit);
      return buffer;
    }
  }
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.4g B", bytes);
  return buffer;
}

}  // namespace

const char* to_string(StorageKind kind) {
  switch (kind) {
    case StorageKind::kHostDram: return "HOST_DRAM";
    case StorageKind::kLocalNvme: return "LOCAL_NVME";
    case StorageKind::kObjectStore: return "OBJECT_STORE";
  }
  return "?";
}

const StorageTierSpec* StorageSpec::find(const std::string& id) const {
  for (const StorageTierSpec& t : tiers) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

bool tier_can_hold(const StorageTierSpec& tier, double bytes) { return bytes <= tier.capacity_bytes; }

std::string tier_capacity_error(const StorageTierSpec& tier, double bytes, const std::string& what) {
  if (tier_can_hold(tier, bytes)) return {};
  const std::string need = human_bytes(bytes);
  return "tier \"" + tier.id + "\" holds " + human_bytes(tier.capacity_bytes) +
         (tier.shared() ? "" : " per node") + "; " + what + " needs " + need + "; expected a tier of at least " + need;
}

}  // namespace stratum::scenarios
