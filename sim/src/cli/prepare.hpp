#pragma once
// Everything that can reject input happens here, before any simulation or output: load the
// scenario with its overrides, apply --workload, run the checks that need the cost models.
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"
#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::cli {

std::optional<scenarios::Scenario> prepare_scenario(const std::string& file, const Options& options,
                                                    scenarios::Diagnostics& diags);

// Prints every diagnostic on stderr, one per line.
void print_diagnostics(const scenarios::Diagnostics& diags);

}  // namespace stratum::cli
