#pragma once
// Training under faults (issue 8): an event loop over a synchronous data-parallel job's timeline
// of identical analytic steps, checkpoints, fault events (policies/fault_events.hpp), restarts
// and elastic re-sizing. No SimGrid: the job is one process whose only shared resource is the
// checkpoint tier, whose times come in as numbers (calibration/storage_model.hpp). Events are
// faults, checkpoints and restarts; runs of steps between them are one segment each, so a week
// of a 1,024-GPU job costs microseconds per event, not per step.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "stratum/policies/fault_events.hpp"

namespace stratum::sim {

enum class StepStatus { kCompleted, kLost, kUnfinished };
const char* to_string(StepStatus status);  // "completed", "lost", "unfinished"

// Consecutive executions of steps first_step .. first_step + count - 1, one after another from
// start_s, each step_time_s long; `cut_s` > 0 when the last one was cut short after that long
// (a fault or the end of the run hit it mid-step).
struct StepSegment {
  int64_t first_step = 0;
  int64_t count = 0;
  double start_s = 0;
  double step_time_s = 0;
  double cut_s = 0;
  int dp = 0;
  int attempt = 0;  // 0 for the first execution of these steps, +1 after every restart
  StepStatus status = StepStatus::kCompleted;
  std::string reason;  // lost / unfinished: what took the work away
  double end_s() const;
  double busy_s() const;  // time spent computing these steps
};

enum class JobPhase { kCompute, kCheckpoint, kRestore, kDown };
const char* to_string(JobPhase phase);

// The job's state over [start_s, end_s) on `gpus` GPUs (0 while down).
struct JobInterval {
  double start_s = 0;
  double end_s = 0;
  JobPhase phase = JobPhase::kCompute;
  int64_t gpus = 0;
};

enum class TimelineEventKind { kInterruption, kFailure, kCheckpoint, kCheckpointDurable, kRestart, kResize, kStop };
const char* to_string(TimelineEventKind kind);

struct TimelineEvent {
  double time_s = 0;
  TimelineEventKind kind = TimelineEventKind::kRestart;
  std::string detail;
  bool hit_job = true;  // faults: false for one that hit nodes the job was not using
};

struct DynamicsInputs {
  int64_t target_steps = 1;
  double duration_s = 0;  // wall-clock limit; 0 = none
  int nodes = 1;
  int gpus_per_node = 1;
  int64_t gpus_per_replica = 1;  // tp x pp x cp
  int dp_full = 1;
  // Step time at data-parallel degree dp (1 .. dp_full); <= 0 when that dp is not a valid layout
  // (batch not divisible, out of memory). Called once per dp at most.
  std::function<double(int dp)> step_time;
  bool elastic = false;
  bool checkpointing = false;
  double interval_s = 0;    // between checkpoint starts (wall clock)
  double blocking_s = 0;    // training stops this long per checkpoint (sync: the write; async: the copy out)
  double background_s = 0;  // async: the write after the copy, overlapping training; 0 for sync
  double restore_s = 0;     // reading the checkpoint back after a restart
  double step_tokens = 0;   // tokens per step (for goodput)
};

struct DynamicsResult {
  std::vector<StepSegment> segments;
  std::vector<JobInterval> intervals;
  std::vector<TimelineEvent> events;
  int64_t steps_completed = 0;
  int64_t step_executions = 0;  // completed + lost + unfinished executions
  int64_t steps_lost = 0;       // executions whose work was lost (recomputed later or never)
  int64_t interruptions = 0;    // spot interruptions that hit the job
  int64_t failures = 0;         // failures that hit the job
  int64_t cluster_interruptions = 0;  // all spot interruptions, whether or not they hit the job
  int64_t cluster_failures = 0;
  int64_t failures_by_component[scenarios::kComponentKindCount] = {};
  int64_t checkpoints = 0;
  int64_t restarts = 0;
  int64_t resizes = 0;
  double compute_s = 0;              // completed steps' time
  double lost_work_s = 0;            // time of lost and unfinished executions
  double checkpoint_overhead_s = 0;  // training blocked by checkpoints (incl. waiting for the previous async write)
  double restore_s = 0;              // reading checkpoints back
  double down_s = 0;                 // no job running: detection, recovery, waiting for capacity
  double wall_s = 0;
  int min_dp = 0;
  std::string stop_reason;  // "steps done", "duration reached", "no capacity returns"
  double effective_training_fraction() const { return wall_s > 0 ? compute_s / wall_s : 0; }
};

// Runs the timeline. `faults` sorted by time (generate_faults).
DynamicsResult simulate_training_dynamics(const DynamicsInputs& in, const std::vector<policies::FaultEvent>& faults);

}  // namespace stratum::sim
