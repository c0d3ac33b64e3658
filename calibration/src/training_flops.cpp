#include "stratum/calibration/training_flops.hpp"

#include <stdexcept>
#include <string>

namespace stratum::calibration {

namespace {
double d(int64_t v) { return static_cast<double>(v); }
}  // namespace

double megatron_flops_full_recompute(double B, double s, double l, double h, double V) {
  return 96.0 * B * s * l * h * h * (1.0 + s / (6.0 * h) + V / (16.0 * l * h));
}

double megatron_flops_no_recompute(double B, double s, double l, double h, double V) {
  return 72.0 * B * s * l * h * h * (1.0 + s / (6.0 * h) + V / (12.0 * l * h));
}

ForwardFlopsPerToken forward_flops_per_token(const scenarios::ModelSpec& m, int64_t seq_len) {
  if (m.layers <= 0 || m.hidden <= 0 || m.heads <= 0 || m.kv_heads <= 0 || m.head_dim <= 0 || m.ffn_hidden <= 0 ||
      m.vocab <= 0) {
    throw std::invalid_argument("model '" + m.id + "' lacks layers, hidden, heads, kv_heads, head_dim, ffn_hidden or vocab");
  }
  const double h = d(m.hidden);
  const double q_width = d(m.heads * m.head_dim);
  // Q, K, V (K and V with kv_heads x head_dim outputs) and the output projection.
  const double attention_params = h * (q_width + 2.0 * d(m.kv_heads * m.head_dim)) + q_width * h;
  // One MLP: up and down, plus the gate for SwiGLU. An MoE layer runs experts_per_token of them
  // per token, plus its router (hidden x experts).
  const double mlp_params = (m.gated_mlp ? 3.0 : 2.0) * h * d(m.ffn_hidden);
  const double active_mlp = m.experts > 0 ? d(m.experts_per_token) * mlp_params + h * d(m.experts) : mlp_params;
  ForwardFlopsPerToken f;
  f.layer_matmul = d(m.layers) * 2.0 * (attention_params + active_mlp);
  // QK^T (2 s x heads x head_dim per token) and attention over V (the same): PaLM's 12 L H Q T is
  // this times 3 for forward plus backward.
  f.attention = d(m.layers) * 4.0 * d(seq_len) * q_width;
  f.head = 2.0 * d(m.vocab) * h;
  return f;
}

TrainingFlops training_flops(const scenarios::ModelSpec& model, int64_t sequences, int64_t seq_len,
                             Recompute recompute) {
  const ForwardFlopsPerToken f = forward_flops_per_token(model, seq_len);
  const double tokens = d(sequences) * d(seq_len);
  TrainingFlops out;
  // Backward is twice the forward: a gradient for the input and one for the weights, each a
  // matmul of the forward's size (Narayanan et al. SC'21 section 5.1).
  out.model = 3.0 * f.total() * tokens;
  double again = 0;
  switch (recompute) {
    case Recompute::kNone: break;
    case Recompute::kSelective: again = f.attention; break;
    case Recompute::kFull: again = f.layer_matmul + f.attention; break;
  }
  out.hardware = out.model + again * tokens;
  return out;
}

double flops_utilisation(double flops, double seconds, int64_t gpus, double peak_flops_per_gpu) {
  if (seconds <= 0 || gpus <= 0 || peak_flops_per_gpu <= 0) return 0;
  return flops / (seconds * d(gpus) * peak_flops_per_gpu);
}

}  // namespace stratum::calibration
