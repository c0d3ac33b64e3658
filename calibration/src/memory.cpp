#include "stratum/calibration/memory.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "stratum/calibration/precision_plan.hpp"

namespace stratum::calibration {

namespace {

using scenarios::ModelSpec;
using scenarios::Precision;

double d(int64_t v) { return static_cast<double>(v); }

// Parameters of the linear layers of the decoder blocks: the ones weight quantisation applies to.
double linear_parameters(const ModelSpec& m) {
  const double h = d(m.hidden);
  // Q, K, V and O projections (GQA: K and V have kv_heads x head_dim outputs).
  const double attention = h * d((m.heads + 2 * m.kv_heads) * m.head_dim) + d(m.heads * m.head_dim) * h;
  // One MLP: gate, up and down (SwiGLU) or up and down.
  const double mlp = (m.gated_mlp ? 3.0 : 2.0) * h * d(m.ffn_hidden);
  const double mlps = m.experts > 0 ? d(m.experts) * mlp : mlp;
  return d(m.layers) * (attention + mlps);
}

// Embedding, LM head (unless tied), two RMSNorm weight vectors per layer plus the final one, and
// MoE routers. Attention biases (Qwen2 has Q/K/V biases, 0.002 % of its parameters) are not in
// the catalogue's fields and are left out.
double other_parameters(const ModelSpec& m) {
  const double h = d(m.hidden);
  const double embeddings = d(m.vocab) * h * (m.tied_embeddings ? 1.0 : 2.0);
  const double norms = d(m.layers) * 2.0 * h + h;
  const double routers = m.experts > 0 ? d(m.layers) * h * d(m.experts) : 0.0;
  return embeddings + norms + routers;
}

}  // namespace

int64_t kv_heads_per_gpu(const scenarios::ModelSpec& m, int tp) {
  // Sharded evenly over ranks; when tp exceeds kv_heads each rank keeps a replica of one head
  // (vLLM's QKVParallelLinear).
  return std::max<int64_t>(1, (m.kv_heads + tp - 1) / tp);
}

double parameter_count(const ModelSpec& model) { return linear_parameters(model) + other_parameters(model); }

double kv_bytes_per_token(const ModelSpec& model, Precision kv_precision) {
  // K and V for every layer and KV head (Kwon et al., SOSP 2023, PagedAttention).
  return 2.0 * d(model.layers) * d(model.kv_heads) * d(model.head_dim) * scenarios::bytes_per_element(kv_precision);
}

double ServingMemoryPlan::shortfall_bytes() const {
  if (fits()) return 0;
  const double one_block = static_cast<double>(block_size_tokens) * kv_bytes_per_token_per_gpu;
  return std::max(0.0, one_block - kv_bytes_per_gpu);
}

ServingMemoryPlan plan_serving_memory(const ModelSpec& model, const scenarios::GpuSpec& gpu, Precision precision,
                                      int tensor_parallel, const scenarios::SchedulerSpec& scheduler) {
  if (tensor_parallel < 1) {
    throw std::invalid_argument("tensor_parallel must be >= 1, got " + std::to_string(tensor_parallel));
  }
  if (model.layers <= 0 || model.hidden <= 0 || model.heads <= 0 || model.kv_heads <= 0 || model.head_dim <= 0 ||
      model.ffn_hidden <= 0 || model.vocab <= 0) {
    throw std::invalid_argument("model '" + model.id + "' lacks layers, hidden, heads, kv_heads, head_dim, "
                                "ffn_hidden or vocab");
  }
  if (scheduler.block_size_tokens < 1) {
    throw std::invalid_argument("block_size_tokens must be >= 1, got " + std::to_string(scheduler.block_size_tokens));
  }
  const PrecisionPlan p = plan_precision(precision);
  const double tp = tensor_parallel;
  const double stream_b = scenarios::bytes_per_element(p.stream);
  ServingMemoryPlan plan;
  plan.block_size_tokens = scheduler.block_size_tokens;

  // vLLM reserves gpu_memory_utilization of the device's memory for the engine.
  plan.usable_bytes_per_gpu = gpu.memory_bytes * scheduler.gpu_memory_utilization;

  // Weight quantisation (FP8, AWQ/GPTQ INT4, INT8) applies to the decoder's linear layers; vLLM
  // keeps embeddings, LM head and norms in the activation dtype. Per-group scales (one 16-bit
  // scale per 128 weights in AWQ/GPTQ, about 3 % of INT4 weight bytes) are not counted.
  // Every tensor is sharded over the TP ranks (norms are replicated but negligible).
  plan.weight_bytes_per_gpu = (linear_parameters(model) * scenarios::bytes_per_element(p.weight) +
                               other_parameters(model) * stream_b) / tp;

  // Activation workspace: vLLM sizes it by profiling one forward pass of max_num_batched_tokens
  // (split over up to max_num_seqs sequences) and keeping the peak. Stratum does not profile, so it
  // takes the peak as the tensors alive together at the MLP, the widest point of a layer, plus the
  // sampler's logits. Assumption (no published formula for vLLM's peak; calibration replaces it):
  //   tokens x stream bytes x (4 x hidden          residual, normed input, attention out, O-proj out
  //                            + (heads + 2 kv) hd / tp   fused QKV output
  //                            + k x MLP width / tp)      gate+up and activation outputs (k experts
  //                                                        per token for MoE, fused_moe's cache)
  //   + sequences x vocab x 4 bytes              FP32 logits, one row per sequence (vLLM sampler)
  const double tokens = d(scheduler.max_batched_tokens);
  const double sequences = std::min(d(scheduler.max_num_seqs), tokens);
  const double experts_per_token = model.experts > 0 ? d(model.experts_per_token) : 1.0;
  const double mlp_width = d(model.ffn_hidden) * (model.gated_mlp ? 3.0 : 2.0) / tp;
  const double per_token = 4.0 * d(model.hidden) + d((model.heads + 2 * model.kv_heads) * model.head_dim) / tp +
                           experts_per_token * mlp_width;
  plan.activation_bytes_per_gpu = tokens * stream_b * per_token + sequences * d(model.vocab) * 4.0;

  plan.kv_bytes_per_token_per_gpu = 2.0 * d(model.layers) * d(kv_heads_per_gpu(model, tensor_parallel)) *
                                    d(model.head_dim) * scenarios::bytes_per_element(p.kv);
  plan.kv_bytes_per_gpu = plan.usable_bytes_per_gpu - plan.weight_bytes_per_gpu - plan.activation_bytes_per_gpu;
  const double block_bytes = d(scheduler.block_size_tokens) * plan.kv_bytes_per_token_per_gpu;
  plan.kv_blocks = plan.kv_bytes_per_gpu > 0 ? static_cast<int64_t>(std::floor(plan.kv_bytes_per_gpu / block_bytes)) : 0;
  return plan;
}

}  // namespace stratum::calibration
