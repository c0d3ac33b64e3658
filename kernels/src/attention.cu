// Stratum's attention kernels (attention.hpp). Scalar FP32 arithmetic on BF16 data, no tensor
// cores: simple enough to be checked by reading, and what stratum-calibrate measures is this
// kernel as it is, so the profile and the transformer layer agree on it.
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "stratum/kernels/attention.hpp"
#include "stratum/kernels/cuda_check.hpp"

namespace stratum::kernels {
namespace {

// Scores are kept in base 2: scaling Q by log2(e) / sqrt(d) once lets every exponential be an
// exp2f, as FlashAttention-2's implementation does (softmax_scale_log2 in its kernels).
constexpr float kLog2e = 1.4426950408889634f;

__device__ inline float bf(__nv_bfloat16 x) { return __bfloat162float(x); }

// ---------------------------------------------------------------------------------------------
// Prefill. A thread block owns kRows query rows of one head of one sequence; four consecutive
// lanes share a row, lane `sub` owning dimensions sub, sub + 4, sub + 8, ... (so that the four
// lanes of a row read four neighbouring elements, and the eight rows of a warp read the same
// K/V element: a shared-memory broadcast).
constexpr int kRows = 32;
constexpr int kLanesPerRow = 4;
constexpr int kPrefillThreads = kRows * kLanesPerRow;  // 128
constexpr int kKeys = 32;                             // keys per K/V tile

template <int D>
__global__ void __launch_bounds__(kPrefillThreads) prefill_kernel(PrefillArgs a, float q_scale) {
  constexpr int kDims = D / kLanesPerRow;
  constexpr int kVec = 8;  // BF16 elements per 16-byte load
  // Q tile as FP32, rows padded by 4 floats so that the eight rows a warp touches fall in
  // different banks; reused at the end to stage the output for coalesced stores.
  __shared__ float q_s[kRows][D + 4];
  __shared__ __align__(16) __nv_bfloat16 k_s[kKeys][D];
  __shared__ __align__(16) __nv_bfloat16 v_s[kKeys][D];

  const int tid = threadIdx.x;
  const int row = tid / kLanesPerRow, sub = tid % kLanesPerRow;
  // Longest (latest) query tiles first: under the causal mask they have the most keys, and
  // starting them first shortens the tail (FlashAttention-2, section 3.2).
  const int q0 = (gridDim.x - 1 - blockIdx.x) * kRows;
  const int h = blockIdx.y, b = blockIdx.z;
  const int g = h / (a.heads / a.kv_heads);
  const int total = a.context_before + a.new_tokens;

  const auto* q = static_cast<const __nv_bfloat16*>(a.q);
  const auto* k = static_cast<const __nv_bfloat16*>(a.k);
  const auto* v = static_cast<const __nv_bfloat16*>(a.v);

  for (int e = tid; e < kRows * D; e += kPrefillThreads) {
    const int r = e / D, d = e % D;
    const int t = q0 + r;
    q_s[r][d] = t < a.new_tokens ? bf(q[(int64_t{b} * a.new_tokens + t) * a.q_stride + int64_t{h} * D + d]) * q_scale : 0.f;
  }
  __syncthreads();
  float q_r[kDims];
#pragma unroll
  for (int i = 0; i < kDims; ++i) q_r[i] = q_s[row][sub + kLanesPerRow * i];

  // Rows past the end compute on a copy of the last row's position (their lanes must still take
  // part in the shuffles) and store nothing.
  const int qpos = a.context_before + min(q0 + row, a.new_tokens - 1);
  const int kv_end = a.context_before + min(q0 + kRows, a.new_tokens);  // keys any row here sees
  float m = -INFINITY, l = 0.f;
  float acc[kDims];
#pragma unroll
  for (int i = 0; i < kDims; ++i) acc[i] = 0.f;

  for (int kv0 = 0; kv0 < kv_end; kv0 += kKeys) {
    __syncthreads();  // every lane is done with the previous tile
    for (int e = tid; e < kKeys * D / kVec; e += kPrefillThreads) {
      const int r = e / (D / kVec), c = (e % (D / kVec)) * kVec;
      const int p = kv0 + r;
      uint4 kx = make_uint4(0, 0, 0, 0), vx = make_uint4(0, 0, 0, 0);  // zeros past the end: 0 * V, never NaN
      if (p < total) {
        kx = *reinterpret_cast<const uint4*>(k + (int64_t{b} * total + p) * a.k_stride + int64_t{g} * D + c);
        vx = *reinterpret_cast<const uint4*>(v + (int64_t{b} * total + p) * a.v_stride + int64_t{g} * D + c);
      }
      *reinterpret_cast<uint4*>(&k_s[r][c]) = kx;
      *reinterpret_cast<uint4*>(&v_s[r][c]) = vx;
    }
    __syncthreads();

    float s[kKeys];
    float tile_max = -INFINITY;
#pragma unroll
    for (int j = 0; j < kKeys; ++j) {
      float part = 0.f;
#pragma unroll
      for (int i = 0; i < kDims; ++i) part = fmaf(q_r[i], bf(k_s[j][sub + kLanesPerRow * i]), part);
      part += __shfl_xor_sync(0xffffffffu, part, 1);
      part += __shfl_xor_sync(0xffffffffu, part, 2);
      s[j] = kv0 + j <= qpos ? part : -INFINITY;  // causal mask (also hides keys past the end)
      tile_max = fmaxf(tile_max, s[j]);
    }
    // Online softmax (FlashAttention, Algorithm 1, lines 10-12): rescale what was accumulated
    // to the new running maximum. Key 0 is in the first tile and visible to every row, so m is
    // finite from the first tile on and exp2f(m - m_new) is never exp2f(NaN).
    const float m_new = fmaxf(m, tile_max);
    const float corr = exp2f(m - m_new);
    l *= corr;
#pragma unroll
    for (int i = 0; i < kDims; ++i) acc[i] *= corr;
#pragma unroll
    for (int j = 0; j < kKeys; ++j) {
      const float p = exp2f(s[j] - m_new);
      l += p;
#pragma unroll
      for (int i = 0; i < kDims; ++i) acc[i] = fmaf(p, bf(v_s[j][sub + kLanesPerRow * i]), acc[i]);
    }
    m = m_new;
  }

  __syncthreads();
  const float inv_l = 1.f / l;
#pragma unroll
  for (int i = 0; i < kDims; ++i) q_s[row][sub + kLanesPerRow * i] = acc[i] * inv_l;
  __syncthreads();
  auto* o = static_cast<__nv_bfloat16*>(a.o);
  for (int e = tid; e < kRows * D; e += kPrefillThreads) {
    const int r = e / D, d = e % D;
    const int t = q0 + r;
    if (t < a.new_tokens) o[(int64_t{b} * a.new_tokens + t) * a.o_stride + int64_t{h} * D + d] = __float2bfloat16(q_s[r][d]);
  }
}

// ---------------------------------------------------------------------------------------------
// Paged decode. A thread block owns one KV head of one sequence (and one context partition),
// and serves all the query heads that share that KV head, so each K/V element is read from
// memory once per group (the GQA saving). Each warp walks every fourth token; a lane owns D/32
// neighbouring dimensions. The four warps' partial softmax states are merged in shared memory.
constexpr int kDecodeWarps = 4;
constexpr int kDecodeThreads = 32 * kDecodeWarps;
constexpr int kMaxGroup = 8;  // query heads per KV head; every catalogue model has at most 8

template <int D>
__global__ void __launch_bounds__(kDecodeThreads) decode_kernel(DecodeArgs a, float q_scale) {
  constexpr int kDims = D / 32;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int split = blockIdx.x, g = blockIdx.y, b = blockIdx.z;
  const int group = a.heads / a.kv_heads;
  const int context = a.context_lens[b];
  const int per_split = (context + a.splits - 1) / a.splits;
  const int start = split * per_split;
  const int end = min(context, start + per_split);

  const auto* q = static_cast<const __nv_bfloat16*>(a.q) + int64_t{b} * a.q_stride + int64_t{g} * group * D;
  float q_r[kMaxGroup][kDims];
  float m[kMaxGroup], l[kMaxGroup], acc[kMaxGroup][kDims];
#pragma unroll
  for (int gi = 0; gi < kMaxGroup; ++gi) {
    m[gi] = -INFINITY;
    l[gi] = 0.f;
#pragma unroll
    for (int i = 0; i < kDims; ++i) {
      q_r[gi][i] = gi < group ? bf(q[gi * D + lane * kDims + i]) * q_scale : 0.f;
      acc[gi][i] = 0.f;
    }
  }

  const auto* kc = static_cast<const __nv_bfloat16*>(a.k_cache);
  const auto* vc = static_cast<const __nv_bfloat16*>(a.v_cache);
  const int32_t* table = a.block_table + int64_t{b} * a.max_blocks_per_seq;
  for (int p = start + warp; p < end; p += kDecodeWarps) {
    const int64_t block = table[p / a.block_size];
    const int64_t offset = ((block * a.block_size + p % a.block_size) * a.kv_heads + g) * D + lane * kDims;
    float k_r[kDims], v_r[kDims];
#pragma unroll
    for (int i = 0; i < kDims; i += 2) {
      const float2 kf = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(kc + offset + i));
      const float2 vf = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(vc + offset + i));
      k_r[i] = kf.x;
      k_r[i + 1] = kf.y;
      v_r[i] = vf.x;
      v_r[i + 1] = vf.y;
    }
#pragma unroll
    for (int gi = 0; gi < kMaxGroup; ++gi) {
      if (gi >= group) break;
      float s = 0.f;
#pragma unroll
      for (int i = 0; i < kDims; ++i) s = fmaf(q_r[gi][i], k_r[i], s);
#pragma unroll
      for (int off = 16; off > 0; off /= 2) s += __shfl_xor_sync(0xffffffffu, s, off);
      const float m_new = fmaxf(m[gi], s);
      const float corr = exp2f(m[gi] - m_new);  // m[gi] = -inf the first time: corr = 0
      const float pe = exp2f(s - m_new);
      l[gi] = l[gi] * corr + pe;
#pragma unroll
      for (int i = 0; i < kDims; ++i) acc[gi][i] = fmaf(pe, v_r[i], acc[gi][i] * corr);
      m[gi] = m_new;
    }
  }

