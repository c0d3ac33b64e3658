#pragma once
// The cases stratum-calibrate measures: GEMM shapes from the model catalogue's layer dimensions
// at several tensor-parallel degrees, attention shapes, message and copy sizes, and the real
// transformer layers. Host code, no CUDA: the grids are tested without a GPU.
#include <cstdint>
#include <string>
#include <vector>

#include "stratum/scenarios/model.hpp"

namespace stratum::kernels {

// One linear layer's weight, y[m, n] = x[m, k] W[n, k]^T.
struct LinearShape {
  int64_t n = 0, k = 0;
  bool operator==(const LinearShape&) const = default;
};

// A GEMM case: `groups` independent m x n x k products (groups > 1: MoE experts).
struct GemmShape {
  int64_t m = 0, n = 0, k = 0, groups = 1;
  bool operator==(const GemmShape&) const = default;
};

// The linear layers of one transformer layer of `model` on one of `tp` tensor-parallel ranks,
// Megatron-LM style (Shoeybi et al. 2019, arXiv 1909.08053, section 3): QKV and gate/up split by
// columns, O and down by rows. KV heads are replicated when tp exceeds them, as vLLM's
// QKVParallelLinear does. `dense` holds attention projections and, for dense models, the MLP;
// `expert` holds one expert's MLP for MoE models. Empty when the model cannot be split `tp` ways
// (heads or ffn_hidden not divisible, KV heads neither dividing nor divided by tp).
struct LayerLinears {
  std::vector<LinearShape> dense;
  std::vector<LinearShape> expert;
};
LayerLinears layer_linears(const scenarios::ModelSpec& model, int tp);

// Query heads, KV heads and head dimension of the attention on one tensor-parallel rank.
struct AttentionHeads {
  int64_t heads = 0, kv_heads = 0, head_dim = 0;
  bool operator==(const AttentionHeads&) const = default;
};
// Empty optional-like result (heads == 0) when the split is impossible (see layer_linears).
AttentionHeads attention_heads(const scenarios::ModelSpec& model, int tp);

struct PrefillCase {
  int64_t batch = 1, new_tokens = 0, context_before = 0;
  AttentionHeads heads;
};
struct DecodeCase {
  int64_t batch = 1, context = 0, block_size = 16;
  AttentionHeads heads;
};

struct LayerCase {
  std::string model;  // catalogue id
  bool prefill = true;
  int64_t batch = 1, tokens = 0, context = 0;
};

// Models and tensor-parallel degrees the full sweep covers; --quick keeps the first model and
// TP 1 and 8.
std::vector<std::string> calibration_models(bool quick);
std::vector<int> calibration_tensor_parallel(bool quick);

// M (tokens in the batch) from 1 to 16,384: powers of two plus a few sizes that are not, so the
// profile sees cuBLAS's behaviour between tile boundaries.
std::vector<int64_t> gemm_m_values(bool quick);
// Tokens per expert for grouped GEMMs.
std::vector<int64_t> grouped_m_values(bool quick);

// Dense GEMMs (every distinct (n, k) of every model at every TP, crossed with gemm_m_values)
// followed by grouped GEMMs for MoE models (groups = experts). No duplicates, stable order.
std::vector<GemmShape> gemm_grid(const std::vector<scenarios::ModelSpec>& models, const std::vector<int>& tps,
                                 bool quick);

// Distinct per-rank head configurations of `models` at `tps`, plus head_dim 64 (32 query and 8
// KV heads, the shape of Llama 3.2 1B's config.json) so both head sizes our kernels support are
// measured.
std::vector<AttentionHeads> attention_head_grid(const std::vector<scenarios::ModelSpec>& models,
                                                const std::vector<int>& tps, bool quick);

// Prefill: single prompts and small batches, with and without cached context before the chunk
// (chunked prefill). Cases whose Q/K/V/O bytes exceed `max_bytes` are left out.
std::vector<PrefillCase> prefill_grid(const std::vector<AttentionHeads>& heads, bool quick, double max_bytes);
// Paged decode (block size 16, vLLM's default: Kwon et al., SOSP 2023): batch x context, leaving
// out cases whose KV cache exceeds `max_bytes`.
std::vector<DecodeCase> decode_grid(const std::vector<AttentionHeads>& heads, bool quick, double max_bytes);

// Message sizes for collectives and copies, bytes: powers of two (full) or of four (quick).
std::vector<double> collective_sizes(bool quick);
std::vector<double> copy_sizes(bool quick);

// Transformer layers timed end to end: prefill at several prompt lengths, decode at several
// batch sizes and context lengths.
std::vector<LayerCase> layer_grid(bool quick);

}  // namespace stratum::kernels
