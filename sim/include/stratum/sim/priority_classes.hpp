#pragma once
// Priority classes of a serving workload (serving.workload.classes, issue 6): which class each
// request belongs to, its scheduling priority and SLO, and the per-class metrics.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/metrics.hpp"
#include "stratum/sim/request_record.hpp"

namespace stratum::sim {

// Draws each request's class by the classes' shares from a generator of its own, seeded by a
// seed_seq of the scenario seed and a constant, so that arrivals and lengths (drawn from the
// workload's generator) are the same with or without classes. Without classes, or with one, every
// request stays in class 0 and nothing is drawn.
void assign_priority_classes(const scenarios::ServingSpec& serving, uint64_t seed, std::vector<RequestRecord>& requests);

// Scheduling priority of a request (0 without classes).
int request_priority(const scenarios::ServingSpec& serving, const RequestRecord& r);
// Rank of a priority among the distinct class priorities (0 = lowest), and how many there are.
int priority_rank(const scenarios::ServingSpec& serving, int priority);
int priority_levels(const scenarios::ServingSpec& serving);
// The SLO a request is judged by: its class's (class bounds over serving.slo), else serving.slo.
const scenarios::SloSpec& request_slo(const scenarios::ServingSpec& serving, const RequestRecord& r);

// metrics.json `classes`: one entry per class, its requests only, judged by its SLO.
struct ClassMetrics {
  std::string name;
  int priority = 0;
  double share = 0;
  scenarios::SloSpec slo;
  ServingMetrics metrics;  // requests, latency, goodput of the class (utilisation fields unused)
};
std::vector<ClassMetrics> summarize_classes(const ServingRunResult& run, const scenarios::ServingSpec& serving);

}  // namespace stratum::sim
