#include "stratum/calibration/training_step.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "stratum/calibration/core_attention_cost.hpp"
#include "stratum/calibration/megatron2021_gradients.hpp"
#include "stratum/calibration/stage_layers.hpp"
#include "stratum/calibration/stage_reduction.hpp"
#include "stratum/calibration/training_flops.hpp"

namespace stratum::calibration {

namespace {

using scenarios::Precision;

double d(int64_t v) { return static_cast<double>(v); }

// Forward and backward of one GEMM C[m,n] = A[m,k] B[k,n]: the backward computes the input gradient
// dA = dC B^T (m x k x n) and the weight gradient dB = A^T dC (k x n x m), each the forward's FLOPs
// (Narayanan et al. SC'21 section 5.1: backward = 2 x forward).
struct Pair {
  double fwd = 0, bwd = 0;
};
Pair gemm(const CostModel& c, int64_t m, int64_t n, int64_t k, Precision p) {
  return {c.gemm(m, n, k, p, p).seconds, c.gemm(m, k, n, p, p).seconds + c.gemm(k, n, m, p, p).seconds};
}
Pair grouped(const CostModel& c, double groups, int64_t m, int64_t n, int64_t k, Precision p) {
  return {c.grouped_gemm(groups, m, n, k, p, p).seconds,
          c.grouped_gemm(groups, m, k, n, p, p).seconds + c.grouped_gemm(groups, k, n, m, p, p).seconds};
}

double peak_flops(const scenarios::GpuSpec& gpu, Precision p) {
  const double p16 = gpu.peak_bf16_flops > 0 ? gpu.peak_bf16_flops : gpu.peak_fp16_flops;
  if (p == Precision::kFp8 && gpu.peak_fp8_flops > 0) return gpu.peak_fp8_flops;
  if (p == Precision::kFp16 && gpu.peak_fp16_flops > 0) return gpu.peak_fp16_flops;
  return p16;
}

// Gradient reduction of one stage in buckets (Megatron-Core DDP): the gradients of chunk c are
// produced during that chunk's last backward op, bucket j of n_c being ready at fraction j / n_c of
// it (assumption: gradients appear at an even rate through the backward); buckets are reduced one
// at a time in order of readiness. Returns the seconds the last reduction ends after the stage's
// last op.
struct Bucketed {
  double ready_at = 0;   // when the bucket's gradients are complete
  double seconds = 0;    // its collective
};
double exposed_after(std::vector<Bucketed> buckets, double stage_end) {
  std::sort(buckets.begin(), buckets.end(), [](const Bucketed& a, const Bucketed& b) { return a.ready_at < b.ready_at; });
  double t = 0;
  for (const Bucketed& b : buckets) t = std::max(t, b.ready_at) + b.seconds;
  return std::max(0.0, t - stage_end);
}

}  // namespace

TrainingMemoryOptions step_memory_options(const TrainingStepOptions& options) {
  TrainingMemoryOptions memory = options.memory;
  // The attention kernels decide what the attention core keeps (training_memory.hpp).
  memory.flash_attention = options.software.attention == scenarios::TrainingAttention::kFlash;
  return memory;
}

GradientBuckets gradient_buckets(const TrainingStepOptions& options, const TrainingLayout& l) {
  GradientBuckets b;
  if (options.software.gradients == scenarios::TrainingGradients::kMegatron2021TorchDdp) {
    b.bytes_per_param = 2.0;
    b.params = kTorchDdpBucketBytes / b.bytes_per_param;
    return b;
  }
  b.params = options.bucket_params > 0 ? options.bucket_params : std::max(40e6, 1e6 * d(int64_t{l.dp} * l.cp));
  // The gradient buffer is reduced in place: 16-bit, or FP32 with --accumulate-allreduce-grads-in-fp32.
  b.bytes_per_param = options.memory.fp32_gradients ? 4.0 : 2.0;
  b.kind = l.zero_stage == 0 ? CollectiveKind::kAllReduce : CollectiveKind::kReduceScatter;
  return b;
}

TrainingStep estimate_training_step(const CostModel& costs, const scenarios::ModelSpec& m, const scenarios::GpuSpec& gpu,
                                    const TrainingLayout& l, const TrainingLinks& links,
                                    const TrainingStepOptions& options) {
  if (const auto problems = validate_layout(l, m, l.gpus()); !problems.empty()) {
    throw std::invalid_argument("invalid training layout: " + problems.front());
  }
  TrainingStep out;
  out.memory = training_memory(m, gpu, l, step_memory_options(options));

  // Formats (Megatron-LM mixed precision): GEMMs in the training precision (FP8 through
  // Transformer Engine, both operands FP8); residual stream, norms, attention and every collective
  // in 16 bits (BF16 under FP8 training).
  const Precision gemm_p = l.precision;
  const Precision stream_p = l.precision == Precision::kFp16 ? Precision::kFp16 : Precision::kBf16;
  const double sb = scenarios::bytes_per_element(stream_p);

  const int t = l.tp, p = l.pp, v = l.virtual_stages;
  const int64_t s_local = l.seq_len / l.cp;
  const int64_t T = l.micro_batch * s_local;                        // tokens per micro-batch on one rank
  const int64_t Ts = l.sequence_parallel ? T / t : T;               // rows of norms and element-wise work
  const double h = d(m.hidden), dT = d(T), dTs = d(Ts);
  const int64_t hd = m.head_dim;
  const int64_t heads = m.heads / t, kv = m.kv_heads / t;
  const int64_t ffn = m.ffn_hidden / t;
  const int64_t up = m.gated_mlp ? 2 * ffn : ffn;
  const double act = dT * h * sb;  // one [T x hidden] activation, full (gathered) size

  // ---- one layer, one micro-batch ----
  double fwd = 0, bwd = 0, attn_fwd = 0, comm_fwd = 0, comm_bwd = 0;
  const auto add = [&](Pair x) {
    fwd += x.fwd;
    bwd += x.bwd;
  };
  // Element-wise and norm kernels: backward reads the output gradient and the saved input and
  // writes the input gradient, taken as twice the forward's bytes (assumption).
  const auto memory_bound = [&](double seconds) { add({seconds, 2.0 * seconds}); };
  memory_bound(2.0 * costs.norm(Ts, m.hidden, stream_p).seconds);                          // two norms
  add(gemm(costs, T, (heads + 2 * kv) * hd, m.hidden, gemm_p));                            // fused QKV
  if (options.software.attention == scenarios::TrainingAttention::kUnfused) {
    // Megatron-LM 2021's unfused core attention over the full s x s scores, kernel by kernel
    // (core_attention_cost.hpp); its backward is priced kernel by kernel too. No context
    // parallelism (the loader requires cp 1).
    if (l.cp > 1) throw std::invalid_argument("the unfused Megatron-LM 2021 attention needs cp 1");
    const UnfusedAttentionTime u = unfused_attention_time(
        costs, UnfusedAttentionShape{l.micro_batch, l.seq_len, heads, hd, options.memory.dropout}, stream_p);
    attn_fwd = u.forward_s;
    add({u.forward_s, u.backward_s});
  } else {
    // Causal attention of micro_batch sequences; under context parallelism each rank holds
    // s / cp queries spread over the sequence (2 x cp chunk load balancing), which on average see
    // (s - s/cp) / 2 earlier keys: a chunk with that context prices 1/cp of the causal work.
    std::vector<PrefillChunk> chunks(static_cast<size_t>(l.micro_batch), PrefillChunk{s_local, (l.seq_len - s_local) / 2});
    attn_fwd = costs.attention_prefill(chunks, AttentionShape{heads, kv, hd}, stream_p).seconds;
    // Attention backward: twice the forward's matmul FLOPs (dQ, dK, dV from the two forward
    // matmuls), the same rule as Narayanan SC'21 eq. (3). FlashAttention-2's backward also
    // recomputes QK^T (Dao 2023 section 3.1.2), counted here only under selective/full recompute.
    add({attn_fwd, 2.0 * attn_fwd});
  }
  add(gemm(costs, T, m.hidden, heads * hd, gemm_p));  // output projection
  memory_bound(2.0 * costs.elementwise(3.0 * dTs * h * sb).seconds);  // two residual adds
  double ep_fwd = 0;
  if (m.experts > 0) {
    const double E = d(m.experts), k = d(m.experts_per_token);
    // Router on every token (replicated weights), top-k over E logits (FP32, 4 bytes).
    add(gemm(costs, T, m.experts, m.hidden, stream_p));
    memory_bound(costs.elementwise(dT * E * 4.0).seconds);
    // Balanced routing (assumption: Megatron's auxiliary load-balancing loss keeps experts even):
    // each of the E / ep local experts receives T k ep / E tokens.
    const double local = E / l.ep;
    const auto per_expert = static_cast<int64_t>(std::ceil(dT * k / local));
    add(grouped(costs, local, per_expert, up, m.hidden, gemm_p));
    memory_bound(costs.elementwise(dT * k * d(up + ffn) * sb).seconds);
    add(grouped(costs, local, per_expert, m.hidden, ffn, gemm_p));
    memory_bound(costs.elementwise((k + 1.0) * act / (l.sequence_parallel ? t : 1)).seconds);
    // Token dispatch and combine: two all-to-alls of T k hidden values each way (Megatron-Core
    // alltoall token dispatcher), forward and again in backward.
    ep_fwd = 2.0 * price_collective(costs, links.ep, CollectiveKind::kAllToAll, dT * k * h * sb, l.ep);
  } else {
    add(gemm(costs, T, up, m.hidden, gemm_p));
    memory_bound(costs.elementwise(dT * d(up + ffn) * sb).seconds);  // GeLU / SwiGLU
    add(gemm(costs, T, m.hidden, ffn, gemm_p));
  }
  // Tensor parallelism (Shoeybi et al. 2019, Megatron-LM section 3): two all-reduces of the
  // activation in forward (after attention and after the MLP) and two in backward; with sequence
  // parallelism each becomes an all-gather plus a reduce-scatter of the same activation
  // (Korthikanti 2022 section 4.2.2). Not overlapped with compute (assumption, as Megatron-LM
  // SC'21 runs them).
  const double tp_pass =
      l.sequence_parallel ? 2.0 * (price_collective(costs, links.tp, CollectiveKind::kAllGather, act, t) +
                                   price_collective(costs, links.tp, CollectiveKind::kReduceScatter, act, t))
                          : 2.0 * price_collective(costs, links.tp, CollectiveKind::kAllReduce, act, t);
  comm_fwd += tp_pass + ep_fwd;
  comm_bwd += tp_pass + ep_fwd;
  if (l.cp > 1) {
    // Context parallelism (Megatron-Core ring attention): every rank receives the other ranks' K
    // and V (an all-gather of the sequence's K, V) in forward, and K, V again plus their gradients
    // (reduce-scatter) in backward, overlapped with the attention blocks it computes meanwhile;
    // only what exceeds the attention time is exposed.
    const double kv_bytes = d(l.micro_batch) * d(l.seq_len) * 2.0 * d(kv * hd) * sb;
    const double cp_f = price_collective(costs, links.cp, CollectiveKind::kAllGather, kv_bytes, l.cp);
    const double cp_b = cp_f + price_collective(costs, links.cp, CollectiveKind::kReduceScatter, kv_bytes, l.cp);
    comm_fwd += std::max(0.0, cp_f - attn_fwd);
    comm_bwd += std::max(0.0, cp_b - 2.0 * attn_fwd);
  }
  const double layer_fwd = fwd + comm_fwd;
  // Recomputation runs again, before the backward, the whole forward (its collectives too) or the
  // attention core only (Korthikanti 2022 sections 4.1 and 5).
  double recompute = 0;
  if (l.recompute == Recompute::kFull) recompute = layer_fwd;
  if (l.recompute == Recompute::kSelective) recompute = attn_fwd;
  const double layer_bwd = bwd + comm_bwd + recompute;
  out.layer_forward_s = layer_fwd;
  out.layer_backward_s = layer_bwd;
  out.layer_communication_s = comm_fwd + comm_bwd + (l.recompute == Recompute::kFull ? comm_fwd : 0.0);

  // ---- embedding (first virtual stage) and output layer with loss (last) ----
  const int64_t vocab_t = m.vocab / t;
  const double embed_fwd = costs.elementwise(dTs * h * sb).seconds;  // gather embedding rows
  const double embed_bwd = 2.0 * embed_fwd;                          // scatter-add into the table
  const Pair head = gemm(costs, T, vocab_t, m.hidden, gemm_p);
  // Final norm, plus the vocabulary-parallel cross-entropy over FP32 logits (read logits, write
  // softmax: 2 x 4 bytes per logit forward, the same again backward; assumption).
  const double loss = costs.elementwise(dT * d(vocab_t) * 8.0).seconds;
  const double head_fwd = costs.norm(Ts, m.hidden, stream_p).seconds + head.fwd + loss;
  const double head_bwd = 2.0 * costs.norm(Ts, m.hidden, stream_p).seconds + head.bwd + loss;

  // ---- ZeRO-3: per-micro-batch weight all-gathers, prefetched during compute ----
  const int64_t nd = int64_t{l.dp} * l.cp;
  // Decoder layers of every virtual stage (chunk x p + stage): layers / (p v) each, or an uneven
  // split (stage_layers.hpp; Llama 3's first and last chunks hold none).
  const std::vector<int64_t> chunks = chunk_layers(l, m.layers);
  const double params_chunk_dense = out.memory.parameters / v;  // approximation: even split over chunks
  double zero3_gather = 0;
  if (l.zero_stage >= 3 && nd > 1) {
    // Weights are gathered before the forward and again before the backward of every micro-batch
    // (FSDP reshard_after_forward; Rajbhandari et al. SC'20 section 7.2.2: 1.5x the data-parallel
    // traffic of ZeRO-2), each gather hidden behind the chunk's compute where it fits.
    zero3_gather = price_collective(costs, links.dp, CollectiveKind::kAllGather, params_chunk_dense * 2.0,
                              static_cast<int>(nd));
  }

  // ---- pipeline ----
  const PipelineShape shape{p, static_cast<int>(l.micro_batches()), v, l.schedule};
  PipelineTimes times;
  const auto n_virtual = static_cast<size_t>(p) * static_cast<size_t>(v);
  times.forward_s.resize(n_virtual);
  times.backward_s.resize(n_virtual);
  for (size_t k = 0; k < n_virtual; ++k) {
    const double f = d(chunks[k]) * layer_fwd, b = d(chunks[k]) * layer_bwd;
    times.forward_s[k] = f + std::max(0.0, zero3_gather - f);
    times.backward_s[k] = b + std::max(0.0, zero3_gather - b);
  }
  times.forward_s.front() += embed_fwd;
  times.backward_s.front() += embed_bwd;
  times.forward_s.back() += head_fwd;
  times.backward_s.back() += head_bwd;
  // Megatron-LM 2021 gradient handling (megatron2021_gradients.hpp) replaces the overlapped buckets
  // below; it accumulates each micro-batch's weight gradients into the gradient buffer as the
  // backward produces them: one pass over each chunk's parameters per backward op.
  const bool legacy_gradients =
      options.software.gradients == scenarios::TrainingGradients::kMegatron2021 && l.zero_stage == 0;
  // Megatron-LM 2021 with PyTorch DDP (megatron2021_gradients.hpp): the same accumulation and
  // optimizer, the reduction in buckets overlapped with the last micro-batch's backward.
  const bool torch_ddp = options.software.gradients == scenarios::TrainingGradients::kMegatron2021TorchDdp;
  const Megatron2021GradientBytes g21 = torch_ddp ? megatron2021_torch_ddp_bytes(l.micro_batches())
                                                  : megatron2021_gradient_bytes(l.precision, l.micro_batches());
  if (legacy_gradients || torch_ddp) {
    // Each virtual stage accumulates its stage's parameters over its v chunks (approximation: the
    // stage's parameters split evenly over its chunks).
    for (size_t k = 0; k < n_virtual; ++k) {
      const double params = out.memory.stage_parameters[k % static_cast<size_t>(p)] / v;
      times.backward_s[k] += costs.elementwise(params * g21.accumulate_per_micro_batch).seconds;
    }
  }
  if (p > 1) {
    // Narayanan SC'21 section 4.1, scatter/gather: each of the t ranks sends 1/t of the boundary
    // activation to the next stage, which all-gathers it over the (faster) tensor-parallel links;
    // with sequence parallelism the activation is already split and no gather is needed.
    out.p2p_s = price_collective(costs, links.pp, CollectiveKind::kSendRecv, act / t, 2) +
                (l.sequence_parallel ? 0.0 : price_collective(costs, links.tp, CollectiveKind::kAllGather, act, t));
  }
  times.p2p_s = out.p2p_s;
  out.pipeline = run_pipeline(shape, times);
  out.bubble_fraction = out.pipeline.bubble_fraction;

  // ---- data-parallel gradient reduction, weight gather and optimizer, per stage ----
  // What each stage moves and what it costs (stage_reduction.hpp), scheduled here against the
  // pipeline run; the flow step sends the same plan.
  const ReductionPlan reduction = plan_stage_reductions(costs, m, l, out.memory.stage_parameters, links, options);
  double step = 0;
  out.stage_optimizer_s.assign(static_cast<size_t>(p), 0.0);
  for (int i = 0; i < p; ++i) {
    const auto& ops = out.pipeline.stages[static_cast<size_t>(i)];
    const StageReduction& r = reduction.stages[static_cast<size_t>(i)];
    const double stage_end = ops.back().end_s;
    double exposed = 0;
    if (reduction.legacy) {
      exposed = r.legacy_local_s + r.legacy_reduce_s + r.embedding_s;  // after the flush, nothing overlapped
    } else if (r.buckets_per_chunk > 0) {
      // Bucket j of n of chunk c is ready at j/n of the chunk's last backward op (or at the stage's
      // end without overlap).
      std::vector<Bucketed> buckets;
      for (int c = 0; c < v; ++c) {
        const TimedOp* last = nullptr;
        for (const TimedOp& op : ops) {
          if (op.op.pass == Pass::kBackward && op.op.chunk == c) last = &op;
        }
        const int n = r.buckets_per_chunk;
        for (int j = 1; j <= n; ++j) {
          const double ready = options.overlap_grad_reduce
                                   ? last->start_s + (last->end_s - last->start_s) * j / n
                                   : stage_end;
          buckets.push_back({ready, r.bucket_s});
        }
      }
      exposed = exposed_after(std::move(buckets), stage_end) + r.after_buckets_s;
    }
    if (r.gather_s > 0) {
      // The weight all-gather hides behind the next step's micro-batch-0 forwards
      // (--overlap-param-gather) where they are long enough.
      double window = 0;
      if (options.overlap_param_gather) {
        for (const TimedOp& op : ops) {
          if (op.op.pass == Pass::kForward && op.op.micro_batch == 0) window += op.end_s - op.start_s;
        }
      }
      exposed += std::max(0.0, r.gather_s - window);
    }
    out.stage_optimizer_s[static_cast<size_t>(i)] = r.optimizer_s;
    const double end = stage_end + exposed + r.optimizer_s;
    if (end > step) {
      step = end;
      out.dp_exposed_s = exposed;
      out.optimizer_s = r.optimizer_s;
    }
  }
  out.step_time_s = step;
  out.tokens_per_s = d(l.tokens_per_step()) / step;
  const TrainingFlops flops = training_flops(m, l.global_batch, l.seq_len, l.recompute);
  out.model_flops = flops.model;
  out.hardware_flops = flops.hardware;
  const double peak = peak_flops(gpu, l.precision);
  out.mfu = flops_utilisation(flops.model, step, l.gpus(), peak);
  out.hfu = flops_utilisation(flops.hardware, step, l.gpus(), peak);
  out.tflops_per_gpu = flops.hardware / (step * d(l.gpus())) / 1e12;
  return out;
}

}  // namespace stratum::calibration
