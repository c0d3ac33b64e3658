#pragma once
// Round robin: instance 0, 1, ..., n-1, 0, ... regardless of load. Over identical replicas the
// request counts differ by at most one; it ignores how long each request takes.
#include "stratum/policies/routing.hpp"

namespace stratum::policies {

class RoundRobinRouter final : public Router {
 public:
  size_t pick(const RouterView& state, const RequestView& request) override;

 private:
  size_t next_ = 0;
};

}  // namespace stratum::policies
