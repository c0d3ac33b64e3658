#pragma once
// Private to scenarios/: serving.replica groups (count, tensor / pipeline / expert parallelism,
// node group, disaggregation role), read into ServingSpec::replicas with every problem reported at
// its field.
#include <vector>

#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Reads every serving.replica; leaves `out` (one default group) alone when there is none.
// `total_gpus`: the cluster's GPUs, or -1 when the cluster is invalid (fit checks are then skipped).
void load_replicas(const pb::Serving& msg, const ModelSpec* model, const ClusterSpec& cluster, int64_t total_gpus,
                   Checker& c, std::vector<ReplicaSpec>& out);

}  // namespace stratum::scenarios::detail
