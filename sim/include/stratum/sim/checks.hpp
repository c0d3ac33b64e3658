#pragma once
// Scenario checks that need the cost and memory models (so they cannot live in scenarios/): does
// the model fit in GPU memory, do the replicas fit on the cluster. Errors point at the field.
#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::sim {

void check_serving(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags);

// A collectives scenario's cluster builds (topology/ accepts the fabric) and every rank group it
// will run is connected: ranks on nodes that no fabric joins are an error at `collectives.ranks`,
// not a crash mid-run.
void check_collectives(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags);

}  // namespace stratum::sim
