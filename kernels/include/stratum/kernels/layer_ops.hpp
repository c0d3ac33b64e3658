#pragma once
// The element-wise and normalisation kernels a Llama-style transformer layer needs besides its
// GEMMs and attention (Touvron et al. 2023, "LLaMA", section 2.2: pre-normalisation with RMSNorm,
// SwiGLU, rotary embeddings). BF16 in and out, FP32 arithmetic.
#include <cuda_runtime_api.h>

#include <cstdint>

namespace stratum::kernels {

// y[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * weight (Zhang & Sennrich, NeurIPS 2019).
void rms_norm(const void* x, const void* weight, void* y, int64_t rows, int64_t cols, float eps, cudaStream_t stream);

// x += y, element-wise (the residual connection).
void add_in_place(void* x, const void* y, int64_t count, cudaStream_t stream);

// Rotary position embedding (Su et al. 2021, "RoFormer", eq. 34, in the rotate-half layout of
// the Hugging Face Llama implementation) applied in place to the first `rotated_heads` heads of
// each row of `qkv` (the query heads, then the key heads, of a fused QKV output). Row r's
// position is positions[r] (device array).
void rotary_in_place(void* qkv, int64_t rows, int64_t row_stride, int rotated_heads, int head_dim,
                     const int32_t* positions, float theta, cudaStream_t stream);

// out[r, j] = silu(gate_up[r, j]) * gate_up[r, ffn + j] (SwiGLU, Shazeer 2020, arXiv 2002.05202).
void silu_mul(const void* gate_up, void* out, int64_t rows, int64_t ffn, cudaStream_t stream);

// Writes the new token's K and V (row b of `qkv`, at column offsets k_col and v_col) into the
// paged caches at position positions[b] of sequence b, through the block table, as vLLM's
// reshape_and_cache does before decode attention.
void append_kv_paged(const void* qkv, int64_t row_stride, int64_t k_col, int64_t v_col, void* k_cache, void* v_cache,
                     const int32_t* block_table, int max_blocks_per_seq, const int32_t* positions, int batch,
                     int kv_heads, int head_dim, int block_size, cudaStream_t stream);

}  // namespace stratum::kernels
