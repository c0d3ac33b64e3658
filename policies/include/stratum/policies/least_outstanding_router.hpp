#pragma once
// Least outstanding requests (Envoy's LEAST_REQUEST load balancer; NGINX least_conn): the instance
// with the fewest requests routed and not yet settled. Ties go round-robin from the instance
// after the last one chosen, so identical idle replicas share light load evenly while staying
// deterministic. This is the default router, and Stratum's behaviour before issue 6.
#include "stratum/policies/routing.hpp"

namespace stratum::policies {

class LeastOutstandingRouter final : public Router {
 public:
  size_t pick(const RouterView& state, const RequestView& request) override;

 private:
  size_t last_ = static_cast<size_t>(-1);
};

// The instance with the fewest outstanding requests among those for which `eligible(i)` holds,
// scanning from `(last + 1) % n` so ties go round-robin. Shared by the routers that fall back to
// least outstanding. Returns n when no instance is eligible.
template <class Eligible>
size_t least_outstanding_from(const RouterView& state, size_t last, Eligible eligible) {
  const size_t n = state.instances.size();
  size_t best = n;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (last + 1 + k) % n;
    if (!eligible(i)) continue;
    if (best == n || state.instances[i].outstanding < state.instances[best].outstanding) best = i;
  }
  return best;
}

}  // namespace stratum::policies
