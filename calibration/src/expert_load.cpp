#include "stratum/calibration/expert_load.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace stratum::calibration {

namespace {

// splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
// 2014): fully specified, so the placements, and the share, are the same on every platform.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by rejection, without modulo bias.
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v = next();
    while (v >= limit) v = next();
    return v % n;
  }

 private:
  uint64_t state_;
};

// Fixed seed of the placement stream (any constant would do; this one spells "experts").
constexpr uint64_t kPlacementSeed = 0x657870657274730FULL;

}  // namespace

double busiest_rank_share(int64_t experts, int ranks, double zipf_skew) {
  if (experts < 1 || ranks < 1 || experts % ranks != 0) {
    throw std::invalid_argument("busiest_rank_share needs experts divisible by ranks, got " + std::to_string(experts) +
                                " experts over " + std::to_string(ranks) + " ranks");
  }
  if (!(zipf_skew >= 0) || !std::isfinite(zipf_skew)) {
    throw std::invalid_argument("zipf_skew must be finite and >= 0");
  }
  if (ranks == 1) return 1.0;
  if (zipf_skew == 0) return 1.0 / static_cast<double>(ranks);
  const auto n = static_cast<size_t>(experts);
  std::vector<double> popularity(n);
  for (size_t i = 0; i < n; ++i) popularity[i] = std::pow(static_cast<double>(i + 1), -zipf_skew);
  const double total = std::accumulate(popularity.begin(), popularity.end(), 0.0);
  const size_t per_rank = n / static_cast<size_t>(ranks);
  std::vector<size_t> order(n);
  SplitMix64 rng(kPlacementSeed);
  double sum_of_max = 0;
  for (int sample = 0; sample < kExpertPlacementSamples; ++sample) {
    std::iota(order.begin(), order.end(), size_t{0});
    for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    double busiest = 0;
    for (size_t r = 0; r < static_cast<size_t>(ranks); ++r) {
      double load = 0;
      for (size_t j = r * per_rank; j < (r + 1) * per_rank; ++j) load += popularity[order[j]];
      busiest = std::max(busiest, load);
    }
    sum_of_max += busiest / total;
  }
  return sum_of_max / kExpertPlacementSamples;
}

}  // namespace stratum::calibration
