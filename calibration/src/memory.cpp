#include "stratum/calibration/memory.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "stratum/calibration/pipeline_stages.hpp"
#include "stratum/calibration/precision_plan.hpp"

namespace stratum::calibration {

namespace {

using scenarios::ModelSpec;
using scenarios::Precision;

double d(int64_t v) { return static_cast<double>(v); }

// MLA's query and KV down-projections (q_a_proj, kv_a_proj_with_mqa): vLLM builds them as
// ReplicatedLinear (vllm/model_executor/models/deepseek_v2.py), so every TP rank holds them whole.
double replicated_linear_parameters(const ModelSpec& m) {
  if (!m.mla()) return 0.0;
  const double h = d(m.hidden);
  const double q_down = m.q_lora_rank > 0 ? h * d(m.q_lora_rank) : 0.0;
  return d(m.layers) * (q_down + h * d(m.kv_lora_rank + m.rope_head_dim));
}

// Parameters of the linear layers of the decoder blocks that are sharded over tensor-parallel
// ranks: the ones weight quantisation applies to (with replicated_linear_parameters).
double linear_parameters(const ModelSpec& m) {
  const double h = d(m.hidden);
  // One MLP: gate, up and down (SwiGLU) or up and down.
  const double mlp = (m.gated_mlp ? 3.0 : 2.0) * h * d(m.ffn_hidden);
  if (!m.mla() && m.shared_experts == 0 && m.dense_layers == 0) {
    // Q, K, V and O projections (GQA: K and V have kv_heads x head_dim outputs).
    const double attention = h * d((m.heads + 2 * m.kv_heads) * m.head_dim) + d(m.heads * m.head_dim) * h;
    const double mlps = m.experts > 0 ? d(m.experts) * mlp : mlp;
    return d(m.layers) * (attention + mlps);
  }
  double attention = 0;
  if (m.mla()) {
    // DeepSeek-V2 section 2.1.2 / V3 section 2.1.1: queries of head_dim (no RoPE) + rope_head_dim
    // per head, from the compressed query (q_b_proj) or from the hidden state; keys (no RoPE) and
    // values up-projected from the latent (kv_b_proj, head_dim each per head); output projection.
    const double q_width = d(m.heads * (m.head_dim + m.rope_head_dim));
    const double q_up = (m.q_lora_rank > 0 ? d(m.q_lora_rank) : h) * q_width;
    attention = q_up + d(m.kv_lora_rank) * d(m.heads * 2 * m.head_dim) + d(m.heads * m.head_dim) * h;
  } else {
    attention = h * d((m.heads + 2 * m.kv_heads) * m.head_dim) + d(m.heads * m.head_dim) * h;
  }
  const double dense_mlp =
      (m.gated_mlp ? 3.0 : 2.0) * h * d(m.dense_ffn_hidden > 0 ? m.dense_ffn_hidden : m.ffn_hidden);
  const double moe_mlp = d(m.experts + m.shared_experts) * mlp;
  const double mlps = m.experts > 0 ? d(m.moe_layers()) * moe_mlp + d(m.dense_layers) * dense_mlp
                                    : d(m.layers) * dense_mlp;
  return d(m.layers) * attention + mlps;
}

// Embedding, LM head (unless tied), two RMSNorm weight vectors per layer plus the final one (MLA:
// also the q_a and kv_a layernorms), and MoE routers. Attention biases (Qwen2 has Q/K/V biases,
// 0.002 % of its parameters) and DeepSeek-V3's router score-correction biases (256 per layer) are
// not in the catalogue's fields and are left out.
double other_parameters(const ModelSpec& m) {
  const double h = d(m.hidden);
  const double embeddings = d(m.vocab) * h * (m.tied_embeddings ? 1.0 : 2.0);
  double norms = d(m.layers) * 2.0 * h + h;
  if (m.mla()) norms += d(m.layers) * d(m.q_lora_rank + m.kv_lora_rank);
  const double routers = m.experts > 0 ? d(m.moe_layers()) * h * d(m.experts) : 0.0;
  return embeddings + norms + routers;
}

// The whole-instance plan `whole` (every layer on each GPU) split over pipeline stages (vLLM
// pipeline parallelism, get_pp_indices): a stage's GPU holds its layers' share of the decoder's
// weights and KV cache; the input embedding sits on the first stage and the LM head on the last
// (vLLM's Llama: embed_tokens on the first rank, lm_head on the last, a second copy there even
// when the embeddings are tied); the FP32 logits workspace only on the last. Decoder weights are
// taken as proportional to the layers held (exact for models whose layers are alike; DeepSeek's
// leading dense layers are spread as an average). The per-token activation workspace does not
// depend on layers. The instance's blocks are the smallest stage's (vLLM: the minimum of
// determine_num_available_blocks over workers).
ServingMemoryPlan plan_pipeline_stages(const ModelSpec& model, const ServingMemoryPlan& whole, int stages, double tp,
                                       double stream_b, double activation_bytes, double logits_bytes,
                                       double linear_weight_bytes, double replicated_weight_bytes) {
  const double embedding = d(model.vocab) * d(model.hidden) * stream_b / tp;  // one copy, vocabulary-parallel
  const double embeddings_whole = embedding * (model.tied_embeddings ? 1.0 : 2.0);
  const double decoder = (linear_weight_bytes + other_parameters(model) * stream_b) / tp - embeddings_whole +
                         replicated_weight_bytes;
  ServingMemoryPlan best;
  bool have = false;
  const std::vector<PipelineStageLayers> split = pipeline_stage_layers(static_cast<int>(model.layers), stages);
  for (size_t s = 0; s < split.size(); ++s) {
    const bool first = s == 0, last = s + 1 == split.size();
    const double share = d(split[s].layers) / d(model.layers);
    ServingMemoryPlan plan = whole;
    plan.pipeline_parallel = stages;
    plan.pipeline_stage = static_cast<int>(s);
    plan.weight_bytes_per_gpu = decoder * share + embedding * ((first ? 1.0 : 0.0) + (last ? 1.0 : 0.0));
    plan.activation_bytes_per_gpu = activation_bytes + (last ? logits_bytes : 0.0);
    plan.kv_bytes_per_token_per_gpu = whole.kv_bytes_per_token_per_gpu * share;
    plan.kv_bytes_per_gpu = plan.usable_bytes_per_gpu - plan.weight_bytes_per_gpu - plan.activation_bytes_per_gpu;
    const double block_bytes = d(plan.block_size_tokens) * plan.kv_bytes_per_token_per_gpu;
    plan.kv_blocks =
        plan.kv_bytes_per_gpu > 0 ? static_cast<int64_t>(std::floor(plan.kv_bytes_per_gpu / block_bytes)) : 0;
    if (!have || plan.kv_blocks < best.kv_blocks) best = plan;
    have = true;
  }
  return best;
}

}  // namespace

int64_t kv_heads_per_gpu(const scenarios::ModelSpec& m, int tp) {
  // Sharded evenly over ranks; when tp exceeds kv_heads each rank keeps a replica of one head
  // (vLLM's QKVParallelLinear).
  return std::max<int64_t>(1, (m.kv_heads + tp - 1) / tp);
}

double parameter_count(const ModelSpec& model) {
  return linear_parameters(model) + replicated_linear_parameters(model) + other_parameters(model);
}

double kv_bytes_per_token(const ModelSpec& model, Precision kv_precision) {
  // MLA caches the compressed latent and the decoupled RoPE key, (d_c + d_h^R) elements per layer
  // (DeepSeek-V2, arXiv 2405.04434, Table 1: (d_c + d_h^R) l = 4.5 d_h l for d_c = 4 d_h, d_h^R = d_h / 2).
  if (model.mla()) {
    return d(model.layers) * d(model.kv_lora_rank + model.rope_head_dim) * scenarios::bytes_per_element(kv_precision);
  }
  // K and V for every layer and KV head (Kwon et al., SOSP 2023, PagedAttention).
  return 2.0 * d(model.layers) * d(model.kv_heads) * d(model.head_dim) * scenarios::bytes_per_element(kv_precision);
}

void check_expert_parallel(const ModelSpec& model, int tensor_parallel, int expert_parallel) {
  if (expert_parallel < 1) {
    throw std::invalid_argument("expert_parallel must be >= 1, got " + std::to_string(expert_parallel));
  }
  if (expert_parallel == 1) return;
  if (model.experts <= 0) {
    throw std::invalid_argument("expert_parallel " + std::to_string(expert_parallel) + " needs an MoE model; '" +
                                model.id + "' is dense");
  }
  if (tensor_parallel % expert_parallel != 0 || model.experts % expert_parallel != 0) {
    throw std::invalid_argument("expert_parallel " + std::to_string(expert_parallel) + " must divide tensor_parallel " +
                                std::to_string(tensor_parallel) + " and the " + std::to_string(model.experts) +
                                " experts of '" + model.id + "'");
  }
}

double ServingMemoryPlan::shortfall_bytes() const {
  if (fits()) return 0;
  const double one_block = static_cast<double>(block_size_tokens) * kv_bytes_per_token_per_gpu;
  return std::max(0.0, one_block - kv_bytes_per_gpu);
}

ServingMemoryPlan plan_serving_memory(const ModelSpec& model, const scenarios::GpuSpec& gpu, Precision precision,
                                      int tensor_parallel, const scenarios::SchedulerSpec& scheduler,
                                      int expert_parallel, int pipeline_parallel) {
  if (tensor_parallel < 1) {
    throw std::invalid_argument("tensor_parallel must be >= 1, got " + std::to_string(tensor_parallel));
  }
  check_expert_parallel(model, tensor_parallel, expert_parallel);
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
  // Every tensor is sharded over the TP ranks (norms are replicated but negligible), except MLA's
  // down-projections, which every rank holds whole. Expert parallelism e (dividing tp) gives each
  // group of tp/e ranks experts/e whole experts, sharded tp/e ways: experts/e x 1/(tp/e) = 1/tp of
  // the expert weights per GPU, the same bytes as sharding every expert over all tp ranks (SGLang's
  // moe_tp_size = tp_size / ep_size layout), so EP moves compute and communication, not memory.
  plan.weight_bytes_per_gpu = (linear_parameters(model) * scenarios::bytes_per_element(p.weight) +
                               other_parameters(model) * stream_b) / tp +
                              replicated_linear_parameters(model) * scenarios::bytes_per_element(p.weight);

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
  //   MLA: the query (heads x (head_dim + rope) / tp) and the latent + RoPE key (kv_lora_rank +
  //   rope, every rank) instead of the fused QKV output; DeepSeek-style models take the wider of
  //   the dense layers' MLP and the MoE layers' (k routed + shared experts).
  const double experts_per_token = model.experts > 0 ? d(model.experts_per_token + model.shared_experts) : 1.0;
  double mlp_width = d(model.ffn_hidden) * (model.gated_mlp ? 3.0 : 2.0) / tp;
  double per_token = 0;
  if (!model.mla() && model.dense_layers == 0 && model.shared_experts == 0) {
    per_token = 4.0 * d(model.hidden) + d((model.heads + 2 * model.kv_heads) * model.head_dim) / tp +
                experts_per_token * mlp_width;
  } else {
    const double attention_out =
        model.mla() ? d(model.heads * (model.head_dim + model.rope_head_dim)) / tp + d(model.kv_lora_rank + model.rope_head_dim)
                    : d((model.heads + 2 * model.kv_heads) * model.head_dim) / tp;
    double widest = experts_per_token * mlp_width;
    if (model.dense_layers > 0) {
      widest = std::max(widest, d(model.dense_ffn_hidden) * (model.gated_mlp ? 3.0 : 2.0) / tp);
    }
    per_token = 4.0 * d(model.hidden) + attention_out + widest;
  }
  plan.activation_bytes_per_gpu = tokens * stream_b * per_token + sequences * d(model.vocab) * 4.0;

  // MLA's latent is one "head" shared by all query heads: vLLM's MLA backends keep the whole
  // latent cache on every TP rank (num_kv_heads 1, vllm/attention/backends/mla), so TP does not
  // divide it.
  plan.kv_bytes_per_token_per_gpu =
      model.mla() ? kv_bytes_per_token(model, p.kv)
                  : 2.0 * d(model.layers) * d(kv_heads_per_gpu(model, tensor_parallel)) * d(model.head_dim) *
                        scenarios::bytes_per_element(p.kv);
  plan.kv_bytes_per_gpu = plan.usable_bytes_per_gpu - plan.weight_bytes_per_gpu - plan.activation_bytes_per_gpu;
  const double block_bytes = d(scheduler.block_size_tokens) * plan.kv_bytes_per_token_per_gpu;
  plan.kv_blocks = plan.kv_bytes_per_gpu > 0 ? static_cast<int64_t>(std::floor(plan.kv_bytes_per_gpu / block_bytes)) : 0;
  if (pipeline_parallel == 1) return plan;
  return plan_pipeline_stages(model, plan, pipeline_parallel, tp, stream_b,
                              tokens * stream_b * per_token, sequences * d(model.vocab) * 4.0,
                              linear_parameters(model) * scenarios::bytes_per_element(p.weight),
                              replicated_linear_parameters(model) * scenarios::bytes_per_element(p.weight));
}

}  // namespace stratum::calibration
