#include "stratum/policies/least_kv_load_router.hpp"
#include "stratum/policies/least_outstanding_router.hpp"
#include "stratum/policies/power_of_two_router.hpp"
#include "stratum/policies/prefix_aware_router.hpp"
#include "stratum/policies/round_robin_router.hpp"
#include "stratum/policies/routing.hpp"

namespace stratum::policies {

std::unique_ptr<Router> make_router(const scenarios::RouterSpec& spec, uint64_t seed) {
  switch (spec.kind) {
    case scenarios::RouterKind::kRoundRobin: return std::make_unique<RoundRobinRouter>();
    case scenarios::RouterKind::kLeastOutstanding: return std::make_unique<LeastOutstandingRouter>();
    case scenarios::RouterKind::kLeastKvLoad: return std::make_unique<LeastKvLoadRouter>();
    case scenarios::RouterKind::kPowerOfTwo: return std::make_unique<PowerOfTwoRouter>(seed);
    case scenarios::RouterKind::kPrefixAware:
      return std::make_unique<PrefixAwareRouter>(static_cast<size_t>(spec.prefix_blocks_per_instance));
  }
  return std::make_unique<LeastOutstandingRouter>();
}

}  // namespace stratum::policies
