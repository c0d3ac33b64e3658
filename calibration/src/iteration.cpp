#include "stratum/calibration/iteration.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

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
    : costs_(costs), model_(model), precision_(precision), layout_(layout) {
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
}

IterationCost IterationModel::cost(const IterationBatch& batch) const {
  IterationCost total;
  int64_t prefill_tokens = 0;
  for (const PrefillChunk& c : batch.prefill) prefill_tokens += c.new_tokens;
  const auto decodes = static_cast<int64_t>(batch.decode_contexts.size());
  const int64_t tokens = prefill_tokens + decodes;
  const auto sequences = static_cast<int64_t>(batch.prefill.size()) + decodes;
  if (tokens <= 0) return total;

  const PrecisionPlan p = plan_precision(precision_);
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

  // ---- one decoder layer; every layer has the same shape, so it is costed once ----
  IterationCost layer;
  Tally add(layer);
  add(&IterationCost::other_s, costs_.norm(tokens, hidden, p.stream));  // input RMSNorm
  add(&IterationCost::gemm_s,
      costs_.gemm(tokens, (shape.heads + 2 * shape.kv_heads) * hd, hidden, p.compute, p.weight));  // fused QKV
  // Rotary embedding on Q and K: read and write each.
  add(&IterationCost::other_s,
      costs_.elementwise(2.0 * t * static_cast<double>((shape.heads + shape.kv_heads) * hd) * stream_b));
  add(&IterationCost::attention_s, costs_.attention_prefill(batch.prefill, shape, p.kv));
  add(&IterationCost::attention_s, costs_.attention_decode(batch.decode_contexts, shape, p.kv));
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
  if (model_.experts > 0) {
    const double e = static_cast<double>(model_.experts);
    const double k = static_cast<double>(model_.experts_per_token);
    // Router: replicated on every rank, [tokens x hidden] x [hidden x experts], then top-k softmax.
    add(&IterationCost::gemm_s, costs_.gemm(tokens, model_.experts, hidden, p.stream, p.stream));
    add(&IterationCost::other_s, costs_.elementwise(t * e * 4.0));
    // Expected distinct experts hit by T tokens choosing k of E uniformly: E (1 - (1 - k/E)^T);
    // each receives T k / active tokens on average, and every active expert's weights are read.
    const double active = e * (1.0 - std::pow(1.0 - k / e, t));
    const auto per_expert = static_cast<int64_t>(std::ceil(t * k / active));
    add(&IterationCost::gemm_s, costs_.grouped_gemm(active, per_expert, up_width, hidden, p.compute, p.weight));
    add(&IterationCost::other_s, costs_.elementwise(t * k * act_fn_bytes));
    add(&IterationCost::gemm_s, costs_.grouped_gemm(active, per_expert, hidden, ffn, p.compute, p.weight));
    // Weighted sum of the k expert outputs per token.
    add(&IterationCost::other_s, costs_.elementwise((k + 1.0) * act_bytes));
  } else {
    add(&IterationCost::gemm_s, costs_.gemm(tokens, up_width, hidden, p.compute, p.weight));
    add(&IterationCost::other_s, costs_.elementwise(t * act_fn_bytes));
    add(&IterationCost::gemm_s, costs_.gemm(tokens, hidden, ffn, p.compute, p.weight));
  }
  add(&IterationCost::communication_s, all_reduce);  // Megatron-style row-parallel output reduce
  scale_into(total, layer, static_cast<double>(model_.layers));

  // ---- once per iteration ----
  Tally once(total);
  once(&IterationCost::other_s, costs_.elementwise(act_bytes));  // embedding lookup: write rows
  once(&IterationCost::other_s, costs_.norm(tokens, hidden, p.stream));  // final norm
  // LM head on each sequence's last position. The batch does not say which prefill chunks end
  // their prompt, so every sequence is counted (an overestimate of one row per partial chunk).
  // Vocabulary-parallel under TP; vLLM then gathers the logit shards (LogitsProcessor's
  // tensor_model_parallel_gather).
  once(&IterationCost::gemm_s, costs_.gemm(sequences, model_.vocab / tp, hidden, p.stream, p.stream));
  once(&IterationCost::communication_s,
       collective(CollectiveKind::kAllGather,
                  static_cast<double>(sequences) * static_cast<double>(model_.vocab) * stream_b));
  return total;
}

Estimate IterationModel::collective(CollectiveKind kind, double bytes) const {
  if (layout_.group != nullptr && layout_.tensor_parallel > 1) return layout_.group->price(kind, bytes);
  return costs_.collective(kind, bytes, layout_.tensor_parallel, layout_.link_bandwidth, layout_.link_latency);
}

}  // namespace stratum::calibration
