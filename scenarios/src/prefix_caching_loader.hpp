#pragma once
// Private to scenarios/: prefix caching (serving.scheduler.continuous.prefix_caching) and the KV
// offload tiers below it (serving.kv_tiers), read into ServingSpec with every problem reported at
// its field.
#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Reads prefix_caching and serving.kv_tiers; needs out.scheduler, out.router and out.replicas
// read already, and `cluster` (a REMOTE_POOL tier needs NICs on the instances' nodes).
void load_prefix_caching(const pb::Serving& msg, const ClusterSpec& cluster, Checker& c, ServingSpec& out);

}  // namespace stratum::scenarios::detail
