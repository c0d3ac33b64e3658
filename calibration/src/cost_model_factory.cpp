#include "stratum/calibration/cost_model_factory.hpp"

#include "stratum/calibration/profile_cost_model.hpp"
#include "stratum/calibration/roofline.hpp"

namespace stratum::calibration {

std::unique_ptr<CostModel> make_cost_model(const scenarios::GpuSpec& gpu,
                                           const std::vector<scenarios::Profile>& profiles) {
  if (const scenarios::Profile* profile = scenarios::find_profile(profiles, gpu.id)) {
    return std::make_unique<ProfileCostModel>(*profile, gpu);
  }
  return std::make_unique<RooflineCostModel>(gpu);
}

}  // namespace stratum::calibration
