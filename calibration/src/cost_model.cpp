#include "stratum/calibration/cost_model.hpp"

namespace stratum::calibration {

const char* to_string(Provenance p) {
  switch (p) {
    case Provenance::kMeasured: return "measured";
    case Provenance::kInterpolated: return "interpolated";
    case Provenance::kExtrapolated: return "extrapolated";
    case Provenance::kRoofline: return "roofline";
  }
  return "unknown";
}

}  // namespace stratum::calibration
