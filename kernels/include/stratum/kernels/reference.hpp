#pragma once
// Reference computations that decide whether a kernel's result may be timed: random inputs, and
// straightforward FP32/FP64 recomputation of sampled outputs on the GPU (sampling keeps the check
// cheap for the largest shapes while still touching every region of the output at random).
#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

#include "stratum/kernels/attention.hpp"
#include "stratum/kernels/cublaslt_gemm.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::kernels {

// Fills `count` elements (BF16, FP16 or FP8 E4M3) with values uniform in [-scale, scale] from a
// counter-based hash of (seed, index): deterministic, and fast for gigabytes.
void fill_random(void* data, int64_t count, scenarios::Precision dtype, uint64_t seed, float scale, cudaStream_t stream);

// Sets `count` elements to `value` (rounded to the precision): known inputs for collectives.
void fill_constant(void* data, int64_t count, scenarios::Precision dtype, float value, cudaStream_t stream);

// Outcome of comparing sampled outputs with the reference: each sample's error divided by its
// tolerance; the check passes when the worst ratio is at most 1.
struct CheckResult {
  int64_t checked = 0, failed = 0;
  double worst_ratio = 0;      // max |got - ref| / tolerance
  double worst_abs_error = 0;  // |got - ref| at the worst sample
  bool ok() const { return checked > 0 && failed == 0; }
  std::string summary() const;
};

// GEMM tolerance: |y - ref| <= rel * |ref| + abs * sum_k |x_ik w_jk|. rel covers rounding Y to
// BF16 (unit roundoff 2^-8; FP16 2^-11) with a factor 2 margin: 2^-7. abs covers accumulation
// order: FP32 accumulation is exact enough that 2^-16 of the absolute sum leaves room for any
// summation order at k <= 65,536 in practice; FP8 tensor cores accumulate with about 14 bits
// (DeepSeek-V3 technical report, arXiv 2412.19437, section 3.3.2), hence 2^-10 for FP8.
struct GemmTolerance {
  double rel = 0, abs = 0;
};
GemmTolerance gemm_tolerance(scenarios::Precision dtype);

// Recomputes `samples` random entries of Y (in FP64 from the same inputs) and compares.
CheckResult check_gemm(const GemmProblem& problem, const void* x, const void* w, const void* y, int64_t samples,
                       uint64_t seed, cudaStream_t stream);

// Attention tolerance: |o - ref| <= 2^-7 |ref| + 1e-3. 2^-7 is twice BF16's unit roundoff (the
// output is rounded to BF16); 1e-3 absolute covers FP32 exponentials and summation order for
// values of V in [-1, 1], and is well below the change a wrong mask or a wrong KV head makes.
constexpr double kAttentionRel = 1.0 / 128.0;
constexpr double kAttentionAbs = 1e-3;

// Naive attention (two passes over the keys, FP32) for `samples` random (b, t, h) query rows,
// compared with args.o.
CheckResult check_prefill(const PrefillArgs& args, int64_t samples, uint64_t seed, cudaStream_t stream);

// Naive decode attention for `samples` random (b, h) rows reading K/V from contiguous tensors
// k_contig / v_contig ([batch][max_context][kv_heads][head_dim]), not through the block table,
// so that a paging bug shows; compared with args.o.
CheckResult check_decode(const DecodeArgs& args, const void* k_contig, const void* v_contig, int64_t samples,
                         uint64_t seed, cudaStream_t stream);

// Copies contiguous K/V ([batch][max_context][kv_heads][head_dim]) into the paged caches
// k_cache / v_cache through layout.block_table, for the first context_lens[b] tokens of each
// sequence (layout gives the dimensions, block size and table).
void scatter_to_paged(const void* k_contig, const void* v_contig, void* k_cache, void* v_cache,
                      const DecodeArgs& layout, cudaStream_t stream);

}  // namespace stratum::kernels
