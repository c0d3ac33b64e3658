#include "stratum/calibration/training_memory.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "stratum/calibration/pipeline_schedule.hpp"
#include "stratum/calibration/stage_layers.hpp"

namespace stratum::calibration {

namespace {

double d(int64_t v) { return static_cast<double>(v); }

// Rajbhandari et al. SC'20 section 5: mixed-precision Adam, K = 12 bytes of optimizer state per
// parameter (FP32 copy of the weights, momentum, variance) next to 16-bit weights and gradients.
constexpr double kWeightBytes = 2, kOptimizerBytes = 12;
// FP8 training (Transformer Engine, as Megatron-LM's --fp8-format uses it): weights, gradients and
// optimizer state stay as above; each linear layer's weight is also kept as an FP8 copy for the
// step and, on Hopper, a transposed FP8 copy for the backward GEMM (FP8 tensor cores take only the
// TN layout). Assumption: both copies live for the whole step, 2 bytes per linear parameter.
constexpr double kFp8CopyBytes = 2;

// Bytes per token of one layer's saved activations, split by how they are sharded (see the
// header): `replicated` is sharded over tp only with sequence parallelism, `sharded` always,
// `core` is the attention core that selective recomputation drops (per token, over s keys).
struct LayerActivation {
  double replicated = 0, sharded = 0, core = 0;
};

LayerActivation layer_activation(const scenarios::ModelSpec& m, const TrainingLayout& l, bool dropout,
                                 bool flash_attention) {
  const double h = d(m.hidden);
  const double q = d(m.heads * m.head_dim);
  const double kv = d(m.kv_heads * m.head_dim);
  const double mask = dropout ? 1.0 : 0.0;
  LayerActivation a;
  // Korthikanti 2022 section 4.1, per token, 16-bit tensors: inputs of the two LayerNorms (2h
  // each), input of the QKV projection (2h), input of the MLP (2h), and the 1-byte dropout masks
  // after attention and after the MLP: 10h for a GPT layer.
  a.replicated = 4.0 * h + 2.0 * h + 2.0 * h + 2.0 * mask * h;
  // Q and K saved for QK^T, V for attention over V, the output projection's input, and the MLP's
  // intermediates: GeLU input and output (2 x 2f) or SwiGLU gate and up outputs and their product
  // (3 x 2f); an MoE layer holds them for each of the k experts a token goes to. GPT: 24h.
  const double mlp = (m.gated_mlp ? 6.0 : 4.0) * d(m.ffn_hidden) * (m.experts > 0 ? d(m.experts_per_token) : 1.0);
  a.sharded = 2.0 * q + 2.0 * kv + 2.0 * kv + 2.0 * q + mlp;
  // Softmax output (2 bytes), dropout mask (1) and dropout output (2) per head and key: 5 a s.
  // FlashAttention: the FP32 log-sum-exp per head instead (kept either way, see the header).
  a.core = flash_attention ? 4.0 * d(m.heads) : (2.0 + 3.0 * mask) * d(m.heads) * d(l.seq_len);
  return a;
}

// Most operations of `chunk` that have run forward but not yet backward on one stage.
int chunk_in_flight(const std::vector<PipelineOp>& ops, int chunk) {
  int alive = 0, most = 0;
  for (const PipelineOp& op : ops) {
    if (op.chunk != chunk) continue;
    alive += op.pass == Pass::kForward ? 1 : -1;
    most = std::max(most, alive);
  }
  return most;
}

// Most decoder layers' activations one stage holds at once: forwards run whose backward has not yet
// run, each weighted by its chunk's layers (chunks, indexed chunk x p + stage). With the even split
// this is peak_in_flight x layers per chunk; with an uneven one the chunks weigh differently.
int64_t layers_in_flight(const std::vector<PipelineOp>& ops, const std::vector<int64_t>& chunks, int p, int stage) {
  int64_t alive = 0, most = 0;
  for (const PipelineOp& op : ops) {
    const int64_t n = chunks[static_cast<size_t>(op.chunk) * static_cast<size_t>(p) + static_cast<size_t>(stage)];
    alive += op.pass == Pass::kForward ? n : -n;
    most = std::max(most, alive);
  }
  return most;
}

std::string gb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  return buf;
}

}  // namespace

