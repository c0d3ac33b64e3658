#pragma once
// A request is data, not an actor (DESIGN.md section 4): the router and the serving instances
// update these records as the simulation runs; the writers read them at the end.
#include <cstdint>
#include <string>

namespace stratum::sim {

enum class RequestStatus { kPending, kCompleted, kRejected };

struct RequestRecord {
  uint64_t id = 0;
  double arrival_s = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int instance = -1;              // serving instance it was routed to
  RequestStatus status = RequestStatus::kPending;
  std::string reason;             // why it was rejected
  double first_scheduled_s = -1;  // start of the first iteration that worked on it
  double first_token_s = -1;
  double finish_s = -1;
  int preemptions = 0;
  // Issue 8: times its replica was lost to a spot interruption or failure and it went back to
  // the router (its KV cache lost, prefilled again); 0 without cluster.spot / cluster.failures.
  int retries = 0;
  uint8_t priority_class = 0;     // index into serving.workload.classes (0 without classes)
  bool deferred = false;          // admission control held it at the router for a while
  // Prompt tokens prefix caching found at its first admission (HBM or offload tiers), whose
  // prefill was skipped; 0 without prefix caching.
  int64_t cached_tokens = 0;
  // Prefill-decode disaggregation (sim/src/disaggregation.hpp); unset when co-located. `instance`
  // is then the instance that finished the request: the decode instance, or the prefill instance
  // for a request that ended there (one output token, or rejected before its transfer).
  int prefill_instance = -1;       // PREFILL_ONLY instance that prefilled it
  double kv_transfer_start_s = -1; // its prefill ended and its KV cache left
  double kv_arrival_s = -1;        // the last byte of its KV cache reached the decode instance
  double decode_scheduled_s = -1;  // start of its first iteration on the decode instance
  double kv_transfer_bytes = 0;    // bytes moved, all GPU pairs together

  double ttft_s() const { return first_token_s - arrival_s; }
  double e2e_s() const { return finish_s - arrival_s; }
  // Time per output token after the first; 0 for single-token outputs.
  double tpot_s() const {
    return output_tokens > 1 ? (finish_s - first_token_s) / static_cast<double>(output_tokens - 1) : 0.0;
  }
};

const char* to_string(RequestStatus s);

}  // namespace stratum::sim
