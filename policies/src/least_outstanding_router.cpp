#include "stratum/policies/least_outstanding_router.hpp"

namespace stratum::policies {

size_t LeastOutstandingRouter::pick(const RouterView& state, const RequestView& /*request*/) {
  last_ = least_outstanding_from(state, last_, [](size_t) { return true; });
  return last_;
}

}  // namespace stratum::policies
