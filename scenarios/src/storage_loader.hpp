#pragma once
// Private to scenarios/: cluster.storage and cluster.market (scenario.proto: Storage, Market;
// issue 8), read into ClusterSpec::storage and ClusterSpec::market with every problem reported at
// its field; and the check other loaders call when a field names a tier that must hold data.
#include <string>

#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Reads msg.cluster().storage() and .market() into out.cluster; needs out.cluster.nodes read
// already (HOST_DRAM's default bandwidth is the GPUs' PCIe bandwidth).
void load_storage_and_market(const pb::Scenario& msg, Checker& c, Scenario& out);

// For a field at `path` that names tier `tier_id` (checkpoint tier, weights tier): reports at
// `path` an unknown id (with the ids known) or a tier too small for `bytes` (tier_capacity_error,
// `what` names the data). Returns the tier when it exists and holds the bytes, else nullptr.
// Call after load_storage_and_market.
const StorageTierSpec* check_tier_reference(Checker& c, const Scenario& out, const std::string& path,
                                            const std::string& tier_id, double bytes, const std::string& what);

}  // namespace stratum::scenarios::detail
