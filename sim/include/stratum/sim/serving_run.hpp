#pragma once
// Runs one serving scenario in a SimGrid engine and returns what happened to every request.
// One simulation per process (SimGrid 3.32 keeps one engine's clock per process).
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/policies/fault_events.hpp"
#include "stratum/policies/prefix_cache.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/request_prefixes.hpp"
#include "stratum/sim/request_record.hpp"
#include "stratum/sim/serving_totals.hpp"
#include "stratum/sim/trace_log.hpp"

namespace stratum::sim {

// One GPU of an instance.
struct GpuSlot {
  int global_node = 0;  // node index over the whole cluster, in scenario order
  int local_gpu = 0;    // GPU index inside the node
};

// Where one serving instance runs: pipeline_parallel stages of tensor_parallel GPUs each.
struct InstancePlacement {
  int replica_group = 0;  // index into ServingSpec::replicas
  int node_group = 0;     // cluster node group of its first GPU
  int node = 0;           // node index inside that group, of its first GPU
  int global_node = 0;    // node index over the whole cluster, of its first GPU
  int first_gpu = 0;      // local GPU index of its first rank
  int gpus = 1;           // tensor_parallel x pipeline_parallel
  // Every GPU, stage after stage: stage s holds ranks [s x tensor_parallel, (s + 1) x tensor_parallel).
  std::vector<GpuSlot> slots;
};

// Assigns instances to nodes, group after group in scenario order: each pipeline stage takes
// tensor_parallel consecutive GPUs inside one node (or, when tensor_parallel exceeds a node,
// tensor_parallel / gpus_per_node whole nodes); a group with `nodes` set uses only that node group.
// False, with the failing replica group's index and a reason, when they do not fit.
bool place_instances(const scenarios::Scenario& scenario, std::vector<InstancePlacement>& out,
                     std::string& reason, int* failed_group = nullptr);

struct InstanceSummary {
  std::string gpu_id;
  InstancePlacement placement;
  scenarios::ReplicaRole role = scenarios::ReplicaRole::kColocated;  // its replica group's
  int64_t kv_blocks_total = 0;
  int64_t kv_blocks_peak = 0;
  int64_t iterations = 0;
  double busy_s = 0;
  int64_t prefill_tokens = 0;
  int64_t decode_tokens = 0;
  int64_t preemptions = 0;
  policies::PrefixCacheStats prefix_cache;  // disabled without prefix caching
  // Issue 8: seconds the instance was held (starting, ready or draining) with an autoscaler;
  // negative without one (held for the whole run).
  double held_s = -1;
};

// One row of timeseries.csv: the state at `time_s` and activity over the interval ending there.
struct TimeseriesSample {
  double time_s = 0;
  int64_t waiting = 0;          // queued in instances, not yet running
  int64_t running = 0;          // admitted and holding KV blocks
  double kv_used_fraction = 0;  // over all instances
  int replicas = 0;
  double gpu_utilization = 0;   // busy share of the interval, mean over instances
  int64_t completed = 0;        // cumulative
  int64_t output_tokens = 0;    // cumulative
  // Issue 8, with an autoscaler (ServingRunResult::autoscaled): instances by state (`replicas` is
  // then their sum), requests held at the router for want of a ready instance, and the spend so
  // far (held GPU time priced by cluster.market; unset without a market).
  int replicas_ready = 0, replicas_starting = 0, replicas_draining = 0;
  int64_t held_at_router = 0;
  std::optional<double> spend_usd;
};

struct ServingRunResult {
  std::vector<RequestRecord> requests;
  std::vector<InstanceSummary> instances;
  std::vector<TimeseriesSample> timeseries;
  TraceLog trace;
  double simulated_time_s = 0;
  int64_t iterations = 0;
  std::array<double, calibration::kProvenanceCount> gpu_seconds_by_provenance{};
  // Speculative decoding and admission control (issue 6); zero when off.
  SpeculativeTotals speculative;
  AdmissionTotals admission;
  bool autoscaled = false;  // serving.autoscaler set: timeseries.csv gains the fleet's columns
  // Issue 8, with cluster.spot or cluster.failures (sim/src/serving_faults.hpp): the faults that
  // took down at least one serving instance, the requests that went back to the router at least
  // once, and those then rejected (no ready instance within serving.retry_timeout). Unset without.
  struct FaultTotals {
    int64_t interruptions = 0, failures = 0, requests_retried = 0, requests_failed_by_fault = 0;
  };
  std::optional<FaultTotals> faults;
};

// Progress callback: fraction of requests finished or rejected, and the simulated clock.
using ProgressFn = std::function<void(double fraction, double sim_time_s)>;

struct ServingRunOptions {
  bool trace = false;     // record Chrome trace events
  ProgressFn progress;    // may be empty
  // The requests' prefix block hashes (build_workload fills them) for serving.router
  // prefix_aware; null or empty: that router routes as least outstanding. Must outlive the run.
  const RequestPrefixes* prefixes = nullptr;
  // Issue 8, for tests: these fault events (sorted by time_s) instead of the ones generated from
  // cluster.spot / cluster.failures, which must then be set. Null: generated. Must outlive the run.
  const std::vector<policies::FaultEvent>* faults = nullptr;
};

ServingRunResult run_serving(const scenarios::Scenario& scenario, std::vector<RequestRecord> requests,
                             const ServingRunOptions& options);

}  // namespace stratum::sim
