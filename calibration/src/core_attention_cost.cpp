#include "stratum/calibration/core_attention_cost.hpp"

#include <vector>

namespace stratum::calibration {

namespace {

double d(int64_t v) { return static_cast<double>(v); }

KernelWork operator+(KernelWork a, KernelWork b) { return {a.flops + b.flops, a.bytes + b.bytes}; }

// A batched GEMM C[m, n] = A[m, k] B[k, n] over `groups` heads: 2 m n k FLOPs, A and B read and C
// written once (the roofline's own byte count, roofline.cpp grouped_gemm).
KernelWork bgemm(double groups, double m, double n, double k, double w) {
  return {groups * 2.0 * m * n * k, groups * (m * k + k * n + m * n) * w};
}

// Bytes per score of each kernel of the softmax when the fused kernel does not apply
// (megatron2021_fused_softmax), 16-bit scores of width w, FP32 in between. Forward:
// input.float() (read w, write 4), input * scale (4 + 4), attention_mask_func's masked_fill_
// (4 + 4; the s x s boolean mask is shared by all heads and taken as cached), torch Softmax
// (4 + 4), probs.half() / .bfloat16() (4 + w). Backward, autograd in reverse: the cast back to
// FP32 (w + 4), softmax backward (reads the gradient and the output, writes the gradient:
// 4 + 4 + 4), masked_fill backward (4 + 4), the scale (4 + 4), the cast to 16 bits (4 + w).
std::vector<double> fallback_softmax_forward(double w) { return {w + 4, 8, 8, 8, 4 + w}; }
std::vector<double> fallback_softmax_backward(double w) { return {w + 4, 12, 8, 8, 4 + w}; }
double sum(const std::vector<double>& v) {
  double t = 0;
  for (double x : v) t += x;
  return t;
}

}  // namespace

bool megatron2021_fused_softmax(const UnfusedAttentionShape& x) {
  return x.seq_len > 16 && x.seq_len <= 2048 && x.seq_len % 4 == 0 && (x.sequences * x.heads) % 4 == 0;
}

KernelWork UnfusedAttentionWork::forward() const { return scores + softmax + dropout + context; }
KernelWork UnfusedAttentionWork::backward() const { return context_bwd + dropout_bwd + softmax_bwd + scores_bwd; }

UnfusedAttentionWork unfused_attention_work(const UnfusedAttentionShape& x, double w) {
  const double g = d(x.sequences) * d(x.heads);  // one GEMM per sequence and head: [b * np, s, s]
  const double s = d(x.seq_len), hd = d(x.head_dim);
  const double full = s * s;                // scores per head
  const double causal = s * (s + 1.0) / 2.0;  // row i reads its first i + 1 scores
  UnfusedAttentionWork out;
  // transformer.py: matmul_result = torch.baddbmm(empty, Q^T [b np, s, hn], K [b np, hn, s],
  // beta=0.0): cuBLAS with beta 0 does not read C; every score is computed, the mask comes later.
  out.scores = bgemm(g, s, s, hd, w);
  // scaled_upper_triang_masked_softmax_warp_forward: row i loads its local_seq = i + 1 unmasked
  // inputs and stores the whole row (zeros above the diagonal, copy_zero_vector).
  const bool fused = megatron2021_fused_softmax(x);
  out.softmax = {0, fused ? g * (causal + full) * w : g * full * sum(fallback_softmax_forward(w))};
  if (x.dropout) {
    // torch.nn.Dropout on [b, np, s, s] (PyTorch fused_dropout): reads the probabilities, writes
    // the output and a 1-byte keep mask; backward (masked_scale) reads the gradient and the mask
    // and writes the gradient.
    out.dropout = {0, g * full * (w + w + 1.0)};
    out.dropout_bwd = {0, g * full * (w + 1.0 + w)};
  }
  // context_layer = torch.bmm(attention_probs [b np, s, s], V [b np, s, hn]).
  out.context = bgemm(g, s, hd, s, w);
  // Autograd of bmm: dP = dO V^T ([s, hn] x [hn, s]) and dV = P^T dO ([s, s] x [s, hn]).
  out.context_bwd = bgemm(g, s, s, hd, w) + bgemm(g, s, hd, s, w);
  // scaled_upper_triang_masked_softmax_warp_backward: row i loads the gradient and the softmax
  // output over its first i + 1 entries and stores the whole row of the input gradient.
  out.softmax_bwd = {0, fused ? g * (2.0 * causal + full) * w : g * full * sum(fallback_softmax_backward(w))};
  // Autograd of baddbmm: dQ = dS K ([s, s] x [s, hn]) and dK = dS^T Q ([s, s] x [s, hn]).
  out.scores_bwd = bgemm(g, s, hd, s, w) + bgemm(g, s, hd, s, w);
  return out;
}

UnfusedAttentionTime unfused_attention_time(const CostModel& c, const UnfusedAttentionShape& x, Precision p) {
  const UnfusedAttentionWork w = unfused_attention_work(x, scenarios::bytes_per_element(p));
  const double g = d(x.sequences) * d(x.heads);
  const int64_t s = x.seq_len, hd = x.head_dim;
  const auto bmm = [&](int64_t m, int64_t n, int64_t k) { return c.grouped_gemm(g, m, n, k, p, p).seconds; };
  const auto ew = [&](const KernelWork& k) { return k.bytes > 0 ? c.elementwise(k.bytes).seconds : 0.0; };
  // The softmax: one fused kernel, or the FP32 fallback's kernels one by one.
  double softmax_f = ew(w.softmax), softmax_b = ew(w.softmax_bwd);
  if (!megatron2021_fused_softmax(x)) {
    const double width = scenarios::bytes_per_element(p), scores = g * d(s) * d(s);
    softmax_f = softmax_b = 0;
    for (double b : fallback_softmax_forward(width)) softmax_f += ew({0, scores * b});
    for (double b : fallback_softmax_backward(width)) softmax_b += ew({0, scores * b});
  }
  UnfusedAttentionTime t;
  t.forward_s = bmm(s, s, hd) + softmax_f + ew(w.dropout) + bmm(s, hd, s);
  t.backward_s = bmm(s, s, hd) + bmm(s, hd, s) + ew(w.dropout_bwd) + softmax_b + 2.0 * bmm(s, hd, s);
  return t;
}

}  // namespace stratum::calibration
