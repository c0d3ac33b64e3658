#pragma once
// State shared by the actors of one serving run. Actors run cooperatively inside one SimGrid
// engine, so plain data is safe to share between them.
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/sim/request_prefixes.hpp"
#include "stratum/sim/request_record.hpp"
#include "stratum/sim/serving_totals.hpp"
#include "stratum/sim/trace_log.hpp"

namespace stratum::sim {

struct ServingShared {
  std::vector<RequestRecord> requests;  // indexed by request id
  int64_t settled = 0;                  // completed or rejected
  int64_t completed = 0;
  int64_t output_tokens = 0;            // emitted so far
  bool arrivals_done = false;           // the router has delivered every request
  bool record_trace = false;
  const RequestPrefixes* prefixes = nullptr;  // the requests' prefix hashes; null: none
  TraceLog trace;
  std::array<double, calibration::kProvenanceCount> gpu_seconds_by_provenance{};

  // The next instants at which an actor other than a serving instance acts: an arrival (the
  // router) and a timeseries sample (the sampler). Instances run ahead of SimGrid's clock only
  // up to the earlier of the two.
  double next_arrival_s = 0;
  double next_sample_s = 0;
  // Issue 8: the autoscaler's next decision (infinity without one).
  double next_control_s = std::numeric_limits<double>::infinity();
  // Issue 8: the next fault action (spot notice, loss, detection, return; serving_faults.hpp).
  double next_fault_s = std::numeric_limits<double>::infinity();
  double next_event_s() const {
    double e = next_arrival_s < next_sample_s ? next_arrival_s : next_sample_s;
    e = e < next_control_s ? e : next_control_s;
    return e < next_fault_s ? e : next_fault_s;
  }
  // Disaggregation: requests admitted to the prefill pool and neither delivered to a decode
  // instance nor settled; 0 when co-located. Until it is 0, more work may reach any instance.
  int64_t disagg_pending = 0;
  bool inputs_done() const { return arrivals_done && disagg_pending == 0; }

  // Issue 6. The run's seed (speculative acceptance draws are seeded from it per instance);
  // speculative decoding counters; and, while admission control holds deferred requests at the
  // router, a callback the instances call after every iteration so that it can retry them.
  uint64_t seed = 1;
  SpeculativeTotals speculative;
  std::function<void()> on_iteration_done;
  // Issue 8: with an autoscaler, called by an instance that has run out of work (a draining
  // instance then stops; replica_fleet.hpp). Empty otherwise.
  std::function<void(int instance)> on_instance_idle;
  // Issue 8: with an autoscaler, called by the router when requests are left held after a
  // dispatch (Knative's activator pokes its autoscaler then; autoscaler_actor.cpp). Empty otherwise.
  std::function<void()> on_request_held;

  bool all_settled() const { return settled == static_cast<int64_t>(requests.size()); }
};

}  // namespace stratum::sim
