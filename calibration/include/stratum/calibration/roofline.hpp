#pragma once
// Roofline cost model from catalogue figures: an operation takes the longer of its compute time
// at an achievable fraction of peak and its memory time at an achievable fraction of HBM
// bandwidth, plus a kernel launch overhead. Always available; measured profiles (issue 5)
// replace it where they cover a case.
#include <array>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/scenarios/hardware.hpp"

namespace stratum::calibration {

// Achievable fractions of datasheet peaks. Defaults are priors from published H100 measurements
// where such exist, and plainly marked assumptions otherwise; calibration profiles replace both.
struct RooflineEfficiency {
  // Large BF16/FP16 GEMM: public benchmark reports on H100 SXM measure about 700-800
  // TFLOP/s of the datasheet's 989 (70-80 %); the midpoint is taken. Prior, not a measurement of
  // ours.
  double gemm_16bit = 0.75;
  // FP8 GEMM: the same public H100 benchmark reports give about 1,300-1,400 of 1,979 TFLOP/s
  // (66-71 %); midpoint.
  double gemm_fp8 = 0.68;
  // INT8 / INT4 tensor-core GEMM: no published figure collected for this project. Assumption:
  // as FP8 (same tensor-core throughput class on Hopper); calibration replaces it.
  double gemm_int = 0.68;
  // Attention prefill (FlashAttention-2 forward, head dim 128, BF16, H100 SXM): about 300-370
  // TFLOP/s of 989 (Dao 2023, "FlashAttention-2", and the FlashAttention-2 baselines measured in
  // Shah et al. 2024, "FlashAttention-3"); 0.34 is the middle of that range. FLOPs counted with
  // the causal half, as those papers count them.
  double attention = 0.34;
  // Achievable share of peak HBM bandwidth for streaming kernels. Assumption (no published H100
  // figure collected): 0.85; decode attention and small-batch GEMMs are bound by it, so it is the
  // first number calibration should replace.
  double memory = 0.85;
  // Host link: PCIe 5.0 x16 is 64 GB/s per direction raw and about 55 GB/s is measured
  // host-to-device (PCIe 5.0 specification; NVIDIA bandwidthTest reports): 55 / 64.
  double host_link = 55.0 / 64.0;
  // Weight-only quantised GEMMs (W4A16 / W8A16: AWQ, GPTQ, FP8 on GPUs without FP8 tensor cores)
  // dequantise every weight on the CUDA cores before the 16-bit tensor-core MMA. Marlin (Frantar
  // et al. 2024, arXiv 2408.11743; IST-DASLab/marlin marlin_cuda_kernel.cu and vLLM's
  // gptq_marlin.cu, whose host loop splits problems of more than 64 rows into `par` slices of
  // 64 rows, thread_m_blocks <= 4 x 16) dequantises each weight tile once per 64-row slice. The
  // dequantisation hides under the weight loads while the GEMM is memory-bound (Marlin's near-ideal
  // 4x speedup up to batch 16-32, its README) but adds to the tensor-core time once compute-bound
  // (cuBLAS FP16 beats Marlin at long sequences on A100, IST-DASLab/marlin issue #2). Cost per
  // weight element and slice, in CUDA-core operations at peak_fp32. Assumption: 2 (unpack with a
  // lop3 / byte-permute, then one fused scale-and-zero-point FMA, as Marlin's dequant routine does
  // per element); calibration replaces it.
  double dequant_ops_per_weight = 2.0;
  double dequant_rows_per_pass = 64.0;
  // Fixed cost per kernel (launch and tail). Assumption: 4 us, the order of a CUDA kernel launch
  // without graphs; calibration replaces it.
  double launch_overhead_s = 4e-6;
};

class RooflineCostModel final : public CostModel {
 public:
  explicit RooflineCostModel(const scenarios::GpuSpec& gpu, RooflineEfficiency efficiency = {});

  Estimate gemm(int64_t m, int64_t n, int64_t k, Precision act, Precision weight) const override;
  Estimate grouped_gemm(double groups, int64_t m, int64_t n, int64_t k, Precision act,
                        Precision weight) const override;
  Estimate attention_prefill(std::span<const PrefillChunk> chunks, const AttentionShape& shape,
                             Precision kv) const override;
  Estimate attention_decode(std::span<const int64_t> context_lens, const AttentionShape& shape,
                            Precision kv) const override;
  Estimate elementwise(double bytes) const override;
  Estimate norm(int64_t tokens, int64_t hidden, Precision act) const override;
  Estimate collective(CollectiveKind kind, double bytes, int ranks, double link_bandwidth,
                      double link_latency) const override;
  Estimate copy(CopyKind kind, double bytes) const override;

  // Achieved FLOP/s of a GEMM whose inputs are in `act` (peak x efficiency, falling back to the
  // 16-bit peak where the GPU has no tensor cores for that format).
  double gemm_flops(Precision act) const { return gemm_flops_[index(act)]; }
  // Achieved bytes/s of HBM (peak x memory efficiency).
  double memory_bandwidth() const { return hbm_bandwidth_; }
  const RooflineEfficiency& efficiency() const { return efficiency_; }

 private:
  static constexpr int kPrecisions = 5;
  static int index(Precision p) { return static_cast<int>(p); }
  double bytes(Precision p) const { return bytes_[index(p)]; }
  Estimate bound(double flops, double flop_rate, double bytes_moved, double launches) const;

  scenarios::GpuSpec gpu_;
  RooflineEfficiency efficiency_;
  std::array<double, kPrecisions> gemm_flops_{};
  std::array<double, kPrecisions> bytes_{};
  double attention_flops_ = 0;
  double hbm_bandwidth_ = 0;
  double dequant_ops_rate_ = 0;  // CUDA-core operations per second for dequantisation (0: not costed)
};

}  // namespace stratum::calibration