  // Merge the warps: each writes its state, then the block combines them per (head, dim).
  __shared__ float red_m[kDecodeWarps][kMaxGroup];
  __shared__ float red_l[kDecodeWarps][kMaxGroup];
  __shared__ float red_acc[kDecodeWarps][kMaxGroup][D];
#pragma unroll
  for (int gi = 0; gi < kMaxGroup; ++gi) {
    if (lane == 0) {
      red_m[warp][gi] = m[gi];
      red_l[warp][gi] = l[gi];
    }
#pragma unroll
    for (int i = 0; i < kDims; ++i) red_acc[warp][gi][lane * kDims + i] = acc[gi][i];
  }
  __syncthreads();
  for (int e = threadIdx.x; e < group * D; e += kDecodeThreads) {
    const int gi = e / D, d = e % D;
    float mx = -INFINITY;
    for (int w = 0; w < kDecodeWarps; ++w) mx = fmaxf(mx, red_m[w][gi]);
    float sum = 0.f, val = 0.f;
    if (mx != -INFINITY) {
      for (int w = 0; w < kDecodeWarps; ++w) {
        if (red_m[w][gi] == -INFINITY) continue;  // a warp that saw no token
        const float f = exp2f(red_m[w][gi] - mx);
        sum += red_l[w][gi] * f;
        val += red_acc[w][gi][d] * f;
      }
    }
    const int h = g * group + gi;
    if (a.splits == 1) {
      auto* o = static_cast<__nv_bfloat16*>(a.o) + int64_t{b} * a.o_stride + int64_t{h} * D;
      o[d] = __float2bfloat16(sum > 0.f ? val / sum : 0.f);
    } else {
      // Unnormalised partial state of this partition: acc[D], then max, then sum.
      float* ws = a.workspace + ((int64_t{b} * a.heads + h) * a.splits + split) * (D + 2);
      ws[d] = val;
      if (d == 0) {
        ws[D] = mx;
        ws[D + 1] = sum;
      }
    }
  }
}

