#include "stratum/policies/speculative.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace stratum::policies {

double expected_tokens_per_step(double alpha, int64_t k) {
  // Leviathan et al. 2023, eq. (1): E[tokens] = (1 - alpha^(k+1)) / (1 - alpha).
  if (alpha >= 1) return static_cast<double>(k + 1);
  return (1 - std::pow(alpha, static_cast<double>(k + 1))) / (1 - alpha);
}

SpeculativeAcceptance::SpeculativeAcceptance(double alpha, uint64_t seed) : alpha_(alpha), rng_(seed) {
  if (!(alpha >= 0 && alpha <= 1)) throw std::invalid_argument("acceptance rate must be in [0, 1], got " + std::to_string(alpha));
}

int64_t SpeculativeAcceptance::draw(int64_t k) {
  int64_t accepted = 0;
  while (accepted < k) {
    // A uniform double in [0, 1) from the top 53 bits: the same on every standard library,
    // unlike std::uniform_real_distribution, whose algorithm is implementation-defined.
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    if (u >= alpha_) break;  // this draft token is rejected; the rest are discarded
    ++accepted;
  }
  return accepted + 1;
}

}  // namespace stratum::policies
