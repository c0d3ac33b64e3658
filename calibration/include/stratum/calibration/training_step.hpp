#pragma once
// Analytic estimate of one training step of a layout: per-layer forward and backward compute from
// the cost model, tensor-, context- and expert-parallel collectives, the pipeline schedule's
// event-computed makespan with p2p transfers, data-parallel gradient reduction overlapped with
// the last backward in buckets, and the optimizer step; plus FLOPs, MFU/HFU and the memory
// accounting. Pure function of plain structs: the simulator's training run will drive the same
// pieces through its fabric. Issue 7.
#include <string>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/pipeline_schedule.hpp"
#include "stratum/calibration/training_layout.hpp"
#include "stratum/calibration/training_memory.hpp"
#include "stratum/scenarios/hardware.hpp"
#include "stratum/scenarios/model.hpp"

namespace stratum::calibration {

// The links one parallel group's collectives use (per GPU, one direction), or a GroupCollectives
// that prices them on the real fabric (not owned; wins when set).
struct GroupLink {
  double bandwidth = 0;  // bytes/s
  double latency = 0;    // seconds per ring step
  const GroupCollectives* group = nullptr;
};

struct TrainingLinks {
  GroupLink tp, cp, ep, pp, dp;
};

struct TrainingStepOptions {
  // Megatron-Core DistributedDataParallel --overlap-grad-reduce: a gradient bucket's reduction
  // starts as soon as the backward has produced it. Off: all gradients are reduced after the
  // stage's last backward.
  bool overlap_grad_reduce = true;
  // Megatron-Core --overlap-param-gather (ZeRO 1 and 2): the all-gather of updated weights hides
  // behind the next step's first forward; off: it follows the optimizer step.
  bool overlap_param_gather = true;
  // Gradient bucket size in parameters; 0: Megatron-Core's default, max(40,000,000, 1,000,000 x
  // data-parallel ranks) (megatron/core/distributed/distributed_data_parallel.py).
  double bucket_params = 0;
  // Which software's kernels and gradient handling are priced (scenario training.software;
  // docs/models.md section 11 "Training software"). Default: today's Megatron-Core.
  // Gradients kMegatron2021 applies to ZeRO stage 0 only (the loader rejects others) and replaces
  // overlap_grad_reduce.
  scenarios::TrainingSoftware software;
  TrainingMemoryOptions memory;
};

// The memory options a step with `options` prices: options.memory with what the attention core
// keeps set by the kernels (flash_attention from software.attention). Every caller of
// training_memory that stands for a step uses it, so the memory verdict and the step agree.
TrainingMemoryOptions step_memory_options(const TrainingStepOptions& options);

// How the data-parallel gradient reduction is cut into buckets (every gradient mode but the 2021
// local DDP, which reduces everything at once after the flush).
struct GradientBuckets {
  double params = 0;           // parameters per bucket
  double bytes_per_param = 0;  // bytes of one gradient element in the reduction
  CollectiveKind kind = CollectiveKind::kAllReduce;
};
// Megatron-Core DDP: options.bucket_params or its default max(40,000,000, 1,000,000 x dp x cp)
// (megatron/core/distributed/distributed_data_parallel.py), 16-bit gradients (FP32 with
// options.memory.fp32_gradients), all-reduce without
// ZeRO and reduce-scatter with it. PyTorch DDP (kMegatron2021TorchDdp): 25 MB buckets of FP16
// gradients, all-reduced (megatron2021_gradients.hpp).
GradientBuckets gradient_buckets(const TrainingStepOptions& options, const TrainingLayout& layout);

struct TrainingStep {
  double step_time_s = 0;
  double tokens_per_s = 0;
  double model_flops = 0;     // per step, all GPUs (training_flops)
  double hardware_flops = 0;  // model + recomputation
  double mfu = 0;             // model FLOPs / (step x GPUs x peak of the compute precision)
  double hfu = 0;             // hardware FLOPs / (step x GPUs x peak)
  // Hardware FLOPs per second per GPU, in TFLOP/s: what Megatron-LM's SC'21 Table 1 reports
  // ("achieved teraFLOP/s per GPU", eq. (3) counting the recomputation).
  double tflops_per_gpu = 0;
  double bubble_fraction = 0;  // of the pipeline run, see PipelineRun
  // Breakdown: one layer, one micro-batch, one GPU.
  double layer_forward_s = 0;         // compute and TP/EP/CP communication of the forward
  double layer_backward_s = 0;        // backward, including recomputation
  double layer_communication_s = 0;   // TP + EP + exposed CP collectives, forward + backward + recompute
  double p2p_s = 0;                   // one activation transfer between consecutive stages
  double dp_exposed_s = 0;            // gradient reduction (and weight gather) not hidden, slowest stage
  double optimizer_s = 0;             // optimizer step on the slowest stage
  std::vector<double> stage_optimizer_s;  // optimizer step of every stage (its own parameters)
  PipelineRun pipeline;               // per-stage operation start and end times
  TrainingMemory memory;
  bool fits() const { return memory.fits(); }
};

// `layout` must be valid (validate_layout); throws std::invalid_argument otherwise.
TrainingStep estimate_training_step(const CostModel& costs, const scenarios::ModelSpec& model,
                                    const scenarios::GpuSpec& gpu, const TrainingLayout& layout,
                                    const TrainingLinks& links, const TrainingStepOptions& options = {});

}  // namespace stratum::calibration
