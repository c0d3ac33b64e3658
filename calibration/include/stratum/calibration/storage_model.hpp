#pragma once
// Storage reads and writes in closed form (issue 8; docs/models.md "Storage, cost and energy").
// One access alone takes latency + bytes / bandwidth. Accesses that overlap on one tier share its
// bandwidth max-min fairly; with equal demands that is processor sharing (Kleinrock, Queueing
// Systems vol. 2, 1976, section 4.4): n active accesses each move at bandwidth / n. Each access
// first waits its latency (request round trip, first-byte time) without using bandwidth, which is
// what sim/'s SimGrid storage resource does too (sim/include/stratum/sim/storage.hpp).
#include <vector>

#include "stratum/scenarios/storage.hpp"

namespace stratum::calibration {

// latency + bytes / bandwidth: one access alone on its tier. bandwidth > 0, bytes >= 0.
double storage_access_time(double bytes, double bandwidth, double latency);
double read_time(const scenarios::StorageTierSpec& tier, double bytes);
double write_time(const scenarios::StorageTierSpec& tier, double bytes);

struct StorageAccess {
  double start_s = 0;  // when the access is issued
  double bytes = 0;
};

// Finish time of each access (same order as `accesses`) on one tier of `bandwidth` bytes/s and
// per-access `latency`: access i is ready at start_i + latency, and between events every ready,
// unfinished access moves at bandwidth / (number of them). k accesses of B bytes issued together
// each finish at latency + k B / bandwidth. Exact up to floating-point rounding; O(n^2).
std::vector<double> shared_finish_times(double bandwidth, double latency, const std::vector<StorageAccess>& accesses);

}  // namespace stratum::calibration
