// Random inputs and reference checks (reference.hpp). Deliberately simple: one thread per
// sampled output, no tiling, wide accumulators. Speed does not matter here, being obviously
// right does.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/device_buffer.hpp"
#include "stratum/kernels/reference.hpp"

namespace stratum::kernels {
namespace {

using scenarios::Precision;

// SplitMix64 finaliser (Steele, Lea & Flood, OOPSLA 2014): a counter-based generator, so any
// thread can draw element i's value without state.
__host__ __device__ inline uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
__device__ inline float uniform(uint64_t seed, uint64_t i) {  // [-1, 1)
  return static_cast<float>(mix(seed ^ mix(i)) >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

__device__ inline float to_f(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ inline float to_f(__half x) { return __half2float(x); }
__device__ inline float to_f(__nv_fp8_e4m3 x) { return static_cast<float>(x); }
template <class T>
__device__ inline T from_f(float x);
template <>
__device__ inline __nv_bfloat16 from_f<__nv_bfloat16>(float x) { return __float2bfloat16(x); }
template <>
__device__ inline __half from_f<__half>(float x) { return __float2half(x); }
template <>
__device__ inline __nv_fp8_e4m3 from_f<__nv_fp8_e4m3>(float x) { return __nv_fp8_e4m3(x); }

template <class T>
__global__ void fill_kernel(T* data, int64_t count, uint64_t seed, float scale) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    data[i] = from_f<T>(scale * uniform(seed, static_cast<uint64_t>(i)));
  }
}

template <class T>
__global__ void constant_kernel(T* data, int64_t count, float value) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    data[i] = from_f<T>(value);
  }
}

int grid_for(int64_t count, int threads) {
  const int64_t blocks = (count + threads - 1) / threads;
  return static_cast<int>(blocks < 65535 * 16 ? (blocks < 1 ? 1 : blocks) : 65535 * 16);
}

template <class TIn, class TOut>
__global__ void check_gemm_kernel(const TIn* x, const TIn* w, const TOut* y, int64_t m, int64_t n, int64_t k,
                                  int64_t groups, int64_t samples, uint64_t seed, double rel, double abs_tol,
                                  double* ratio, double* error) {
  const int64_t s = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (s >= samples) return;
  const uint64_t h = mix(seed ^ mix(static_cast<uint64_t>(s)));
  const int64_t g = static_cast<int64_t>(h % static_cast<uint64_t>(groups));
  const int64_t i = static_cast<int64_t>(mix(h) % static_cast<uint64_t>(m));
  const int64_t j = static_cast<int64_t>(mix(h + 1) % static_cast<uint64_t>(n));
  const TIn* xr = x + (g * m + i) * k;
  const TIn* wr = w + (g * n + j) * k;
  double ref = 0, norm = 0;
  for (int64_t kk = 0; kk < k; ++kk) {
    const double p = static_cast<double>(to_f(xr[kk])) * static_cast<double>(to_f(wr[kk]));
    ref += p;
    norm += fabs(p);
  }
  const double got = to_f(y[(g * m + i) * n + j]);
  const double err = fabs(got - ref);
  const double tol = rel * fabs(ref) + abs_tol * norm + 1e-30;
  ratio[s] = isfinite(got) ? err / tol : INFINITY;
  error[s] = err;
}

CheckResult collect(const DeviceBuffer& ratio, const DeviceBuffer& error, int64_t samples, cudaStream_t stream) {
  std::vector<double> r(static_cast<size_t>(samples)), e(static_cast<size_t>(samples));
  STRATUM_CUDA_CHECK(cudaMemcpyAsync(r.data(), ratio.get(), r.size() * sizeof(double), cudaMemcpyDeviceToHost, stream));
  STRATUM_CUDA_CHECK(cudaMemcpyAsync(e.data(), error.get(), e.size() * sizeof(double), cudaMemcpyDeviceToHost, stream));
  STRATUM_CUDA_CHECK(cudaStreamSynchronize(stream));
  CheckResult c;
  c.checked = samples;
  for (size_t i = 0; i < r.size(); ++i) {
    if (!(r[i] <= 1.0)) ++c.failed;  // NaN counts as a failure
    if (!(r[i] <= c.worst_ratio)) {
      c.worst_ratio = r[i];
      c.worst_abs_error = e[i];
    }
  }
  return c;
}

// Reference attention for one query row: two passes over the keys (max, then exp-sum and
// weighted V), FP32. `keys` keys visible; key p's K row at k + p * k_token_stride, V row at
// v + p * v_token_stride.
template <int D>
__device__ void reference_row(const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v,
                              int64_t k_token_stride, int64_t v_token_stride, int keys, const __nv_bfloat16* o, double* ratio, double* error) {
  const float scale = rsqrtf(static_cast<float>(D));
  float mx = -INFINITY;
  for (int p = 0; p < keys; ++p) {
    float s = 0;
    for (int d = 0; d < D; ++d) s += to_f(q[d]) * to_f(k[p * k_token_stride + d]);
    mx = fmaxf(mx, s * scale);
  }
  float acc[D];
  for (int d = 0; d < D; ++d) acc[d] = 0;
  float sum = 0;
  for (int p = 0; p < keys; ++p) {
    float s = 0;
    for (int d = 0; d < D; ++d) s += to_f(q[d]) * to_f(k[p * k_token_stride + d]);
    const float e = expf(s * scale - mx);
    sum += e;
    for (int d = 0; d < D; ++d) acc[d] += e * to_f(v[p * v_token_stride + d]);
  }
  double worst = 0, worst_err = 0;
  for (int d = 0; d < D; ++d) {
    const double ref = acc[d] / sum;
    const double got = to_f(o[d]);
    const double err = fabs(got - ref);
    const double r = isfinite(got) ? err / (kAttentionRel * fabs(ref) + kAttentionAbs) : INFINITY;
    if (!(r <= worst)) {
      worst = r;
      worst_err = err;
    }
  }
  *ratio = worst;
  *error = worst_err;
}

template <int D>
__global__ void check_prefill_kernel(PrefillArgs a, int64_t samples, uint64_t seed, double* ratio, double* error) {
  const int64_t s = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (s >= samples) return;
  const uint64_t h0 = mix(seed ^ mix(static_cast<uint64_t>(s)));
  const int b = static_cast<int>(h0 % static_cast<uint64_t>(a.batch));
  const int t = static_cast<int>(mix(h0) % static_cast<uint64_t>(a.new_tokens));
  const int h = static_cast<int>(mix(h0 + 1) % static_cast<uint64_t>(a.heads));
  const int g = h / (a.heads / a.kv_heads);
  const int64_t total = a.context_before + a.new_tokens;
  const auto* q = static_cast<const __nv_bfloat16*>(a.q) + (int64_t{b} * a.new_tokens + t) * a.q_stride + int64_t{h} * D;
  const auto* o = static_cast<const __nv_bfloat16*>(a.o) + (int64_t{b} * a.new_tokens + t) * a.o_stride + int64_t{h} * D;
  const auto* k = static_cast<const __nv_bfloat16*>(a.k) + int64_t{b} * total * a.k_stride + int64_t{g} * D;
  const auto* v = static_cast<const __nv_bfloat16*>(a.v) + int64_t{b} * total * a.v_stride + int64_t{g} * D;
  reference_row<D>(q, k, v, a.k_stride, a.v_stride, a.context_before + t + 1, o, ratio + s, error + s);
}

template <int D>
__global__ void check_decode_kernel(DecodeArgs a, const __nv_bfloat16* kc, const __nv_bfloat16* vc, int64_t samples,
                                    uint64_t seed, double* ratio, double* error) {
  const int64_t s = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (s >= samples) return;
  const uint64_t h0 = mix(seed ^ mix(static_cast<uint64_t>(s)));
  const int b = static_cast<int>(h0 % static_cast<uint64_t>(a.batch));
  const int h = static_cast<int>(mix(h0 + 1) % static_cast<uint64_t>(a.heads));
  const int g = h / (a.heads / a.kv_heads);
  const int64_t row = int64_t{a.kv_heads} * D;
  const int64_t base = int64_t{b} * a.max_context * row + int64_t{g} * D;
  const auto* q = static_cast<const __nv_bfloat16*>(a.q) + int64_t{b} * a.q_stride + int64_t{h} * D;
  const auto* o = static_cast<const __nv_bfloat16*>(a.o) + int64_t{b} * a.o_stride + int64_t{h} * D;
  reference_row<D>(q, kc + base, vc + base, row, row, a.context_lens[b], o, ratio + s, error + s);
}

__global__ void scatter_kernel(const __nv_bfloat16* kc, const __nv_bfloat16* vc, __nv_bfloat16* kp, __nv_bfloat16* vp,
                               DecodeArgs a) {
  const int b = blockIdx.y;
  const int64_t row = int64_t{a.kv_heads} * a.head_dim;
  const int64_t n = int64_t{a.context_lens[b]} * row;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t p = i / row, e = i % row;
    const int64_t block = a.block_table[int64_t{b} * a.max_blocks_per_seq + p / a.block_size];
    const int64_t dst = (block * a.block_size + p % a.block_size) * row + e;
    const int64_t src = (int64_t{b} * a.max_context + p) * row + e;
    kp[dst] = kc[src];
    vp[dst] = vc[src];
  }
}

