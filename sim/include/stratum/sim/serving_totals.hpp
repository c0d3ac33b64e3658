#pragma once
// Run-wide counters of issue 6's serving features, for metrics.json: speculative decoding and
// admission control. All zero when the features are off.
#include <cstdint>
#include <map>
#include <string>

namespace stratum::sim {

struct SpeculativeTotals {
  int64_t steps = 0;           // decode entries that verified at least one draft token
  int64_t draft_tokens = 0;    // draft tokens verified
  int64_t accepted = 0;        // of those, accepted by the target
  int64_t emitted = 0;         // tokens those steps emitted (accepted + one of the target's each)
};

struct AdmissionTotals {
  int64_t rejected = 0;  // requests admission control rejected
  int64_t deferred = 0;  // requests held at the router at least once (slo_aware DEFER)
  int64_t deferred_admitted = 0;  // of those, admitted later
  std::map<std::string, int64_t> reasons;  // rejections by kind: queue_full, predicted_ttft, defer_expired
};

}  // namespace stratum::sim
