#pragma once
// Stratum's own attention kernels, BF16 in and out, FP32 accumulation, head_dim 64 or 128:
// - prefill: tiled, FlashAttention-style (Dao et al., NeurIPS 2022, Algorithm 1; Dao 2023,
//   FlashAttention-2, for the query-tile outer loop): a Q tile in shared memory, a loop over
//   K/V tiles, online softmax with running max and sum, causal mask, GQA by mapping each query
//   head to its KV head;
// - decode: one query token per sequence reading K/V through a block table, as vLLM's
//   PagedAttention does (Kwon et al., SOSP 2023), with the context split across thread blocks
//   and merged afterwards when there are too few sequences to fill the GPU (the split-KV
//   "Flash-Decoding" scheme, Dao et al., 2023 blog post "Flash-Decoding for long-context
//   inference").
// Both compute softmax(Q K^T / sqrt(head_dim)) V.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace stratum::kernels {

// Q: token (b, t) at q + (b * new_tokens + t) * q_stride, head h at + h * head_dim.
// K, V: cached and new tokens of sequence b, position p in [0, context_before + new_tokens), at
// k + (b * (context_before + new_tokens) + p) * k_stride, KV head g at + g * head_dim.
// O: like Q. Query t sits at position context_before + t and sees positions <= its own.
// Strides let Q, K and V be column slices of one fused QKV projection output.
struct PrefillArgs {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  void* o = nullptr;
  int64_t q_stride = 0, k_stride = 0, v_stride = 0, o_stride = 0;  // elements
  int batch = 1, new_tokens = 0, context_before = 0;
  int heads = 0, kv_heads = 0, head_dim = 0;
};

// Throws std::invalid_argument for head_dim other than 64 / 128 or heads not a multiple of
// kv_heads.
void launch_prefill_attention(const PrefillArgs& args, cudaStream_t stream);

// The KV cache is vLLM's FlashAttention-backend layout, [num_blocks][block_size][kv_heads]
// [head_dim]; sequence b's token p lives in physical block block_table[b * max_blocks_per_seq +
// p / block_size] at slot p % block_size. Q: one token per sequence at q + b * q_stride.
struct DecodeArgs {
  const void* q = nullptr;
  const void* k_cache = nullptr;
  const void* v_cache = nullptr;
  const int32_t* block_table = nullptr;   // device, batch x max_blocks_per_seq
  const int32_t* context_lens = nullptr;  // device, batch; each >= 1
  void* o = nullptr;
  int64_t q_stride = 0, o_stride = 0;     // elements
  int batch = 1, heads = 0, kv_heads = 0, head_dim = 0, block_size = 16;
  int max_blocks_per_seq = 0;
  int max_context = 0;                    // upper bound of context_lens, for the split count
  int splits = 1;                         // context partitions per sequence (decode_splits)
  float* workspace = nullptr;             // decode_workspace_bytes(...) when splits > 1
};

// Context partitions so that batch x kv_heads x splits thread blocks cover the GPU about twice,
// each partition at least 256 tokens. Assumption (no published source): twice the SM count
// keeps every SM busy through the tail; 256 tokens keep the merge cheap. Calibration measures
// the kernel as it is, so these choices change what it measures, not what it predicts.
int decode_splits(int batch, int kv_heads, int max_context, int sm_count);
size_t decode_workspace_bytes(int batch, int heads, int head_dim, int splits);

void launch_paged_decode_attention(const DecodeArgs& args, cudaStream_t stream);

}  // namespace stratum::kernels
