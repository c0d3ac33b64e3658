#pragma once
// Which training software's kernels and gradient handling the training step model prices
// (scenario field `training.software`, docs/models.md section 11 "Training software"). The
// defaults are today's Megatron-Core; the MEGATRON_LM_2021 choices are the code Narayanan et al.
// SC'21 (arXiv 2104.04473) measured its Table 1 with, read from NVIDIA/Megatron-LM at commit
// aed2f75e (2021-04-11). Issue 7.

namespace stratum::scenarios {

// Core attention, softmax(Q K^T / sqrt(d)) V with dropout.
enum class TrainingAttention {
  // One fused kernel over the causal half of the scores (FlashAttention-2, Dao 2023; Megatron-Core
  // with Transformer Engine).
  kFlash,
  // Megatron-LM 2021 (megatron/model/transformer.py ParallelAttention.forward): torch.baddbmm
  // Q K^T over the full s x s scores of every head, the fused scale-upper-triangular-mask-softmax
  // kernel, torch dropout (16-bit output plus a 1-byte mask) and torch.bmm with V; the backward
  // runs the matching kernels.
  kUnfused,
};

// Data-parallel gradient handling and optimizer step.
enum class TrainingGradients {
  // Megatron-Core DistributedDataParallel: buckets reduced while the backward runs
  // (--overlap-grad-reduce), fused Adam reading the 16-bit gradient.
  kOverlapped,
  // Megatron-LM 2021 local DDP (megatron/model/distributed.py, megatron/training.py train_step):
  // gradients accumulated over the micro-batches, one all-reduce of all of them after the
  // pipeline flush (no overlap), in FP32 under BF16 (arguments.py forces
  // accumulate_allreduce_grads_in_fp32) and in FP16 under FP16; then the tied embedding's gradient
  // all-reduced between the first and last pipeline stage; then the unfused mixed-precision
  // optimizer (megatron/optimizer/optimizer.py Float16OptimizerWithFloat16Params).
  kMegatron2021,
  // Megatron-LM 2021 with --DDP-impl torch (megatron/training.py get_model at aed2f75e), as
  // NVIDIA's SC'21 Table 1 script ran its pipeline-free rows (examples/sc21/run_table_1.sh):
  // PyTorch DistributedDataParallel, whose no_sync() skips the reduction for all but the last
  // micro-batch (megatron/schedules.py forward_backward_no_pipelining), whose backward then
  // all-reduces the FP16 gradients in 25 MB buckets as they become ready; the same unfused
  // mixed-precision optimizer as kMegatron2021.
  kMegatron2021TorchDdp,
};

struct TrainingSoftware {
  TrainingAttention attention = TrainingAttention::kFlash;
  TrainingGradients gradients = TrainingGradients::kOverlapped;
  // training.software.grad_reduce_in_fp32 (Megatron-Core --accumulate-allreduce-grads-in-fp32):
  // FP32 gradient buffers, reduced in FP32. kOverlapped only.
  bool grad_reduce_in_fp32 = false;
};

}  // namespace stratum::scenarios
