#pragma once
// Private to scenarios/: training.software (training_software.hpp) read into TrainingSpec, with
// the layouts each 2021 choice cannot run reported at the field.
#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Reads m.software() into spec.software; needs spec's layout and precision already read (cp, pp, zero_stage, precision).
void load_training_software(const pb::Training& m, Checker& c, TrainingSpec& spec);

}  // namespace stratum::scenarios::detail
