#pragma once
// The unfused core attention of Megatron-LM 2021, the code Narayanan et al. SC'21 ran
// (megatron/model/transformer.py ParallelAttention.forward, megatron/fused_kernels/
// scaled_upper_triang_masked_softmax.h, at NVIDIA/Megatron-LM commit aed2f75e, 2021-04-11):
// per head, a batched GEMM Q K^T over the full s x s scores (no causal skipping), the fused
// scale + causal-mask + softmax kernel, dropout, and a batched GEMM of the probabilities with V;
// the backward runs each kernel's gradient. Priced kernel by kernel on a CostModel, so a measured
// profile prices it as readily as the roofline. Issue 7.
#include <cstdint>

#include "stratum/calibration/cost_model.hpp"

namespace stratum::calibration {

struct UnfusedAttentionShape {
  int64_t sequences = 1;  // sequences in the micro-batch (b)
  int64_t seq_len = 1;    // s: queries and keys per sequence
  int64_t heads = 1;      // attention heads on this GPU (a / t)
  int64_t head_dim = 1;   // hidden per head (h / a)
  bool dropout = true;    // attention dropout (Megatron-LM --attention-dropout 0.1, the default)
};

// One kernel's work: FLOPs of its matmuls and the HBM bytes it moves.
struct KernelWork {
  double flops = 0;
  double bytes = 0;
};

// Work of each kernel for one micro-batch, the 16-bit scores of width `score_bytes` (2).
struct UnfusedAttentionWork {
  // Forward.
  KernelWork scores;        // baddbmm Q K^T: b a/t GEMMs [s, hd] x [hd, s], beta 0
  KernelWork softmax;       // fused scale-mask-softmax: reads the causal half, writes full rows
                            // (or the FP32 PyTorch kernels, megatron2021_fused_softmax)
  KernelWork dropout;       // reads the probabilities, writes the output and a 1-byte mask
  KernelWork context;       // bmm P V: [s, s] x [s, hd]
  // Backward.
  KernelWork context_bwd;   // dP = dO V^T and dV = P^T dO
  KernelWork dropout_bwd;   // reads the gradient and the mask, writes the gradient
  KernelWork softmax_bwd;   // reads the gradient and the output over the causal half, writes full rows
  KernelWork scores_bwd;    // dQ = dS K and dK = dS^T Q
  KernelWork forward() const;
  KernelWork backward() const;
};
UnfusedAttentionWork unfused_attention_work(const UnfusedAttentionShape& shape, double score_bytes = 2.0);

// Whether Megatron-LM 2021 runs its fused softmax kernel for this shape
// (megatron/model/fused_softmax.py FusedScaleMaskSoftmax.forward at aed2f75e: 16 < s <= 2048,
// s % 4 == 0 and b x heads per GPU % 4 == 0). Otherwise it runs PyTorch's kernels one by one in
// FP32: the scores are cast to FP32, scaled (query-key layer scaling is on by default, which
// forces softmax in FP32), masked in place, softmaxed and cast back, and autograd runs each
// kernel's gradient. SC'21 Table 1's 18.4 B (48 heads / tp 8 = 6) and 76.1 B (80 / 8 = 10) rows
// take this path.
bool megatron2021_fused_softmax(const UnfusedAttentionShape& shape);

struct UnfusedAttentionTime {
  double forward_s = 0;
  double backward_s = 0;
};
// Seconds of the forward and backward on `costs`: the GEMMs through grouped_gemm (b a/t groups),
// softmax and dropout through elementwise, in precision `p` (the 16-bit stream precision).
UnfusedAttentionTime unfused_attention_time(const CostModel& costs, const UnfusedAttentionShape& shape, Precision p);

}  // namespace stratum::calibration
