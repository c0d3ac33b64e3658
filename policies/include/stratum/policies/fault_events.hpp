#pragma once
// Seeded fault events for a cluster: spot interruptions (a Poisson rate per node, an
// availability trace, or both) and component failures (a Poisson process per component kind at
// rate x GPUs x scale). Pure: plain structs in, a sorted event list out; no SimGrid.
//
// Determinism: every stream has its own std::seed_seq of the run's seed and a tag (per node for
// spot interruptions, per component kind for failures), and each stream is drawn in time order,
// so the events up to a horizon do not depend on the horizon: generating to a later horizon only
// appends events.
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "stratum/scenarios/dynamics.hpp"

namespace stratum::policies {

enum class FaultKind { kSpotInterruption, kFailure };
const char* to_string(FaultKind kind);  // "spot_interruption", "failure"

struct FaultEvent {
  double time_s = 0;    // the nodes are lost (spot: the notice ends; failure: it happens)
  double notice_s = 0;  // warning before time_s (spot only; clamped so time_s - notice_s >= 0)
  FaultKind kind = FaultKind::kFailure;
  scenarios::ComponentKind component = scenarios::ComponentKind::kGpu;  // failures only
  bool from_trace = false;  // spot: caused by the availability trace rather than the rate
  std::vector<int> nodes;   // node indices taken down (node-major order); empty: job-level only
  double detected_s = 0;    // failures: time_s + detection; spot: time_s
  // When the nodes are usable again: failures detected_s + recovery; spot: after replacement
  // (a geometric number of replacement_delay attempts) or when the trace's capacity returns.
  // +infinity when they never return.
  double back_s = std::numeric_limits<double>::infinity();
};

struct FaultInputs {
  int nodes = 0;
  int gpus_per_node = 1;
  // Per leaf switch, the nodes with a NIC on it (topology::nodes_behind_leaves); a SWITCH failure
  // takes one of them, chosen uniformly. Empty: no fabric, SWITCH failures are not drawn.
  std::vector<std::vector<int>> nodes_behind_switch;
  double horizon_s = 0;  // events with time_s < horizon_s
  uint64_t seed = 1;
};

// All events before the horizon, sorted by time_s (ties: spot before failure, then by first node).
std::vector<FaultEvent> generate_faults(const std::optional<scenarios::SpotSpec>& spot,
                                        const std::optional<scenarios::FailureSpec>& failures,
                                        const FaultInputs& in);

// Job-interrupting faults per second for a job on all nodes: spot rate x nodes plus every
// component rate x GPUs x scale (SWITCH only with a fabric). Trace interruptions are not counted
// (they are not a rate). 0 when there are none.
double fault_rate_per_s(const std::optional<scenarios::SpotSpec>& spot,
                        const std::optional<scenarios::FailureSpec>& failures, const FaultInputs& in);

}  // namespace stratum::policies
