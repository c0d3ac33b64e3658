#pragma once
// Gradient handling and optimizer step of Megatron-LM 2021, the code Narayanan et al. SC'21 ran
// (NVIDIA/Megatron-LM at commit aed2f75e, 2021-04-11: megatron/model/distributed.py,
// megatron/training.py train_step, megatron/arguments.py, megatron/optimizer/optimizer.py), as
// bytes per parameter that the step model prices on the cost model. Issue 7.
#include <cstdint>

#include "stratum/scenarios/scenario.hpp"

namespace stratum::calibration {

struct Megatron2021GradientBytes {
  // Bytes per gradient element in the data-parallel all-reduce and in the tied-embedding
  // all-reduce between the first and last stage.
  double reduce_width = 0;
  // HBM bytes per parameter moved by accumulating one micro-batch's gradient (mean over the
  // step's micro-batches).
  double accumulate_per_micro_batch = 0;
  // HBM bytes per parameter once per step around the all-reduce (zeroing, pre-division, packing).
  double around_reduce = 0;
  // HBM bytes per parameter of the optimizer step (copies, unscaling, norm, Adam).
  double optimizer = 0;
};

// For training precision `p` (BF16 or FP16; FP8 did not exist in 2021 and is taken as BF16) and
// `micro_batches` per step.
Megatron2021GradientBytes megatron2021_gradient_bytes(scenarios::Precision p, int64_t micro_batches);

// The same with --DDP-impl torch under --fp16 (PyTorch DistributedDataParallel, as NVIDIA's
// examples/sc21/run_table_1.sh ran the rows without pipelining): `around_reduce` is then the
// reducer's copies of the last micro-batch's gradients into its buckets and back, on the compute
// stream during that backward, and the all-reduce runs in buckets of kTorchDdpBucketBytes.
Megatron2021GradientBytes megatron2021_torch_ddp_bytes(int64_t micro_batches);

// torch.nn.parallel.DistributedDataParallel's default bucket_cap_mb = 25 (PyTorch 1.8,
// torch/nn/parallel/distributed.py), the version in the NGC 20.12 container the SC'21 scripts name
// (examples/sc21/SRUN.sh). The smaller first bucket (1 MB) is not modelled.
inline constexpr double kTorchDdpBucketBytes = 25.0 * 1024 * 1024;

}  // namespace stratum::calibration
