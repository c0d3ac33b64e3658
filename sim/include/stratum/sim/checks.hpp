#pragma once
// Scenario checks that need the cost and memory models (so they cannot live in scenarios/): does
// the model fit in GPU memory, do the replicas fit on the cluster. Errors point at the field.
#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::sim {

void check_serving(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags);

}  // namespace stratum::sim
