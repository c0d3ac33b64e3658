#pragma once
// Private to scenarios/: the scenario's `profile` fields, read into Scenario::profiles.
#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Loads every `profile` path of `msg` (relative to the scenario file's directory) with
// load_profile: errors inside a profile are located in that file, a missing file at the
// scenario's field, a second profile for one GPU id at the later field. Then appends the
// built-in profile of each GPU of `out.cluster` that has none of its own. `out.cluster` must be
// filled already.
void load_scenario_profiles(const pb::Scenario& msg, const Catalog& catalog, Checker& c, Scenario& out);

}  // namespace stratum::scenarios::detail
