#include "stratum/scenarios/fabric_capacity.hpp"

#include <cmath>

namespace stratum::scenarios {

int64_t down_ports(int64_t radix, double oversubscription) {
  if (radix <= 0 || !(oversubscription >= 1)) return 0;
  // The small epsilon keeps exact ratios (64 x 3 / 4 = 48) from rounding down to 47 when the
  // division is inexact in binary.
  const double down = static_cast<double>(radix) * oversubscription / (1.0 + oversubscription);
  return static_cast<int64_t>(std::floor(down + 1e-9));
}

int64_t fat_tree_nic_capacity(int levels, int64_t radix, double oversubscription) {
  const int64_t down = down_ports(radix, oversubscription);
  if (levels == 2) return radix * down;
  if (levels == 3) return radix * (radix / 2) * down;
  return 0;
}

int64_t rail_optimized_node_capacity(int64_t radix, int64_t rails) {
  if (radix <= 0 || rails <= 0) return 0;
  return (radix / 2) * (radix / rails);
}

int64_t multi_pod_pod_nic_capacity(int64_t radix, double pod_oversubscription) {
  return down_ports(radix, pod_oversubscription) * (radix / 2);
}

int64_t multi_pod_max_pods(int64_t radix) { return radix > 0 ? radix : 0; }

}  // namespace stratum::scenarios
