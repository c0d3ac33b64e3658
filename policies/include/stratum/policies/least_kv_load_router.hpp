#pragma once
// Least KV-cache load: the instance with the smallest share of its KV blocks in use, the signal
// that KV-utilisation-aware routers use (the Kubernetes Gateway API Inference Extension's endpoint
// picker and llm-d's kv-cache-utilization scorer); it sees memory pressure that a request count hides (long prompts). Ties go to the
// least outstanding, then round-robin.
#include "stratum/policies/routing.hpp"

namespace stratum::policies {

class LeastKvLoadRouter final : public Router {
 public:
  size_t pick(const RouterView& state, const RequestView& request) override;

 private:
  size_t last_ = static_cast<size_t>(-1);
};

}  // namespace stratum::policies
