#pragma once
// Runs one serving scenario in a SimGrid engine and returns what happened to every request.
// One simulation per process (SimGrid 3.32 keeps one engine's clock per process).
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/request_prefixes.hpp"
#include "stratum/sim/request_record.hpp"
#include "stratum/sim/trace_log.hpp"

namespace stratum::sim {

// Where one serving instance runs: tensor_parallel GPUs of one node.
struct InstancePlacement {
  int node_group = 0;
  int node = 0;        // node index inside the group
  int global_node = 0; // node index over the whole cluster, in scenario order
  int first_gpu = 0;   // local GPU index of its first rank
  int gpus = 1;
};

// Assigns instances to nodes in scenario order; false (with a reason) when they do not fit.
bool place_instances(const scenarios::Scenario& scenario, std::vector<InstancePlacement>& out,
                     std::string& reason);

struct InstanceSummary {
  std::string gpu_id;
  InstancePlacement placement;
  int64_t kv_blocks_total = 0;
  int64_t kv_blocks_peak = 0;
  int64_t iterations = 0;
  double busy_s = 0;
  int64_t prefill_tokens = 0;
  int64_t decode_tokens = 0;
  int64_t preemptions = 0;
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
};

struct ServingRunResult {
  std::vector<RequestRecord> requests;
  std::vector<InstanceSummary> instances;
  std::vector<TimeseriesSample> timeseries;
  TraceLog trace;
  double simulated_time_s = 0;
  int64_t iterations = 0;
  std::array<double, calibration::kProvenanceCount> gpu_seconds_by_provenance{};
};

// Progress callback: fraction of requests finished or rejected, and the simulated clock.
using ProgressFn = std::function<void(double fraction, double sim_time_s)>;

struct ServingRunOptions {
  bool trace = false;     // record Chrome trace events
  ProgressFn progress;    // may be empty
  // The requests' prefix block hashes (build_workload fills them) for serving.router
  // prefix_aware; null or empty: that router routes as least outstanding. Must outlive the run.
  const RequestPrefixes* prefixes = nullptr;
};

ServingRunResult run_serving(const scenarios::Scenario& scenario, std::vector<RequestRecord> requests,
                             const ServingRunOptions& options);

}  // namespace stratum::sim