constexpr int kThreads = 128;

}  // namespace

std::string CheckResult::summary() const {
  std::ostringstream s;
  s << failed << " of " << checked << " sampled outputs outside tolerance; worst error " << worst_abs_error << " ("
    << worst_ratio << " x tolerance)";
  return s.str();
}

GemmTolerance gemm_tolerance(Precision dtype) {
  if (dtype == Precision::kFp8) return {1.0 / 128.0, 1.0 / 1024.0};
  return {1.0 / 128.0, 1.0 / 65536.0};
}

void fill_random(void* data, int64_t count, Precision dtype, uint64_t seed, float scale, cudaStream_t stream) {
  const int grid = grid_for(count, 256);
  switch (dtype) {
    case Precision::kBf16: fill_kernel<<<grid, 256, 0, stream>>>(static_cast<__nv_bfloat16*>(data), count, seed, scale); break;
    case Precision::kFp16: fill_kernel<<<grid, 256, 0, stream>>>(static_cast<__half*>(data), count, seed, scale); break;
    case Precision::kFp8: fill_kernel<<<grid, 256, 0, stream>>>(static_cast<__nv_fp8_e4m3*>(data), count, seed, scale); break;
    default: throw std::invalid_argument(std::string("fill_random: unsupported precision ") + scenarios::to_string(dtype));
  }
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

void fill_constant(void* data, int64_t count, Precision dtype, float value, cudaStream_t stream) {
  const int grid = grid_for(count, 256);
  switch (dtype) {
    case Precision::kBf16: constant_kernel<<<grid, 256, 0, stream>>>(static_cast<__nv_bfloat16*>(data), count, value); break;
    case Precision::kFp16: constant_kernel<<<grid, 256, 0, stream>>>(static_cast<__half*>(data), count, value); break;
    case Precision::kFp8: constant_kernel<<<grid, 256, 0, stream>>>(static_cast<__nv_fp8_e4m3*>(data), count, value); break;
    default: throw std::invalid_argument(std::string("fill_constant: unsupported precision ") + scenarios::to_string(dtype));
  }
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

CheckResult check_gemm(const GemmProblem& p, const void* x, const void* w, const void* y, int64_t samples, uint64_t seed,
                       cudaStream_t stream) {
  DeviceBuffer ratio(static_cast<size_t>(samples) * sizeof(double)), error(static_cast<size_t>(samples) * sizeof(double));
  const GemmTolerance tol = gemm_tolerance(p.dtype);
  const int grid = static_cast<int>((samples + kThreads - 1) / kThreads);
  auto* r = ratio.as<double>();
  auto* e = error.as<double>();
  switch (p.dtype) {
    case Precision::kBf16:
      check_gemm_kernel<<<grid, kThreads, 0, stream>>>(static_cast<const __nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(w),
                                                       static_cast<const __nv_bfloat16*>(y), p.m, p.n, p.k, p.groups, samples,
                                                       seed, tol.rel, tol.abs, r, e);
      break;
    case Precision::kFp16:
      check_gemm_kernel<<<grid, kThreads, 0, stream>>>(static_cast<const __half*>(x), static_cast<const __half*>(w),
                                                       static_cast<const __half*>(y), p.m, p.n, p.k, p.groups, samples, seed,
                                                       tol.rel, tol.abs, r, e);
      break;
    case Precision::kFp8:
      check_gemm_kernel<<<grid, kThreads, 0, stream>>>(static_cast<const __nv_fp8_e4m3*>(x), static_cast<const __nv_fp8_e4m3*>(w),
                                                       static_cast<const __nv_bfloat16*>(y), p.m, p.n, p.k, p.groups, samples,
                                                       seed, tol.rel, tol.abs, r, e);
      break;
    default: throw std::invalid_argument("check_gemm: unsupported precision");
  }
  STRATUM_CUDA_CHECK(cudaGetLastError());
  return collect(ratio, error, samples, stream);
}

CheckResult check_prefill(const PrefillArgs& a, int64_t samples, uint64_t seed, cudaStream_t stream) {
  if (a.kv_heads < 1 || a.heads % a.kv_heads != 0 || a.new_tokens < 1) throw std::invalid_argument("check_prefill: bad shape");
  DeviceBuffer ratio(static_cast<size_t>(samples) * sizeof(double)), error(static_cast<size_t>(samples) * sizeof(double));
  const int grid = static_cast<int>((samples + kThreads - 1) / kThreads);
  if (a.head_dim == 64) check_prefill_kernel<64><<<grid, kThreads, 0, stream>>>(a, samples, seed, ratio.as<double>(), error.as<double>());
  else if (a.head_dim == 128) check_prefill_kernel<128><<<grid, kThreads, 0, stream>>>(a, samples, seed, ratio.as<double>(), error.as<double>());
  else throw std::invalid_argument("check_prefill: head_dim must be 64 or 128");
  STRATUM_CUDA_CHECK(cudaGetLastError());
  return collect(ratio, error, samples, stream);
}

CheckResult check_decode(const DecodeArgs& a, const void* k_contig, const void* v_contig, int64_t samples, uint64_t seed,
                         cudaStream_t stream) {
  if (a.kv_heads < 1 || a.heads % a.kv_heads != 0) throw std::invalid_argument("check_decode: bad shape");
  DeviceBuffer ratio(static_cast<size_t>(samples) * sizeof(double)), error(static_cast<size_t>(samples) * sizeof(double));
  const int grid = static_cast<int>((samples + kThreads - 1) / kThreads);
  const auto* kc = static_cast<const __nv_bfloat16*>(k_contig);
  const auto* vc = static_cast<const __nv_bfloat16*>(v_contig);
  if (a.head_dim == 64) check_decode_kernel<64><<<grid, kThreads, 0, stream>>>(a, kc, vc, samples, seed, ratio.as<double>(), error.as<double>());
  else if (a.head_dim == 128) check_decode_kernel<128><<<grid, kThreads, 0, stream>>>(a, kc, vc, samples, seed, ratio.as<double>(), error.as<double>());
  else throw std::invalid_argument("check_decode: head_dim must be 64 or 128");
  STRATUM_CUDA_CHECK(cudaGetLastError());
  return collect(ratio, error, samples, stream);
}

void scatter_to_paged(const void* k_contig, const void* v_contig, void* k_cache, void* v_cache, const DecodeArgs& layout,
                      cudaStream_t stream) {
  const dim3 grid(256, static_cast<unsigned>(layout.batch));
  scatter_kernel<<<grid, 256, 0, stream>>>(static_cast<const __nv_bfloat16*>(k_contig), static_cast<const __nv_bfloat16*>(v_contig),
                                           static_cast<__nv_bfloat16*>(k_cache), static_cast<__nv_bfloat16*>(v_cache), layout);
  STRATUM_CUDA_CHECK(cudaGetLastError());
}

}  // namespace stratum::kernels
