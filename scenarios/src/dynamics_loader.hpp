#pragma once
// Private to scenarios/: cluster dynamics (issue 8) read into plain structs (dynamics.hpp):
// cluster.spot with its availability trace, cluster.failures, and training.checkpoint /
// elastic / duration. Every problem is reported at its field; a bad trace row also at its own
// file:line:col.
#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Reads msg.cluster().spot() and .failures() into out.cluster.
void load_cluster_dynamics(const pb::Scenario& msg, Checker& c, Scenario& out);
// Reads training.checkpoint, elastic and duration into `spec`; the checkpoint tier must be one of
// out.cluster.storage (read before training). Whether it can hold the checkpoint needs the
// parameter count from calibration/: sim::check_training_dynamics.
void load_training_dynamics(const pb::Training& m, Checker& c, const Scenario& out, TrainingSpec& spec);

}  // namespace stratum::scenarios::detail
