#include "stratum/policies/power_of_two_router.hpp"

namespace stratum::policies {

// A stream of its own, derived from the run's seed, so routing draws do not replay the
// workload generator's sequence (which is seeded with the same number).
PowerOfTwoRouter::PowerOfTwoRouter(uint64_t seed) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), 0x726f7574u /* "rout" */};
  rng_.seed(seq);
}

size_t PowerOfTwoRouter::pick(const RouterView& state, const RequestView& /*request*/) {
  const size_t n = state.instances.size();
  if (n == 1) return 0;
  const size_t a = std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  size_t b = std::uniform_int_distribution<size_t>(0, n - 2)(rng_);
  if (b >= a) ++b;  // uniform over the other n - 1 instances
  return state.instances[b].outstanding < state.instances[a].outstanding ? b : a;
}

}  // namespace stratum::policies
