#pragma once
// Cost model from a measured calibration profile (DESIGN.md section 5): measured kernel times,
// interpolated in log space between grid points, extrapolated only along a fitted curve and
// flagged so, with the roofline model standing in for whatever the profile does not cover.
// Every answer says which of the four it is.
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/calibration/interpolation.hpp"
#include "stratum/calibration/roofline.hpp"
#include "stratum/scenarios/hardware.hpp"
#include "stratum/scenarios/profile.hpp"

namespace stratum::calibration {

class ProfileCostModel final : public CostModel {
 public:
  // `gpu` is the catalogue entry of the profiled GPU, for the roofline fallback.
  ProfileCostModel(const scenarios::Profile& profile, const scenarios::GpuSpec& gpu);

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

  // Causal attention FLOPs of a prefill: 4 x head_dim x heads x new x (context + (new + 1) / 2),
  // the x-axis along which prefill samples are interpolated.
  static double prefill_flops(std::span<const PrefillChunk> chunks, const AttentionShape& shape);

  // What the profile covers, for `stratum calibrate-report`.
  struct Coverage {
    int gemm_series = 0, grouped_gemm_series = 0, prefill_series = 0, decode_series = 0;
    int collective_fits = 0, copy_fits = 0;
  };
  Coverage coverage() const;
  const std::map<std::tuple<int, int>, std::vector<AlphaBeta>>& collective_fits() const { return collectives_; }

 private:
  // (dtype, n, k) -> time over m; grouped: over groups x m.
  using GemmKey = std::tuple<int, int64_t, int64_t>;
  // (dtype, heads, kv_heads, head_dim)
  using AttentionKey = std::tuple<int, int64_t, int64_t, int64_t>;

  RooflineCostModel roofline_;
  std::map<GemmKey, LogLogSeries> gemm_;
  std::map<GemmKey, LogLogSeries> grouped_gemm_;
  std::map<AttentionKey, LogLogSeries> prefill_;  // over attention FLOPs
  std::map<AttentionKey, LogLogSeries> decode_;   // over KV tokens read (sum of contexts)
  // (op, ranks) -> one fit per algorithm the profile measured (NCCL_ALGO forced, or NCCL's pick).
  std::map<std::tuple<int, int>, std::vector<AlphaBeta>> collectives_;
  std::map<std::tuple<int, bool>, AlphaBeta> copies_;      // (direction, pinned)
};

}  // namespace stratum::calibration
