#pragma once
// Private to scenarios/: a time-varying arrival rate (serving.workload.poisson.rate_profile and
// gamma.rate_profile, issue 8), read into WorkloadSpec with every problem reported at its field.
#include <string>

#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Reads `m`, the rate_profile of the arrival process at `process` ("serving.workload.poisson"),
// into out.rate_profile. `has_rate`: the process also sets rate, which the profile replaces.
void load_rate_profile(const pb::RateProfile& m, bool has_rate, const std::string& process, Checker& c,
                       WorkloadSpec& out);

}  // namespace stratum::scenarios::detail
