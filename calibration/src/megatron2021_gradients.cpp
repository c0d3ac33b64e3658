#include "stratum/calibration/megatron2021_gradients.hpp"

namespace stratum::calibration {

// Sources, all NVIDIA/Megatron-LM at commit aed2f75e (2021-04-11):
// - arguments.py: --bf16 forces accumulate_allreduce_grads_in_fp32, which needs the local DDP with
//   use_contiguous_buffers_in_ddp; --fp16 (examples/pretrain_gpt3_175B.sh) keeps the defaults,
//   DDP_impl 'local' without contiguous buffers.
// - model/distributed.py: with the FP32 buffer, a hook per parameter runs
//   main_grad.add_(param.grad) after every micro-batch's backward, zero_grad_buffer() clears it at
//   the step's start, and allreduce_gradients() divides it by the data-parallel size and
//   all-reduces it in one call; without it, autograd accumulates param.grad in 16 bits and
//   allreduce_gradients() flattens the gradients into one buffer, divides, all-reduces and copies
//   them back.
// - optimizer/optimizer.py Float16OptimizerWithFloat16Params.step: copy the gradients to FP32
//   (.float(): a no-op on the FP32 main_grad), unscale and check for inf/nan (FP16 only: no grad
//   scaler under BF16, optimizer/__init__.py), clip by the global L2 norm
//   (multi_tensor_l2norm; the rescale runs only when clipping triggers, not counted), Apex
//   FusedAdam over the FP32 master weights, copy the master weights back to 16 bits
//   (multi_tensor_scale).
Megatron2021GradientBytes megatron2021_gradient_bytes(scenarios::Precision p, int64_t micro_batches) {
  constexpr double kAdam = 4.0 + 3.0 * 4.0 + 3.0 * 4.0;  // FusedAdam: read the FP32 gradient, read and write weight, m, v
  constexpr double kNorm = 4.0;                          // multi_tensor_l2norm reads the FP32 gradient
  constexpr double kCopyBack = 4.0 + 2.0;                // read the FP32 weight, write the 16-bit one
  Megatron2021GradientBytes b;
  const double m = micro_batches > 0 ? static_cast<double>(micro_batches) : 1.0;
  if (p == scenarios::Precision::kFp16) {
    b.reduce_width = 2.0;
    // AccumulateGrad keeps the first micro-batch's gradient as it is and adds the later ones in
    // place (read both, write one: 3 x 2 bytes).
    b.accumulate_per_micro_batch = 6.0 * (m - 1.0) / m;
    // _flatten_dense_tensors (read and write 2), coalesced /= dp (2 + 2), copy back (2 + 2).
    b.around_reduce = 12.0;
    // .float() into the FP32 gradient (2 + 4), unscale and check (4 + 4), norm, Adam, copy back.
    b.optimizer = 6.0 + 8.0 + kNorm + kAdam + kCopyBack;
  } else {
    b.reduce_width = 4.0;
    b.accumulate_per_micro_batch = 4.0 + 2.0 + 4.0;  // main_grad.add_(grad): read FP32 and 16-bit, write FP32
    b.around_reduce = 4.0 + 4.0 + 4.0;                // zero the buffer (4), buffer /= dp (4 + 4)
    b.optimizer = kNorm + kAdam + kCopyBack;
  }
  return b;
}

// PyTorch 1.8 torch/csrc/distributed/c10d/reducer.cpp (gradient_as_bucket_view false, the
// default): copy_grad_to_bucket divides while copying each gradient into its bucket
// (at::mul_out: read 2, write 2 bytes in FP16), and finalize_bucket_dense copies the reduced bucket
// back into the gradient (read 2, write 2). Accumulation over the no_sync() micro-batches and the
// optimizer are those of the FP16 path above (autograd accumulates param.grad in FP16;
// Float16OptimizerWithFloat16Params reads param.grad).
Megatron2021GradientBytes megatron2021_torch_ddp_bytes(int64_t micro_batches) {
  Megatron2021GradientBytes b = megatron2021_gradient_bytes(scenarios::Precision::kFp16, micro_batches);
  b.around_reduce = 4.0 + 4.0;
  return b;
}

}  // namespace stratum::calibration
