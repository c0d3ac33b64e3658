#pragma once
// trace.json of a training step (issue 7): Chrome Trace Event JSON (`ts` and `dur` in
// microseconds; https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU),
// opened in Perfetto (ui.perfetto.dev). Three tracks per pipeline stage, named after the stage's
// first GPU (tensor rank 0, context rank 0, data-parallel replica 0):
//   3i     "stage i (GPU g)"   every forward and backward op ("F mb 3 c 1": micro-batch 3, model
//                              chunk 1; args micro_batch, chunk) and the optimizer step, so the
//                              warm-up, steady state, cool-down and the bubble (the gaps) show;
//   3i+1   "stage i p2p"       each activation / gradient send from this stage, from the producing
//                              op's end until the input is ready on the receiving stage;
//   3i+2   "stage i dp"        data-parallel gradient buckets and the ZeRO weight all-gather.
// Plain data: no SimGrid. Both fidelities fill it (the analytic one from its pipeline schedule).
#include <string>
#include <vector>

#include "stratum/calibration/pipeline_schedule.hpp"

namespace stratum::sim {

struct TrainingTraceSpan {
  int track = 0;
  std::string name;
  std::string category;  // "forward", "backward", "p2p", "dp", "optimizer"
  double start_s = 0;
  double duration_s = 0;
  int micro_batch = -1;  // -1: not an op of one micro-batch
  int chunk = -1;
  double bytes = 0;      // p2p and dp spans: bytes the span moves per GPU pair set (0: none)
};

struct TrainingTrace {
  std::vector<std::string> track_names;
  std::vector<TrainingTraceSpan> spans;
};

// Track names for `stages` stages whose first GPUs are `first_gpu[i]`.
std::vector<std::string> training_track_names(const std::vector<int>& first_gpu);

// The analytic step's trace: the schedule's ops, and each p2p as p2p_s after its producing op.
// `first_gpu[i]` is stage i's first GPU.
TrainingTrace analytic_training_trace(const calibration::PipelineRun& pipeline, double p2p_s, int virtual_stages,
                                      const std::vector<int>& first_gpu);

// The span name of a pipeline op: "F mb 3 c 1" / "B mb 0 c 0".
std::string op_span_name(const calibration::PipelineOp& op);

// Chrome Trace Event JSON of `trace`, spans sorted by (track, start); deterministic bytes.
std::string training_trace_json(const TrainingTrace& trace);

}  // namespace stratum::sim
