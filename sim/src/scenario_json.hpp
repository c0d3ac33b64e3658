#pragma once
// The resolved scenario (after catalogue lookup, defaults and --set overrides) as JSON, for
// run.json: what actually ran, in SI units.
#include <string>

#include "stratum/scenarios/scenario.hpp"

namespace stratum::sim {

std::string scenario_to_json(const scenarios::Scenario& scenario);

}  // namespace stratum::sim
