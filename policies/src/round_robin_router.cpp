#include "stratum/policies/round_robin_router.hpp"

namespace stratum::policies {

size_t RoundRobinRouter::pick(const RouterView& state, const RequestView& /*request*/) {
  const size_t i = next_ % state.instances.size();
  next_ = i + 1;
  return i;
}

}  // namespace stratum::policies
