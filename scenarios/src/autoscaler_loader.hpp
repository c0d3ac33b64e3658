#pragma once
// Private to scenarios/: serving.autoscaler and the replica lifecycle fields (serving.weights_tier,
// node_start, retry_timeout; issue 8), read into ServingSpec with every problem at its field.
#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Needs out.model, out.precision and out.replicas read already, and scenario.cluster.storage
// (load_storage_and_market) for the weights tier.
void load_autoscaler(const pb::Serving& msg, const Scenario& scenario, Checker& c, ServingSpec& out);

}  // namespace stratum::scenarios::detail
