#pragma once
// Training under spot interruptions, failures and checkpoints (issue 8): the scenario's
// cluster.spot, cluster.failures and training.checkpoint / elastic / duration turned into fault
// events (policies/fault_events.hpp) and checkpoint costs (calibration/storage_model.hpp), the
// timeline run (training_dynamics.hpp), and what it writes: metrics, steps.csv rows per execution,
// timeseries.csv and trace.json instant events. A scenario without any of these fields never
// reaches this file, so its results keep their bytes.
#include <optional>
#include <string>

#include "stratum/calibration/cost_energy.hpp"
#include "stratum/calibration/training_step.hpp"
#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/training_dynamics.hpp"

namespace stratum::sim {

// True when the training run has faults, checkpoints or a duration to simulate.
bool training_has_dynamics(const scenarios::Scenario& scenario);

// Checks that need the cost models: the checkpoint tier exists and can hold the checkpoint
// (storage's tier_capacity_error), Young/Daly has a fault rate to work from.
void check_training_dynamics(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags);

struct CheckpointCosts {
  double bytes = 0;         // weights (16-bit) + FP32 master weights and Adam moments, the whole model
  double write_s = 0;       // the write to the tier
  double read_s = 0;        // reading it back after a restart
  double copy_s = 0;        // async: device-to-host copy per GPU over its host link
  double blocking_s = 0;    // what training waits for: write_s (sync) or copy_s (async)
  double interval_s = 0;    // between checkpoint starts
  double mtbf_s = 0;        // job-level mean time between faults from the rates; 0 = no rate
  double young_s = 0, daly_s = 0;  // the optima for blocking_s and mtbf_s (0 without a rate)
};

struct TrainingDynamicsRun {
  CheckpointCosts checkpoint;
  bool checkpointing = false;
  DynamicsResult result;
  size_t fault_events = 0;      // generated up to the horizon
  double horizon_s = 0;
  double held_gpu_s = 0;        // GPUs paid for: nodes not away on a spot interruption
  double busy_gpu_s = 0;        // computing, checkpointing or restoring
  double tokens_per_step = 0;
  double mfu = 0;               // of the full-layout step (the cost index's efficiency)
  std::optional<calibration::CostEnergy> cost;  // with cluster.market
  std::vector<policies::FaultEvent> faults;     // every generated event (timeseries: capacity)
  int nodes = 0;
  int gpus_per_node = 0;
};

// `step` is the full-layout analytic step. Deterministic in the scenario and its seed.
TrainingDynamicsRun run_training_dynamics(const scenarios::Scenario& scenario, const calibration::TrainingStep& step);

// metrics.json keys for the run (a JSON object's text): interruptions, failures, lost_work_s,
// checkpoint_overhead_s, effective_training_fraction, goodput, cost, and a "dynamics" object.
std::string training_dynamics_metrics_json(const scenarios::Scenario& scenario, const TrainingDynamicsRun& run);
// steps.csv with one row per execution: step,attempt,start_s,end_s,step_time_s,dp,status,reason.
std::string training_dynamics_steps_csv(const TrainingDynamicsRun& run);
// timeseries.csv: per interval, running and available GPUs, faults, checkpoints and spend.
std::string training_dynamics_timeseries_csv(const scenarios::Scenario& scenario, const TrainingDynamicsRun& run,
                                             double interval_s);
// trace.json of the timeline: the job's phases as spans, faults, checkpoints and restarts as
// instant events, running GPUs as a counter (Chrome Trace Event format, deterministic bytes).
std::string training_dynamics_trace_json(const TrainingDynamicsRun& run);

}  // namespace stratum::sim
