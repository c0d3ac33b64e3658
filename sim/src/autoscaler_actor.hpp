#pragma once
// The autoscaler actor of a serving run (issue 8; DESIGN.md section 4: one actor per autoscaler).
// It wakes every HPA sync period (or Knative tick), measures the instances, asks the policy
// (policies/hpa.hpp, policies/knative.hpp) for a replica count and applies it to the fleet.
#include <memory>
#include <vector>

#include "replica_fleet.hpp"
#include "serving_instance.hpp"
#include "serving_shared.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::sim {

// The actor's body; returns once every request is settled.
void run_autoscaler(ServingShared& shared, ReplicaFleet& fleet,
                    const std::vector<std::unique_ptr<ServingInstance>>& instances,
                    const scenarios::AutoscalerSpec& spec);

}  // namespace stratum::sim