ModelStateBytes zero_model_state_bytes(double params, int64_t nd, int zero_stage, double gradient_bytes) {
  if (nd < 1) throw std::invalid_argument("data-parallel ranks must be >= 1, got " + std::to_string(nd));
  const double n = d(nd);
  ModelStateBytes b;
  b.weights = params * kWeightBytes / (zero_stage >= 3 ? n : 1.0);
  b.gradients = params * gradient_bytes / (zero_stage >= 2 ? n : 1.0);
  b.optimizer = params * kOptimizerBytes / (zero_stage >= 1 ? n : 1.0);
  return b;
}

double activation_bytes_per_layer(const scenarios::ModelSpec& model, const TrainingLayout& l,
                                  const TrainingMemoryOptions& options) {
  const double t = l.tp;
  const double tokens = d(l.seq_len / l.cp) * d(l.micro_batch);  // per context-parallel rank
  const double sp = l.sequence_parallel ? t : 1.0;
  const LayerActivation a = layer_activation(model, l, options.dropout, options.flash_attention);
  // Selective recomputation drops the unfused core; FlashAttention's statistics stay.
  const double kept_core = options.flash_attention ? a.core / t : 0.0;
  switch (l.recompute) {
    case Recompute::kNone: return tokens * (a.replicated / sp + a.sharded / t + a.core / t);
    case Recompute::kSelective: return tokens * (a.replicated / sp + a.sharded / t + kept_core);
    // Only the layer's input (2 bytes x h) stays; sequence parallelism shards it (Korthikanti
    // 2022 section 4.3: "2sbh" per layer, "2sbh/t" with sequence parallelism).
    case Recompute::kFull: return tokens * 2.0 * d(model.hidden) / sp;
  }
  return 0;
}

