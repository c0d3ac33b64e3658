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

  double ttft_s() const { return first_token_s - arrival_s; }
  double e2e_s() const { return finish_s - arrival_s; }
  // Time per output token after the first; 0 for single-token outputs.
  double tpot_s() const {
    return output_tokens > 1 ? (finish_s - first_token_s) / static_cast<double>(output_tokens - 1) : 0.0;
  }
};

const char* to_string(RequestStatus s);

}  // namespace stratum::sim
