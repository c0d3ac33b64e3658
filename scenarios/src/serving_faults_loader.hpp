#pragma once
// Private to scenarios/: which serving layouts can run under cluster.spot / cluster.failures
// (issue 8; sim/src/serving_faults.hpp models a lost co-located replica without pipeline stages).
#include "checker.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Needs scenario.cluster.spot / failures (load_cluster_dynamics) and out's replicas, admission
// and autoscaler read already. Reports each unsupported combination at cluster.spot (else
// cluster.failures).
void check_serving_faults(const Scenario& scenario, Checker& c, const ServingSpec& out);

}  // namespace stratum::scenarios::detail
