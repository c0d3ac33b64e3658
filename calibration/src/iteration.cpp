#include "stratum/calibration/iteration.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "stratum/calibration/expert_load.hpp"
#include "stratum/calibration/memory.hpp"
#include "stratum/calibration/precision_plan.hpp"

namespace stratum::calibration {

namespace {

// Adds estimates into one bucket of the breakdown and into the provenance shares, each scaled by
// how many times the operation runs.
class Tally {
 public:
  explicit Tally(IterationCost& out) : out_(out) {}
  void operator()(double IterationCost::*bucket, const Estimate& e, double times = 1.0) {
    const double s = e.seconds * times;
    out_.*bucket += s;
    out_.seconds += s;
    out_.seconds_by_provenance[static_cast<int>(e.provenance)] += s;
  }

 private:
  IterationCost& out_;
};

void scale_into(IterationCost& total, const IterationCost& part, double times) {
  total.seconds += part.seconds * times;
  for (int i = 0; i < kProvenanceCount; ++i) total.seconds_by_provenance[i] += part.seconds_by_provenance[i] * times;
  total.gemm_s += part.gemm_s * times;
  total.attention_s += part.attention_s * times;
  total.other_s += part.other_s * times;
  total.communication_s += part.communication_s * times;
}

}  // namespace

IterationModel::IterationModel(const CostModel& costs, const scenarios::ModelSpec& model, Precision precision,
                               ParallelLayout layout)
    : IterationModel(costs, model, plan_precision(precision), layout) {}

IterationModel::IterationModel(const CostModel& costs, const scenarios::ModelSpec& model, const PrecisionPlan& plan,
                               ParallelLayout layout)
    : costs_(costs), model_(model), plan_(plan), layout_(layout) {
  const int tp = layout_.tensor_parallel;
  if (tp < 1) throw std::invalid_argument("tensor_parallel must be >= 1, got " + std::to_string(tp));
  if (model_.layers <= 0 || model_.hidden <= 0 || model_.heads <= 0 || model_.kv_heads <= 0 ||
      model_.head_dim <= 0 || model_.ffn_hidden <= 0 || model_.vocab <= 0) {
    throw std::invalid_argument("model '" + model_.id + "' lacks layers, hidden, heads, kv_heads, head_dim, "
                                "ffn_hidden or vocab");
  }
  // vLLM shards query heads evenly over TP ranks and refuses otherwise.
  if (model_.heads % tp != 0) {
    throw std::invalid_argument("model '" + model_.id + "' has " + std::to_string(model_.heads) +
                                " attention heads, not divisible by tensor_parallel " + std::to_string(tp));
  }
  if (tp > 1 && layout_.link_bandwidth <= 0) {
    throw std::invalid_argument("tensor_parallel " + std::to_string(tp) + " needs a positive link bandwidth");
  }
  if (model_.experts > 0 && (model_.experts_per_token <= 0 || model_.experts_per_token > model_.experts)) {
    throw std::invalid_argument("MoE model '" + model_.id + "' needs 1 <= experts_per_token <= experts");
  }
  if (model_.dense_layers < 0 || model_.dense_layers >= model_.layers ||
      (model_.dense_layers > 0 && model_.dense_ffn_hidden <= 0)) {
    throw std::invalid_argument("model '" + model_.id + "' needs 0 <= dense_layers < layers and a dense_ffn_hidden");
  }
  if (model_.mla() && model_.rope_head_dim <= 0) {
    throw std::invalid_argument("MLA model '" + model_.id + "' needs rope_head_dim > 0");
  }
  check_expert_parallel(model_, tp, layout_.expert_parallel);
  if (layout_.first_layer < 0 || layout_.stage_layers < 0 || (layout_.stage_layers == 0 && layout_.first_layer != 0) ||
      layout_.first_layer + layout_.stage_layers > model_.layers) {
    throw std::invalid_argument("pipeline stage of layers [" + std::to_string(layout_.first_layer) + ", " +
                                std::to_string(layout_.first_layer + layout_.stage_layers) + ") outside the " +
                                std::to_string(model_.layers) + " layers of '" + model_.id + "'");
  }
  if (model_.experts > 0) {
    busiest_share_ = busiest_rank_share(model_.experts, layout_.expert_parallel, layout_.expert_zipf_skew);
  }
}

IterationCost IterationModel::cost(const IterationBatch& batch) const {
  IterationCost total;
  int64_t prefill_tokens = 0;
  for (const PrefillChunk& c : batch.prefill) prefill_tokens += c.new_tokens;
  const auto decodes = static_cast<int64_t>(batch.decode_contexts.size());
  const int64_t tokens = prefill_tokens + decodes;
  const auto sequences = static_cast<int64_t>(batch.prefill.size()) + decodes;
  if (tokens <= 0) return total;

  const PrecisionPlan& p = plan_;
  const int64_t tp = layout_.tensor_parallel;
  const int64_t hidden = model_.hidden;
  const int64_t hd = model_.head_dim;
  const int64_t ffn = model_.ffn_hidden / tp;
  const double stream_b = scenarios::bytes_per_element(p.stream);
  const double t = static_cast<double>(tokens);
  const double h = static_cast<double>(hidden);
  // GQA under TP: query heads split evenly; KV heads as the memory plan holds them.
  const AttentionShape shape{model_.heads / tp, kv_heads_per_gpu(model_, tp), hd};
  const double act_bytes = t * h * stream_b;  // one [tokens x hidden] activation

  // ---- one decoder layer; layers of one kind have the same shape, so each kind is costed once ----
  IterationCost layer;
  Tally add(layer);
  add(&IterationCost::other_s, costs_.norm(tokens, hidden, p.stream));  // input RMSNorm
  if (!model_.mla()) {
    add(&IterationCost::gemm_s,
        costs_.gemm(tokens, (shape.heads + 2 * shape.kv_heads) * hd, hidden, p.compute, p.weight));  // fused QKV
    // Rotary embedding on Q and K: read and write each.
    add(&IterationCost::other_s,
        costs_.elementwise(2.0 * t * static_cast<double>((shape.heads + shape.kv_heads) * hd) * stream_b));
    add(&IterationCost::attention_s, costs_.attention_prefill(batch.prefill, shape, p.kv));
    add(&IterationCost::attention_s, costs_.attention_decode(batch.decode_contexts, shape, p.kv));
  } else {
    // Multi-head latent attention (DeepSeek-V2 arXiv 2405.04434 section 2.1, V3 arXiv 2412.19437
    // section 2.1.1) as vLLM runs it (vllm/attention/backends/mla/common.py): prefill decompresses
    // the cached latent into per-head keys and values and runs ordinary attention; decode absorbs
    // the key and value up-projections into the query and output and attends over the latent.
    const int64_t heads = model_.heads / tp;
    const int64_t rope = model_.rope_head_dim;
    const int64_t latent = model_.kv_lora_rank;
    const int64_t q_width = heads * (hd + rope);
    if (model_.q_lora_rank > 0) {
      // q_a_proj (replicated on every rank), its RMSNorm, then q_b_proj (column-parallel).
      add(&IterationCost::gemm_s, costs_.gemm(tokens, model_.q_lora_rank, hidden, p.compute, p.weight));
      add(&IterationCost::other_s, costs_.norm(tokens, model_.q_lora_rank, p.stream));
      add(&IterationCost::gemm_s, costs_.gemm(tokens, q_width, model_.q_lora_rank, p.compute, p.weight));
    } else {
      add(&IterationCost::gemm_s, costs_.gemm(tokens, q_width, hidden, p.compute, p.weight));
    }
    // kv_a_proj_with_mqa (replicated): the latent and the shared RoPE key; RMSNorm on the latent.
    add(&IterationCost::gemm_s, costs_.gemm(tokens, latent + rope, hidden, p.compute, p.weight));
    add(&IterationCost::other_s, costs_.norm(tokens, latent, p.stream));
    // Rotary embedding on the queries' and the shared key's RoPE parts: read and write each.
    add(&IterationCost::other_s, costs_.elementwise(2.0 * t * static_cast<double>((heads + 1) * rope) * stream_b));
    if (!batch.prefill.empty()) {
      // kv_b_proj over every prefilled sequence's cached and new tokens: keys (no RoPE) and values.
      int64_t kv_rows = 0;
      for (const PrefillChunk& c : batch.prefill) kv_rows += c.context_before + c.new_tokens;
      add(&IterationCost::gemm_s, costs_.gemm(kv_rows, heads * 2 * hd, latent, p.compute, p.weight));
      const AttentionShape prefill_shape{heads, heads, hd + rope, hd, false};
      add(&IterationCost::attention_s, costs_.attention_prefill(batch.prefill, prefill_shape, p.kv));
    }
    if (decodes > 0) {
      // Absorbed W_UK: each head's no-RoPE query into latent space; attention over the latent
      // (keys latent + rope wide, values the latent, read once); absorbed W_UV back to head_dim.
      const auto heads_d = static_cast<double>(heads);
      add(&IterationCost::gemm_s, costs_.grouped_gemm(heads_d, decodes, latent, hd, p.compute, p.weight));
      const AttentionShape decode_shape{heads, 1, latent + rope, latent, true};
      add(&IterationCost::attention_s, costs_.attention_decode(batch.decode_contexts, decode_shape, p.kv));
      add(&IterationCost::gemm_s, costs_.grouped_gemm(heads_d, decodes, hd, latent, p.compute, p.weight));
    }
  }
  add(&IterationCost::gemm_s, costs_.gemm(tokens, hidden, shape.heads * hd, p.compute, p.weight));  // O proj
  const Estimate all_reduce = collective(CollectiveKind::kAllReduce, act_bytes);
  add(&IterationCost::communication_s, all_reduce);
  // Residual add after attention and after the MLP: read two activations, write one.
  add(&IterationCost::other_s, costs_.elementwise(3.0 * act_bytes), 2.0);
  add(&IterationCost::other_s, costs_.norm(tokens, hidden, p.stream));  // post-attention RMSNorm

  // Gated MLP (SwiGLU): gate and up fused into one GEMM of width 2F, activation x*sigmoid(x)*up
  // reads 2F and writes F per token; plain MLP: up, activation (read F, write F), down.
  const int64_t up_width = model_.gated_mlp ? 2 * ffn : ffn;
  const double act_fn_bytes = static_cast<double>(up_width + ffn) * stream_b;
  // A dense MLP of `width` / tp per rank (dense models, DeepSeek's leading dense layers, shared
  // experts): column-parallel up, activation, row-parallel down.
  const auto dense_mlp = [&](Tally& into, int64_t width) {
    const int64_t f = width / tp;
    const int64_t up = model_.gated_mlp ? 2 * f : f;
    into(&IterationCost::gemm_s, costs_.gemm(tokens, up, hidden, p.compute, p.weight));
    into(&IterationCost::other_s, costs_.elementwise(t * static_cast<double>(up + f) * stream_b));
    into(&IterationCost::gemm_s, costs_.gemm(tokens, hidden, f, p.compute, p.weight));
  };
  const auto moe_mlp = [&](Tally& into) {
    const double e = static_cast<double>(model_.experts);
    const double k = static_cast<double>(model_.experts_per_token);
    // Router: replicated on every rank, [tokens x hidden] x [hidden x experts], then top-k softmax.
    into(&IterationCost::gemm_s, costs_.gemm(tokens, model_.experts, hidden, p.stream, p.stream));
    into(&IterationCost::other_s, costs_.elementwise(t * e * 4.0));
    // Expected distinct experts hit by T tokens choosing k of E uniformly: E (1 - (1 - k/E)^T).
    const double hit = 1.0 - std::pow(1.0 - k / e, t);
    if (layout_.expert_parallel == 1) {
      // Each active expert receives T k / active tokens on average, and its weights are read.
      const double active = e * hit;
      const auto per_expert = static_cast<int64_t>(std::ceil(t * k / active));
      into(&IterationCost::gemm_s, costs_.grouped_gemm(active, per_expert, up_width, hidden, p.compute, p.weight));
      into(&IterationCost::other_s, costs_.elementwise(t * k * act_fn_bytes));
      into(&IterationCost::gemm_s, costs_.grouped_gemm(active, per_expert, hidden, ffn, p.compute, p.weight));
      // Weighted sum of the k expert outputs per token.
      into(&IterationCost::other_s, costs_.elementwise((k + 1.0) * act_bytes));
    } else {
      // Expert parallelism over ep ranks (DeepSeek-V3 report section 3.4, DeepEP; Megatron-Core's
      // all-to-all token dispatcher; vLLM / SGLang expert parallelism). Every TP rank holds all T
      // tokens after the attention all-reduce; each EP rank dispatches its own 1/ep slice of them
      // (T/ep tokens, k copies each) to the ranks of their experts by an all-to-all, the experts
      // run, a second all-to-all returns the outputs, and the MLP's output all-reduce below
      // restores every token on every rank. Per rank each all-to-all sends
      // T/ep x k x hidden x bytes, of which (ep-1)/ep leaves the rank (CostModel's all-to-all
      // takes the full buffer). Dispatch is FP8 when the GEMMs are (DeepSeek-V3 section 3.3.3
      // quantises activations before dispatch), combine in the stream format.
      const auto ep = static_cast<double>(layout_.expert_parallel);
      const int64_t expert_tp = tp / layout_.expert_parallel;
      const int64_t f = model_.ffn_hidden / expert_tp;
      const int64_t up = model_.gated_mlp ? 2 * f : f;
      const double slice = t / ep;
      const double dispatch_b = scenarios::bytes_per_element(p.compute == Precision::kFp8 ? Precision::kFp8 : p.stream);
      into(&IterationCost::communication_s,
           expert_collective(CollectiveKind::kAllToAll, slice * k * h * dispatch_b));
      // The busiest EP rank (the straggler every rank waits for at the combine) receives
      // T k x share token-copies over its E/ep experts; active experts on it as under uniform
      // routing (an approximation: skew concentrates tokens without changing that count).
      const double copies = t * k * busiest_share_;
      const double active = (e / ep) * hit;
      const auto per_expert = static_cast<int64_t>(std::ceil(copies / active));
      into(&IterationCost::gemm_s, costs_.grouped_gemm(active, per_expert, up, hidden, p.compute, p.weight));
      into(&IterationCost::other_s, costs_.elementwise(copies * static_cast<double>(up + f) * stream_b));
      into(&IterationCost::gemm_s, costs_.grouped_gemm(active, per_expert, hidden, f, p.compute, p.weight));
      into(&IterationCost::communication_s, expert_collective(CollectiveKind::kAllToAll, slice * k * h * stream_b));
      // Weighted sum of the k returned outputs of each token of the rank's slice.
      into(&IterationCost::other_s, costs_.elementwise((k + 1.0) * slice * h * stream_b));
    }
    // Shared experts (DeepSeekMoE): one dense MLP of shared x ffn_hidden for every token, tensor-
    // parallel like a dense MLP (vLLM DeepseekV2MoE.shared_experts).
    if (model_.shared_experts > 0) dense_mlp(into, model_.shared_experts * model_.ffn_hidden);
  };

  // Decoder layers this model prices: all of them, or one pipeline stage's (ParallelLayout).
  const int64_t layer_count = layout_.stage_layers > 0 ? layout_.stage_layers : model_.layers;
  const int64_t layer_end = layout_.first_layer + layer_count;
  const int64_t dense_count =
      std::max<int64_t>(0, std::min<int64_t>(layer_end, model_.dense_layers) - layout_.first_layer);
  const bool first_stage = layout_.first_layer == 0;
  const bool last_stage = layer_end == model_.layers;
  if (model_.dense_layers == 0) {
    if (model_.experts > 0) {
      moe_mlp(add);
    } else {
      add(&IterationCost::gemm_s, costs_.gemm(tokens, up_width, hidden, p.compute, p.weight));
      add(&IterationCost::other_s, costs_.elementwise(t * act_fn_bytes));
      add(&IterationCost::gemm_s, costs_.gemm(tokens, hidden, ffn, p.compute, p.weight));
    }
    add(&IterationCost::communication_s, all_reduce);  // Megatron-style row-parallel output reduce
    scale_into(total, layer, static_cast<double>(layer_count));
  } else {
    // DeepSeek-style: the first dense_layers layers have a dense MLP, the rest MoE.
    IterationCost dense = layer;
    Tally add_dense(dense);
    dense_mlp(add_dense, model_.dense_ffn_hidden);
    add_dense(&IterationCost::communication_s, all_reduce);
    scale_into(total, dense, static_cast<double>(dense_count));
    IterationCost moe = layer;
    Tally add_moe(moe);
    moe_mlp(add_moe);
    add_moe(&IterationCost::communication_s, all_reduce);
    scale_into(total, moe, static_cast<double>(layer_count - dense_count));
  }

  // ---- once per iteration (per pipeline stage: embedding on the first, the rest on the last) ----
  Tally once(total);
  if (tp > 1) {
    total.tp_all_reduce_bytes = act_bytes;
    total.tp_all_reduces = 2.0 * static_cast<double>(layer_count);  // after attention and after the MLP
  }
  if (first_stage) once(&IterationCost::other_s, costs_.elementwise(act_bytes));  // embedding lookup: write rows
  if (!last_stage) return total;
  once(&IterationCost::other_s, costs_.norm(tokens, hidden, p.stream));  // final norm
  // LM head on each sequence's last position. The batch does not say which prefill chunks end
  // their prompt, so every sequence is counted (an overestimate of one row per partial chunk).
  // Vocabulary-parallel under TP; vLLM then gathers the logit shards (LogitsProcessor's
  // tensor_model_parallel_gather).
  once(&IterationCost::gemm_s, costs_.gemm(sequences, model_.vocab / tp, hidden, p.stream, p.stream));
  const double logits_bytes = static_cast<double>(sequences) * static_cast<double>(model_.vocab) * stream_b;
  once(&IterationCost::communication_s, collective(CollectiveKind::kAllGather, logits_bytes));
  if (tp > 1) total.tp_all_gather_bytes = logits_bytes;
  return total;
}

Estimate IterationModel::collective(CollectiveKind kind, double bytes) const {
  if (layout_.group != nullptr && layout_.tensor_parallel > 1) return layout_.group->price(kind, bytes);
  return costs_.collective(kind, bytes, layout_.tensor_parallel, layout_.link_bandwidth, layout_.link_latency);
}

Estimate IterationModel::expert_collective(CollectiveKind kind, double bytes) const {
  // EP over the whole TP group (vLLM's expert parallelism: EP size = TP size) is priced on the
  // group's GPUs and routes; a smaller EP group (SGLang's ep_size < tp_size) from the link figures.
  if (layout_.expert_parallel == layout_.tensor_parallel) return collective(kind, bytes);
  return costs_.collective(kind, bytes, layout_.expert_parallel, layout_.link_bandwidth, layout_.link_latency);
}

}  // namespace stratum::calibration
