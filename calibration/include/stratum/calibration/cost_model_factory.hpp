#pragma once
// Which cost model prices a GPU's work (DESIGN.md section 5): its calibration profile when the
// scenario has one for that GPU (its own or a built-in one), the roofline model otherwise. The
// profile model itself falls back to the roofline for cases its measurements do not cover.
#include <memory>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/scenarios/hardware.hpp"
#include "stratum/scenarios/profile.hpp"

namespace stratum::calibration {

std::unique_ptr<CostModel> make_cost_model(const scenarios::GpuSpec& gpu,
                                           const std::vector<scenarios::Profile>& profiles);

}  // namespace stratum::calibration
