#pragma once
// Admission control at the router (issue 6): whether an arriving request is let in, and where.
// Pure decisions on plain state (DESIGN.md section 1): the simulator fills a RouterView with every
// instance's load at the arrival, asks the router for its pick, then asks the admission policy.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stratum/policies/routing.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::policies {

// How fast an instance works through queued prefill tokens, from the cost model: the time of one
// representative prefill iteration (a chunk of `chunk_tokens` prompt tokens on an empty cache,
// priced by calibration::IterationModel).
struct PrefillCapacity {
  int64_t chunk_tokens = 0;  // max_batched_tokens: the budget of an iteration under prefill backlog
  double chunk_s = 0;        // the iteration model's time for that chunk
  bool chunked = false;      // chunked prefill: running decodes take part of every iteration's budget
};

// What admission knows of a request.
struct AdmissionRequest {
  uint64_t id = 0;
  int64_t input_tokens = 0;
  int priority = 0;
  int priority_rank = 0;    // 0 = the lowest of the workload's distinct class priorities
  int priority_levels = 1;  // distinct class priorities in the workload
  std::optional<double> ttft_slo_s;  // its class's TTFT bound (slo_aware needs one)
};

enum class AdmissionAction { kAdmit, kReject, kDefer };
// Why a request was not admitted (metrics.json's rejection counts use its name).
enum class AdmissionCause { kNone, kQueueFull, kPredictedTtft };

struct AdmissionDecision {
  AdmissionAction action = AdmissionAction::kAdmit;
  size_t instance = 0;  // kAdmit: where to send it
  AdmissionCause cause = AdmissionCause::kNone;
  // kReject, kDefer: what stands in the way, e.g. "instance queue full (64 outstanding)".
  std::string why;
  double predicted_ttft_s = 0;  // slo_aware: the estimate at the chosen instance (or the lowest)
  // The rejection text of requests.csv: "admission: " + why.
  std::string reason() const { return "admission: " + why; }
};

// Seconds with three significant digits, as admission reasons write them ("3.21 s", "0.0452 s").
std::string seconds_text(double s);

// Predicted time to first token of a request of `input_tokens` on an instance with `load`
// (queued_prefill_tokens at the request's priority or higher): the prefill tokens ahead of it plus
// its own, over the instance's prefill throughput, chunk_tokens / chunk_s; with chunked prefill
// each iteration's budget is shared with the running decodes, so only chunk_tokens - running
// (at least 1) of it goes to prefill. See docs/models.md section 5, Admission.
double predict_ttft_s(const InstanceLoad& load, const PrefillCapacity& capacity, int64_t input_tokens);

// queue_limit's bound for a priority of rank r among R levels: ceil(N (r + 1) / R), so the
// highest priority may fill an instance to N and each lower one is shed at a lower bound.
int64_t queue_limit_for(int64_t max_outstanding, int rank, int levels);

class Admission {
 public:
  virtual ~Admission() = default;
  // `routed`: the instance the router picked for the request.
  virtual AdmissionDecision decide(const RouterView& view, const AdmissionRequest& request, size_t routed) const = 0;
};

// The policy serving.admission names. `capacities`: one per instance (used by slo_aware).
std::unique_ptr<Admission> make_admission(const scenarios::AdmissionSpec& spec, std::vector<PrefillCapacity> capacities);

}  // namespace stratum::policies
