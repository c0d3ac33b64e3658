// Element-wise and normalisation kernels of a transformer layer (layer_ops.hpp). Memory-bound:
// one pass over the data, FP32 arithmetic.
#include <cuda_bf16.h>

#include <stdexcept>

#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/layer_ops.hpp"

namespace stratum::kernels {
namespace {

__device__ inline float bf(__nv_bfloat16 x) { return __bfloat162float(x); }

int blocks_for(int64_t count, int threads) {
  const int64_t b = (count + threads - 1) / threads;
  return static_cast<int>(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

constexpr int kNormThreads = 256;

__global__ void rms_norm_kernel(const __nv_bfloat16* x, const __nv_bfloat16* w, __nv_bfloat16* y, int64_t cols, float eps) {
  const __nv_bfloat16* xr = x + blockIdx.x * cols;
  __nv_bfloat16* yr = y + blockIdx.x * cols;
  float ss = 0.f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float v = bf(xr[c]);
    ss += v * v;
  }
  __shared__ float warp_sums[kNormThreads / 32];
  for (int off = 16; off > 0; off /= 2) ss += __shfl_xor_sync(0xffffffffu, ss, off);
  if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = ss;
  __syncthreads();
  float total = 0.f;
  for (int i = 0; i < kNormThreads / 32; ++i) total += warp_sums[i];
  const float inv = rsqrtf(total / static_cast<float>(cols) + eps);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = __float2bfloat16(bf(xr[c]) * inv * bf(w[c]));
}

__global__ void add_kernel(__nv_bfloat16* x, const __nv_bfloat16* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    x[i] = __float2bfloat16(bf(x[i]) + bf(y[i]));
  }
}

__global__ void rotary_kernel(__nv_bfloat16* qkv, int64_t rows, int64_t stride, int heads, int head_dim,
                              const int32_t* positions, float theta) {
  const int half = head_dim / 2;
  const int64_t n = rows * heads * half;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    const int j = static_cast<int>(i % half);
    const int64_t hr = i / half;
    const int h = static_cast<int>(hr % heads);
    const int64_t r = hr / heads;
    // RoFormer: theta_j = base^(-2j / d); rotate-half pairs element j with element j + d/2.
    const float inv_freq = powf(theta, -2.f * static_cast<float>(j) / static_cast<float>(head_dim));
    float sn, cs;
    sincosf(static_cast<float>(positions[r]) * inv_freq, &sn, &cs);
    __nv_bfloat16* p = qkv + r * stride + int64_t{h} * head_dim;
    const float x0 = bf(p[j]), x1 = bf(p[j + half]);
    p[j] = __float2bfloat16(x0 * cs - x1 * sn);
    p[j + half] = __float2bfloat16(x1 * cs + x0 * sn);
  }
}

__global__ void silu_mul_kernel(const __nv_bfloat16* gu, __nv_bfloat16* out, int64_t rows, int64_t ffn) {
  const int64_t n = rows * ffn;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = i / ffn, j = i % ffn;
    const float g = bf(gu[r * 2 * ffn + j]);
    const float u = bf(gu[r * 2 * ffn + ffn + j]);
    out[i] = __float2bfloat16(g / (1.f + __expf(-g)) * u);
  }
}

__global__ void append_kv_kernel(const __nv_bfloat16* qkv, int64_t stride, int64_t k_col, int64_t v_col,
                                 __nv_bfloat16* kc, __nv_bfloat16* vc, const int32_t* table, int max_blocks,
                                 const int32_t* positions, int kv_heads, int head_dim, int block_size) {
  const int b = blockIdx.x;
  const int pos = positions[b];
  const int64_t block = table[int64_t{b} * max_blocks + pos / block_size];
  const int64_t row = int64_t{kv_heads} * head_dim;
  const int64_t dst = (block * block_size + pos % block_size) * row;
  for (int64_t e = threadIdx.x; e < row; e += blockDim.x) {
    kc[dst + e] = qkv[b * stride + k_col + e];
    vc[dst + e] = qkv[b * stride + v_col + e];
  }
}

}  // namespace

void rms_norm(const void* x, const void* weight, void* y, int64_t rows, int64_t cols, float eps, cudaStream_t stream) {
  if (rows < 1) return;
  rms_norm_kernel<<<static_cast<unsigned>(rows), kNormThreads, 0, stream>>>(
      static_cast<const __nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(weight), static_cast<__nv_bfloat16*>(y), cols, eps);
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

void add_in_place(void* x, const void* y, int64_t count, cudaStream_t stream) {
  add_kernel<<<blocks_for(count, 256), 256, 0, stream>>>(static_cast<__nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(y), count);
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

void rotary_in_place(void* qkv, int64_t rows, int64_t row_stride, int rotated_heads, int head_dim,
                     const int32_t* positions, float theta, cudaStream_t stream) {
  if (head_dim % 2 != 0) throw std::invalid_argument("rotary: head_dim must be even");
  const int64_t n = rows * rotated_heads * (head_dim / 2);
  rotary_kernel<<<blocks_for(n, 256), 256, 0, stream>>>(static_cast<__nv_bfloat16*>(qkv), rows, row_stride, rotated_heads,
                                                         head_dim, positions, theta);
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

void silu_mul(const void* gate_up, void* out, int64_t rows, int64_t ffn, cudaStream_t stream) {
  silu_mul_kernel<<<blocks_for(rows * ffn, 256), 256, 0, stream>>>(static_cast<const __nv_bfloat16*>(gate_up),
                                                                   static_cast<__nv_bfloat16*>(out), rows, ffn);
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

void append_kv_paged(const void* qkv, int64_t row_stride, int64_t k_col, int64_t v_col, void* k_cache, void* v_cache,
                     const int32_t* block_table, int max_blocks_per_seq, const int32_t* positions, int batch,
                     int kv_heads, int head_dim, int block_size, cudaStream_t stream) {
  if (batch < 1) return;
  append_kv_kernel<<<static_cast<unsigned>(batch), 128, 0, stream>>>(
      static_cast<const __nv_bfloat16*>(qkv), row_stride, k_col, v_col, static_cast<__nv_bfloat16*>(k_cache),
      static_cast<__nv_bfloat16*>(v_cache), block_table, max_blocks_per_seq, positions, kv_heads, head_dim, block_size);
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

}  // namespace stratum::kernels
