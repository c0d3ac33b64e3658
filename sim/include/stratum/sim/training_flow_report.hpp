#pragma once
// What a `flow` training run simulated (sim/src/training_flow.cpp), reported in metrics.json under
// "flow" so that a reader knows which traffic crossed the simulated fabric and which was priced
// analytically or simulated once under symmetry (DESIGN.md section 4). Plain data.
#include <cstdint>
#include <string>

namespace stratum::sim {

struct TrainingFlowReport {
  double analytic_step_time_s = 0;  // the analytic step of the same scenario (calibration)
  int64_t simulated_steps = 1;      // steps simulated; the others repeat it (nothing varies)
  int64_t actors = 0;               // SimGrid actors: one per stage, one DP reducer per stage
  int64_t gpus_in_platform = 0;     // GPU hosts of the scoped platform
  int64_t platform_links = 0;
  int64_t platform_routes = 0;
  // Transfers sent through SimGrid (one per GPU pair of a concurrent set) and their bytes.
  int64_t p2p_transfers = 0, tp_transfers = 0, dp_transfers = 0;
  double p2p_bytes = 0, tp_bytes = 0, dp_bytes = 0;
  int64_t dp_buckets = 0;            // gradient buckets reduced, all stages
  // Whose tensor/expert-parallel traffic was simulated: "all replicas", or "replica 0" when the
  // other data-parallel replicas' TP traffic stays on NVLink links no simulated transfer shares
  // (identical replicas simulated once, DESIGN.md section 4).
  std::string tp_replicas = "all replicas";
  std::string dp_algorithm;          // NCCL algorithm of the gradient reduction (ring, tree, ...)
  double contention_s = 0;           // flow step - analytic step
};

}  // namespace stratum::sim