const char* TrainingMemory::largest_term() const {
  const std::pair<const char*, double> terms[] = {{"weights", weights},
                                                  {"gradients", gradients},
                                                  {"optimizer", optimizer},
                                                  {"activations", activations},
                                                  {"temporary", temporary}};
  const auto* best = std::max_element(std::begin(terms), std::end(terms),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
  return best->first;
}

std::string TrainingMemory::verdict() const {
  if (fits()) return "";
  const char* term = largest_term();
  const double size = std::string(term) == "weights"     ? weights
                      : std::string(term) == "gradients" ? gradients
                      : std::string(term) == "optimizer" ? optimizer
                      : std::string(term) == "activations" ? activations
                                                           : temporary;
  return "out of memory on pipeline stage " + std::to_string(stage) + ": needs " + gb(total()) + " per GPU, " +
         gb(capacity) + " usable (" + gb(shortfall_bytes()) + " short); the largest term is " + term + " (" +
         gb(size) + ")";
}

TrainingMemory training_memory(const scenarios::ModelSpec& m, const scenarios::GpuSpec& gpu, const TrainingLayout& l,
                               const TrainingMemoryOptions& options) {
  if (const auto problems = validate_layout(l, m, l.gpus()); !problems.empty()) {
    throw std::invalid_argument("invalid training layout: " + problems.front());
  }
  const double t = l.tp, h = d(m.hidden), V = d(m.vocab);
  const double sp = l.sequence_parallel ? t : 1.0;
  const int p = l.pp, v = l.virtual_stages;
  // Decoder layers per virtual stage: layers / (p v) each, or an uneven split (stage_layers.hpp).
  const std::vector<int64_t> chunks = chunk_layers(l, m.layers);

  // Parameters per GPU of one layer. Attention and (dense) MLP weights are split over tp; the
  // two norm weight vectors are replicated on every tp rank; experts are split over ep and, inside
  // an expert, over tp (Megatron-Core's default expert tensor parallelism = tp); the router is
  // replicated.
  const double q = d(m.heads * m.head_dim), kv = d(m.kv_heads * m.head_dim);
  const double attention = (h * (q + 2.0 * kv) + q * h) / t;
  const double one_mlp = (m.gated_mlp ? 3.0 : 2.0) * h * d(m.ffn_hidden);
  const double dense_mlp = m.experts > 0 ? 0.0 : one_mlp / t;
  const double router = m.experts > 0 ? h * d(m.experts) : 0.0;
  const double experts = m.experts > 0 ? d(m.experts) * one_mlp / (t * l.ep) : 0.0;
  const double norms = 2.0 * h;
  const double layer_dense = attention + dense_mlp + router + norms;
  const double layer_linear = attention + dense_mlp + experts;  // what FP8 copies exist for
  // ZeRO partitions over every rank that holds a replica: dp x cp for dense weights (Megatron-Core
  // reduces gradients and shards its distributed optimizer over the dp x cp group), dp x cp / ep for
  // experts (the expert-data-parallel group).
  const int64_t nd = int64_t{l.dp} * l.cp;
  const int64_t nd_expert = nd / l.ep;
  const bool zero3 = l.zero_stage >= 3;

  const PipelineShape shape{p, static_cast<int>(l.micro_batches()), v, l.schedule};
  const auto order = pipeline_order(shape);
  const double per_layer = activation_bytes_per_layer(m, l, options);
  const double tokens = d(l.seq_len / l.cp) * d(l.micro_batch);

  // Temporary buffers (assumptions; no published accounting covers them as a whole):
  // - recomputation rematerialises, during one layer's backward, what that layer would otherwise
  //   have kept: the whole layer's activations (full) or its attention core (selective), for one
  //   micro-batch;
  // - ZeRO-3 gathers the 16-bit weights of the layer it computes and prefetches the next one
  //   (PyTorch FSDP's default backward prefetch of one unit): 2 layers x 2 bytes per parameter.
  TrainingLayout none = l;
  none.recompute = Recompute::kNone;
  const double full_layer = activation_bytes_per_layer(m, none, options);
  TrainingLayout selective = l;
  selective.recompute = Recompute::kSelective;
  double working = 0;
  if (l.recompute == Recompute::kFull) working = full_layer;
  if (l.recompute == Recompute::kSelective) working = full_layer - activation_bytes_per_layer(m, selective, options);
  const double gathered = zero3 ? 2.0 * (layer_dense + experts) * kWeightBytes : 0.0;

  TrainingMemory best;
  best.capacity = gpu.memory_bytes * options.usable_fraction;
  best.stage_total.assign(static_cast<size_t>(p), 0.0);
  best.stage_parameters.assign(static_cast<size_t>(p), 0.0);
  for (int i = 0; i < p; ++i) {
    const auto si = static_cast<size_t>(i);
    // Stage 0 holds the input embedding (vocabulary-parallel over tp); the last stage the final
    // norm and the output layer (a copy of the embedding when tied and pp > 1, as Megatron-LM keeps).
    const int64_t layers_per_stage = stage_layers(chunks, p, i);
    double dense = d(layers_per_stage) * layer_dense;
    if (i == 0) dense += V * h / t;
    if (i == p - 1) dense += h + ((m.tied_embeddings && p == 1) ? 0.0 : V * h / t);
    const double expert = d(layers_per_stage) * experts;
    const double grad_bytes = options.fp32_gradients ? 4.0 : 2.0;
    const ModelStateBytes sd = zero_model_state_bytes(dense, nd, l.zero_stage, grad_bytes);
    const ModelStateBytes se = zero_model_state_bytes(expert, std::max<int64_t>(1, nd_expert), l.zero_stage, grad_bytes);
    TrainingMemory r;
    r.stage = i;
    r.capacity = best.capacity;
    r.parameters = dense + expert;
    r.weights = sd.weights + se.weights;
    if (l.precision == scenarios::Precision::kFp8) {
      // Under ZeRO-3 the copies are partitioned like the weights: dense ones over nd ranks,
      // expert ones over the nd / ep ranks that share an expert shard.
      const double dense_linear = layer_linear - experts;
      r.weights += d(layers_per_stage) * kFp8CopyBytes *
                   (dense_linear / (zero3 ? d(nd) : 1.0) +
                    experts / (zero3 ? d(std::max<int64_t>(1, nd_expert)) : 1.0));
    }
    r.gradients = sd.gradients + se.gradients;
    r.optimizer = sd.optimizer + se.optimizer;
    r.activations = d(layers_in_flight(order[si], chunks, p, i)) * per_layer;
    // Korthikanti 2022 section 4.3: the first stage also keeps the embedding dropout mask (1 byte
    // per element), the last the output layer's inputs (final norm and projection, 2 x 2 bytes)
    // and the FP32 logits for the cross-entropy (4 s b V / t), for each micro-batch in flight there.
    if (i == 0 && options.dropout) r.activations += d(chunk_in_flight(order[si], 0)) * tokens * h / sp;
    if (i == p - 1) {
      r.activations += d(chunk_in_flight(order[si], v - 1)) * tokens * (4.0 * h / sp + 4.0 * V / t);
    }
    r.temporary = working + gathered;
    best.stage_total[si] = r.total();
    best.stage_parameters[si] = r.parameters;
    if (i == 0 || r.total() > best.total()) {
      r.stage_total = std::move(best.stage_total);
      r.stage_parameters = std::move(best.stage_parameters);
      best = std::move(r);
    }
  }
  return best;
}

}  // namespace stratum::calibration
