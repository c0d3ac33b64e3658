#pragma once
// A training step in the `flow` fidelity (issue 7; docs/models.md section 11, "Flow fidelity"):
// the step simulated by SimGrid on the cluster's platform, so that data-parallel, pipeline and
// tensor-parallel traffic share the fabric's links as they would on the real cluster.
//
// What runs where:
// - One actor per pipeline stage runs the stage's ops in the schedule's order
//   (calibration::pipeline_order). An op lasts what the analytic step gives it (per-layer compute
//   and collectives from calibration::estimate_training_step, the same op durations the analytic
//   pipeline uses) less the idle time of its tensor/expert-parallel transfers, after which those
//   transfers are sent as ONE concurrent set (every GPU pair's bytes over all the NCCL steps of the
//   op's all-reduces / all-gathers / reduce-scatters / all-to-alls: the approach of
//   flow_tensor_parallel.hpp). On an idle fabric the op takes its analytic time; when other
//   traffic shares a link it is late by what max-min sharing costs it.
// - Pipeline sends are real transfers: when an op ends, every GPU of the stage (all tensor ranks,
//   context ranks and data-parallel replicas) sends its 1/tp share of the boundary activation
//   (Narayanan SC'21 section 4.1, scatter/gather) to the same-rank GPU of the next (forward) or
//   previous (backward) stage; the receiving op starts when all have arrived, plus what the
//   analytic p2p time has beyond the transfer's idle time (the all-gather over NVLink of the
//   scattered activation).
// - One data-parallel reducer actor per stage reduces gradient buckets in order of readiness
//   (Megatron-Core DDP, overlap_grad_reduce; bucket sizes as calibration::estimate_training_step):
//   each bucket is the reduce-scatter (ZeRO >= 1) or all-reduce (ZeRO 0) of every data-parallel
//   group of the stage (tp groups of dp x cp ranks) at once, with the algorithm NCCL's tuner picks
//   (choose_algorithm), decomposed into its point-to-point steps and sent as one concurrent set
//   per bucket (same contention surcharge rule). ZeRO 1/2's weight all-gather after the optimizer
//   is sent the same way, hidden behind the next step's first forwards as the analytic step hides it.
// - Symmetry (DESIGN.md section 4): the compute of the tp x cp x dp GPUs of a stage is simulated
//   once (they run the same ops at the same time); every GPU's pipeline and data-parallel
//   transfers are simulated. Tensor-parallel transfers are sent for every replica when they cross
//   nodes or when some other simulated transfer stays inside a node; otherwise for data-parallel
//   replica 0 only (its NVLink links carry nothing else), and the report says which.
// - One step is simulated; a run of N steps repeats it (nothing differs between steps).
// Not simulated as flows (priced as in the analytic step): context-parallel K/V exchange, ZeRO-3
// per-op weight gathers, the optimizer.
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/training_run.hpp"

namespace stratum::sim {

// `scenario.training` must be set and pass check_training. Starts a SimGrid engine: once per
// process (DESIGN.md section 4). Fills TrainingRunResult::flow and ::trace.
TrainingRunResult run_training_flow(const scenarios::Scenario& scenario);

}  // namespace stratum::sim
