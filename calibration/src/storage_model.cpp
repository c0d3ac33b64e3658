#include "stratum/calibration/storage_model.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace stratum::calibration {

double storage_access_time(double bytes, double bandwidth, double latency) { return latency + bytes / bandwidth; }

double read_time(const scenarios::StorageTierSpec& tier, double bytes) {
  return storage_access_time(bytes, tier.read_bandwidth, tier.latency_s);
}

double write_time(const scenarios::StorageTierSpec& tier, double bytes) {
  return storage_access_time(bytes, tier.write_bandwidth, tier.latency_s);
}

std::vector<double> shared_finish_times(double bandwidth, double latency, const std::vector<StorageAccess>& accesses) {
  const size_t n = accesses.size();
  std::vector<double> finish(n, 0.0);
  std::vector<double> remaining(n, 0.0);
  // Accesses in order of readiness (start + latency); ties keep input order.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return accesses[a].start_s < accesses[b].start_s; });
  std::vector<size_t> active;
  size_t next = 0;  // next access in `order` not yet ready
  double t = 0;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  while (next < n || !active.empty()) {
    if (active.empty()) t = std::max(t, accesses[order[next]].start_s + latency);
    // Admit everything ready by now; an empty access finishes the moment it is ready.
    while (next < n && accesses[order[next]].start_s + latency <= t) {
      const size_t i = order[next++];
      if (accesses[i].bytes <= 0) {
        finish[i] = accesses[i].start_s + latency;
      } else {
        remaining[i] = accesses[i].bytes;
        active.push_back(i);
      }
    }
    if (active.empty()) continue;
    const double share = bandwidth / static_cast<double>(active.size());
    double least = kInf;
    for (size_t i : active) least = std::min(least, remaining[i]);
    const double to_completion = least / share;
    const double to_arrival = next < n ? accesses[order[next]].start_s + latency - t : kInf;
    if (to_arrival < to_completion) {
      for (size_t i : active) remaining[i] -= to_arrival * share;
      t += to_arrival;
      continue;
    }
    t += to_completion;
    std::vector<size_t> still;
    for (size_t i : active) {
      if (remaining[i] == least) {
        finish[i] = t;
      } else {
        remaining[i] -= least;
        still.push_back(i);
      }
    }
    active.swap(still);
  }
  return finish;
}

}  // namespace stratum::calibration