template <int D>
__global__ void decode_merge_kernel(DecodeArgs a) {
  const int h = blockIdx.x, b = blockIdx.y, d = threadIdx.x;
  const float* ws = a.workspace + (int64_t{b} * a.heads + h) * a.splits * (D + 2);
  float mx = -INFINITY;
  for (int s = 0; s < a.splits; ++s) mx = fmaxf(mx, ws[s * (D + 2) + D]);
  float sum = 0.f, val = 0.f;
  if (mx != -INFINITY) {
    for (int s = 0; s < a.splits; ++s) {
      const float ms = ws[s * (D + 2) + D];
      if (ms == -INFINITY) continue;  // a partition past the end of a short context
      const float f = exp2f(ms - mx);
      sum += ws[s * (D + 2) + D + 1] * f;
      val += ws[s * (D + 2) + d] * f;
    }
  }
  auto* o = static_cast<__nv_bfloat16*>(a.o) + int64_t{b} * a.o_stride + int64_t{h} * D;
  o[d] = __float2bfloat16(sum > 0.f ? val / sum : 0.f);
}

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

}  // namespace

void launch_prefill_attention(const PrefillArgs& a, cudaStream_t stream) {
  if (a.head_dim != 64 && a.head_dim != 128) throw std::invalid_argument("prefill attention: head_dim must be 64 or 128");
  if (a.kv_heads < 1 || a.heads % a.kv_heads != 0) throw std::invalid_argument("prefill attention: heads must be a multiple of kv_heads");
  if (a.batch < 1 || a.new_tokens < 1 || a.context_before < 0) throw std::invalid_argument("prefill attention: empty batch");
  // K/V tiles are loaded 16 bytes at a time.
  if (!aligned16(a.k) || !aligned16(a.v) || a.k_stride % 8 != 0 || a.v_stride % 8 != 0) {
    throw std::invalid_argument("prefill attention: K and V must be 16-byte aligned with strides a multiple of 8 elements");
  }
  const dim3 grid(static_cast<unsigned>((a.new_tokens + kRows - 1) / kRows), static_cast<unsigned>(a.heads),
                  static_cast<unsigned>(a.batch));
  const float q_scale = kLog2e / std::sqrt(static_cast<float>(a.head_dim));
  if (a.head_dim == 64) prefill_kernel<64><<<grid, kPrefillThreads, 0, stream>>>(a, q_scale);
  else prefill_kernel<128><<<grid, kPrefillThreads, 0, stream>>>(a, q_scale);
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

int decode_splits(int batch, int kv_heads, int max_context, int sm_count) {
  const int blocks = std::max(1, batch * kv_heads);
  const int wanted = (2 * sm_count + blocks - 1) / blocks;
  const int most = std::max(1, max_context / 256);
  return std::clamp(wanted, 1, std::min(most, 64));
}

size_t decode_workspace_bytes(int batch, int heads, int head_dim, int splits) {
  return splits <= 1 ? 0 : static_cast<size_t>(batch) * heads * splits * (head_dim + 2) * sizeof(float);
}

void launch_paged_decode_attention(const DecodeArgs& a, cudaStream_t stream) {
  if (a.head_dim != 64 && a.head_dim != 128) throw std::invalid_argument("decode attention: head_dim must be 64 or 128");
  if (a.kv_heads < 1 || a.heads % a.kv_heads != 0 || a.heads / a.kv_heads > kMaxGroup) {
    throw std::invalid_argument("decode attention: heads must be a multiple of kv_heads, at most 8 per KV head");
  }
  if (a.batch < 1 || a.block_size < 1 || a.max_blocks_per_seq < 1 || a.splits < 1) throw std::invalid_argument("decode attention: bad shape");
  if (a.splits > 1 && a.workspace == nullptr) throw std::invalid_argument("decode attention: split context needs a workspace");
  const dim3 grid(static_cast<unsigned>(a.splits), static_cast<unsigned>(a.kv_heads), static_cast<unsigned>(a.batch));
  const float q_scale = kLog2e / std::sqrt(static_cast<float>(a.head_dim));
  const dim3 merge_grid(static_cast<unsigned>(a.heads), static_cast<unsigned>(a.batch));
  if (a.head_dim == 64) {
    decode_kernel<64><<<grid, kDecodeThreads, 0, stream>>>(a, q_scale);
    if (a.splits > 1) decode_merge_kernel<64><<<merge_grid, 64, 0, stream>>>(a);
  } else {
    decode_kernel<128><<<grid, kDecodeThreads, 0, stream>>>(a, q_scale);
    if (a.splits > 1) decode_merge_kernel<128><<<merge_grid, 128, 0, stream>>>(a);
  }
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

}  // namespace stratum::kernels
