#pragma once
// Training FLOPs per iteration, and the two utilisation figures built on them: model FLOPs
// utilisation (MFU: FLOPs the model needs, no recomputation) and hardware FLOPs utilisation (HFU:
// FLOPs the GPUs execute, recomputation included). Definitions: Chowdhery et al. 2022 (PaLM,
// arXiv 2204.02311, Appendix B) and Korthikanti et al. 2022 (arXiv 2205.05198, section 6.3).
// Only matrix multiplications count (element-wise work, norms and softmax are left out), as in
// both papers and in Narayanan et al. SC'21 (arXiv 2104.04473) eq. (3).
#include <cstdint>

#include "stratum/calibration/training_layout.hpp"
#include "stratum/scenarios/model.hpp"

namespace stratum::calibration {

// Narayanan et al. SC'21 eq. (3), literally: GPT model, batch B, sequence s, l layers, hidden h,
// vocabulary V, full activation recomputation: 96 B s l h^2 (1 + s/(6h) + V/(16 l h)).
double megatron_flops_full_recompute(double B, double s, double l, double h, double V);
// The same derivation without recomputation (forward once, backward twice, SC'21 section 5.1 and
// Appendix: 24 B s l h^2 (1 + s/(6h)) per forward of the layers, 2 B s h V for the logit layer):
// 72 B s l h^2 (1 + s/(6h) + V/(12 l h)). (The logit term is V/(12 l h), not V/(16 l h): the
// logit layer is never recomputed, so only the layer terms grow from 72 to 96.)
double megatron_flops_no_recompute(double B, double s, double l, double h, double V);

// Forward FLOPs per token of one model, split as the recomputation modes need them.
struct ForwardFlopsPerToken {
  double layer_matmul = 0;  // 2 x active matmul parameters of all decoder layers
  double attention = 0;     // QK^T and attention over V: 4 x seq x heads x head_dim per layer
  double head = 0;          // logit layer 2 x vocab x hidden (the embedding lookup is no matmul)
  double total() const { return layer_matmul + attention + head; }
};

// General form (PaLM Appendix B: 6 N + 12 L H Q T per token, N the matmul parameters, H heads, Q
// head dimension, T sequence): GQA key/value projections and SwiGLU's three matrices count with
// their real shapes, an MoE layer counts its router and experts_per_token experts (active
// parameters, as MFU for MoE models is usually reported). Attention is counted over the full
// s x s score matrix as PaLM and Megatron do, though causal kernels skip half of it. For a GPT
// model (MHA, 4h non-gated MLP, tied embeddings, no biases) this equals eq. (3) exactly.
ForwardFlopsPerToken forward_flops_per_token(const scenarios::ModelSpec& model, int64_t seq_len);

struct TrainingFlops {
  double model = 0;     // forward + backward (2 x forward), no recomputation: the MFU numerator
  double hardware = 0;  // model + what recomputation executes again: the HFU numerator
};

// FLOPs of one optimizer step over `sequences` sequences of `seq_len` tokens, all GPUs together.
// Recomputation adds, per token: full -> the layers' forward again (layer_matmul + attention;
// the logit layer is not recomputed); selective -> the attention core's forward again (the
// QK^T and attention-over-V matmuls, Korthikanti 2022 section 4.2 and Appendix A), so that for a GPT
// model hardware = 72 B s l h^2 (1 + s/(6h) + s/(18h) + V/(12 l h)); none -> nothing.
TrainingFlops training_flops(const scenarios::ModelSpec& model, int64_t sequences, int64_t seq_len,
                             Recompute recompute);

// FLOPs / (seconds x gpus x peak FLOP/s per GPU): MFU with model FLOPs, HFU with hardware FLOPs.
double flops_utilisation(double flops, double seconds, int64_t gpus, double peak_flops_per_gpu);

}  // namespace stratum::calibration
