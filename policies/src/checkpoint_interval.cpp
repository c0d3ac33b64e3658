#include "stratum/policies/checkpoint_interval.hpp"

#include <cmath>
#include <stdexcept>

namespace stratum::policies {
namespace {
void check(double delta_s, double mtbf_s) {
  if (!(delta_s > 0) || !(mtbf_s > 0) || !std::isfinite(delta_s) || !std::isfinite(mtbf_s)) {
    throw std::invalid_argument("checkpoint interval: delta and the MTBF must be positive and finite");
  }
}
}  // namespace

double young_interval_s(double delta_s, double mtbf_s) {
  check(delta_s, mtbf_s);
  return std::sqrt(2.0 * delta_s * mtbf_s);  // Young 1974
}

double daly_interval_s(double delta_s, double mtbf_s) {
  check(delta_s, mtbf_s);
  if (delta_s >= 2.0 * mtbf_s) return mtbf_s;  // Daly 2006 eq. 37, second case
  const double x = delta_s / (2.0 * mtbf_s);
  return std::sqrt(2.0 * delta_s * mtbf_s) * (1.0 + std::sqrt(x) / 3.0 + x / 9.0) - delta_s;  // eq. 37
}

}  // namespace stratum::policies
