#pragma once
// Pipeline-parallel schedules as explicit per-stage operation orders, and their timing by an
// event computation that respects every dependency (a stage runs its operations in order; a
// forward waits for the previous stage's forward of the same micro-batch and chunk, a backward for
// the next stage's backward), so that warm-up, steady state, cool-down and the bubble come out of
// the schedule rather than a formula. Narayanan et al. SC'21 (arXiv 2104.04473), section 2.2:
// GPipe, 1F1B (PipeDream-Flush) and interleaved 1F1B. The per-op start and end times are exposed
// so that a trace can show them.
#include <vector>

#include "stratum/calibration/training_layout.hpp"

namespace stratum::calibration {

enum class Pass { kForward, kBackward };

struct PipelineOp {
  Pass pass = Pass::kForward;
  int micro_batch = 0;
  int chunk = 0;  // model chunk on this stage (0 unless interleaved); virtual stage = chunk x stages + stage
  bool operator==(const PipelineOp&) const = default;
};

struct PipelineShape {
  int stages = 1;          // pp
  int micro_batches = 1;   // m, per step on one pipeline
  int virtual_stages = 1;  // v, model chunks per stage (interleaved only)
  PipelineSchedule schedule = PipelineSchedule::kOneFOneB;
};

// The order in which each stage runs its operations (outer index: stage).
// GPipe: forwards of micro-batches 0..m-1, then backwards m-1..0 (Huang et al. 2019, GPipe, Fig. 2).
// 1F1B: stage i runs min(p - i - 1, m) warm-up forwards, then alternates one forward and one
//   backward, then drains the remaining backwards (Narayanan SC'21 Fig. 4 top; Megatron-LM
//   forward_backward_pipelining_without_interleaving).
// Interleaved: m x v chunk operations per stage; warm-up (p - i - 1) x 2 + (v - 1) x p forwards
//   (all of them when m == p), virtual micro-batch k running chunk (k mod pv) / p (reversed for
//   backward) of micro-batch (k / pv) p + k mod p (Megatron-LM
//   forward_backward_pipelining_with_interleaving). Needs m divisible by p.
// Throws std::invalid_argument for a shape that is not valid for its schedule.
std::vector<std::vector<PipelineOp>> pipeline_order(const PipelineShape& shape);

// Largest number of chunk activations a stage holds at once (forwards run whose backward has not
// yet run), per stage: 1F1B stage i holds min(p - i, m); GPipe m; interleaved stage 0
// (p - 1) x 2 + (v - 1) x p + 1 chunks of l / (p v) layers, i.e. l (1 + (p - 1) / (p v)) layers
// (Korthikanti 2022 section 4.2.3).
std::vector<int> peak_in_flight(const std::vector<std::vector<PipelineOp>>& order);

struct PipelineTimes {
  // Seconds of one micro-batch's forward and backward on each virtual stage, indexed
  // chunk x stages + stage (stages x virtual_stages entries).
  std::vector<double> forward_s;
  std::vector<double> backward_s;
  double p2p_s = 0;  // activation (or gradient) transfer between consecutive virtual stages
};

struct TimedOp {
  PipelineOp op;
  double start_s = 0;
  double end_s = 0;
};

struct PipelineRun {
  std::vector<std::vector<TimedOp>> stages;  // each stage's operations in execution order
  double makespan_s = 0;                     // last operation's end
  std::vector<double> busy_s;                // compute seconds per stage
  // Bubble: makespan / ideal - 1, the ideal being the busiest stage's compute time. Equal stage
  // times and no p2p give (p - 1) / m for GPipe and 1F1B and (p - 1) / (m v) interleaved
  // (Narayanan SC'21 section 2.2).
  double bubble_fraction = 0;
};

// Event computation over `pipeline_order(shape)`: each op starts when its stage is free and its
// input has arrived (the producing op's end, plus p2p_s when it ran on another stage).
PipelineRun run_pipeline(const PipelineShape& shape, const PipelineTimes& times);

// Equal forward and backward times on every virtual stage.
PipelineTimes uniform_times(const PipelineShape& shape, double forward_s, double backward_s, double p2p_s);

}  // namespace stratum::calibration
