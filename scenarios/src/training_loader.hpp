#pragma once
// Private to scenarios/: the training workload (scenario.proto, message Training; issue 7), read
// into TrainingSpec with every problem reported at its field. Field ranges, the model and the
// precision are checked here; whether the layout suits the model and the cluster (degrees
// multiplying to the GPU count, divisibility of batch, heads and layers) needs
// calibration::validate_layout and is checked by sim::check_training.
#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Reads msg.training() into out.training; needs out.cluster read already (its node groups must
// all hold the same GPU).
void load_training(const pb::Scenario& msg, const Catalog& catalog, Checker& c, Scenario& out);

}  // namespace stratum::scenarios::detail
