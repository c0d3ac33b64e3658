#include "stratum/sim/priority_classes.hpp"

#include <algorithm>
#include <random>
#include <set>

namespace stratum::sim {

void assign_priority_classes(const scenarios::ServingSpec& serving, uint64_t seed, std::vector<RequestRecord>& requests) {
  const auto& classes = serving.classes;
  if (classes.size() <= 1) return;
  // Its own stream ("class" in ASCII as the second seed word), independent of the workload's.
  std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), 0x636c6173u, 0x73u};
  std::mt19937_64 rng(sequence);
  for (RequestRecord& r : requests) {
    // A uniform double in [0, 1) from the top 53 bits (the same on every standard library).
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    double cumulative = 0;
    size_t k = 0;
    for (; k + 1 < classes.size(); ++k) {
      cumulative += classes[k].share;
      if (u < cumulative) break;
    }
    r.priority_class = static_cast<uint8_t>(k);  // the last class takes the rounding remainder
  }
}

int request_priority(const scenarios::ServingSpec& serving, const RequestRecord& r) {
  return serving.classes.empty() ? 0 : serving.classes[r.priority_class].priority;
}

int priority_rank(const scenarios::ServingSpec& serving, int priority) {
  std::set<int> lower;
  for (const auto& k : serving.classes) {
    if (k.priority < priority) lower.insert(k.priority);
  }
  return static_cast<int>(lower.size());
}

int priority_levels(const scenarios::ServingSpec& serving) {
  std::set<int> levels;
  for (const auto& k : serving.classes) levels.insert(k.priority);
  return std::max<int>(1, static_cast<int>(levels.size()));
}

const scenarios::SloSpec& request_slo(const scenarios::ServingSpec& serving, const RequestRecord& r) {
  if (serving.classes.empty()) return serving.slo;
  const auto& k = serving.classes[r.priority_class];
  return k.slo ? *k.slo : serving.slo;
}

std::vector<ClassMetrics> summarize_classes(const ServingRunResult& run, const scenarios::ServingSpec& serving) {
  std::vector<ClassMetrics> out;
  for (size_t c = 0; c < serving.classes.size(); ++c) {
    const scenarios::PriorityClassSpec& k = serving.classes[c];
    ServingRunResult part;
    part.simulated_time_s = run.simulated_time_s;
    for (const RequestRecord& r : run.requests) {
      if (r.priority_class == c) part.requests.push_back(r);
    }
    ClassMetrics m;
    m.name = k.name;
    m.priority = k.priority;
    m.share = k.share;
    m.slo = k.slo ? *k.slo : serving.slo;
    m.metrics = summarize(part, m.slo);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace stratum::sim
