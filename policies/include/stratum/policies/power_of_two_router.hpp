#pragma once
// Power of two choices (Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing",
// IEEE TPDS 12(10), 2001): draw two distinct instances uniformly at random and send the request to
// the one with fewer outstanding requests (the first drawn on a tie). With n requests on n
// instances the most loaded one holds ln ln n / ln 2 + O(1) of them, against
// ln n / ln ln n (1 + o(1)) for one random choice, while reading only two instances' state.
#include <random>

#include "stratum/policies/routing.hpp"

namespace stratum::policies {

class PowerOfTwoRouter final : public Router {
 public:
  explicit PowerOfTwoRouter(uint64_t seed);
  size_t pick(const RouterView& state, const RequestView& request) override;

 private:
  std::mt19937_64 rng_;
};

}  // namespace stratum::policies
