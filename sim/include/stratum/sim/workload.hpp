#pragma once
// Turns a scenario's workload (trace replay or synthetic arrivals) into the run's request list,
// sorted by arrival. Synthetic draws use only the run's seeded generator (DESIGN.md section 2).
#include <cstdint>
#include <vector>

#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/request_prefixes.hpp"
#include "stratum/sim/request_record.hpp"

namespace stratum::sim {

// Returns the requests, ids 0..n-1 in arrival order. Trace read errors go to `diags`.
// The scenario must have a serving section. With `prefixes`, also fills it with the requests'
// trace hash_ids (left empty when no request has any, as for synthetic workloads).
std::vector<RequestRecord> build_workload(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags,
                                          RequestPrefixes* prefixes = nullptr);

}  // namespace stratum::sim
