#pragma once
// The measurement sweeps stratum-calibrate runs. Each checks a case's numerical result against
// its reference before timing it; a case that fails its check, or that the library cannot run,
// is left out of the profile and recorded in the log (a failed check makes the tool fail).
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "stratum/kernels/device_info.hpp"
#include "stratum/kernels/event_timer.hpp"
#include "stratum/kernels/shape_grid.hpp"
#include "stratum/scenarios/profile.hpp"

namespace stratum::kernels {

struct SweepLog {
  std::vector<std::string> failures;  // reference checks that failed
  std::vector<std::string> notes;     // cases left out, and why
  bool verbose = true;                // progress lines on stderr
  void progress(std::string_view sweep, size_t done, size_t total) const;
};

struct SweepContext {
  int device = 0;
  DeviceCaps caps;
  TimingConfig timing;
  cudaStream_t stream = nullptr;
  SweepLog* log = nullptr;
};

// GEMMs of `shapes` in each of `dtypes` the GPU supports (FP8 only with compute capability 8.9+).
void run_gemm_sweep(const std::vector<GemmShape>& shapes, const std::vector<scenarios::Precision>& dtypes,
                    SweepContext& ctx, std::vector<scenarios::GemmSample>& out);

void run_prefill_sweep(const std::vector<PrefillCase>& cases, SweepContext& ctx,
                       std::vector<scenarios::AttentionPrefillSample>& out);
void run_decode_sweep(const std::vector<DecodeCase>& cases, SweepContext& ctx,
                      std::vector<scenarios::AttentionDecodeSample>& out);

// NCCL collectives on 1..N GPUs of this machine (one process, ncclCommInitAll), BF16 data.
// `bytes` follows nccl-tests' "size" (doc/PERFORMANCE.md): the per-rank buffer for all-reduce,
// the gathered (all-gather) or scattered (reduce-scatter) total, the per-rank send buffer for
// all-to-all, the message for send/recv (ranks 0 -> 1, measured with 2 ranks).
void run_collective_sweep(const std::vector<double>& sizes, SweepContext& ctx,
                          std::vector<scenarios::CollectiveSample>& out);

// Host-to-device and device-to-host (pinned and pageable) and device-to-device copies.
void run_copy_sweep(const std::vector<double>& sizes, SweepContext& ctx, std::vector<scenarios::CopySample>& out);

// Real transformer layers (transformer_layer.hpp), timed end to end.
void run_layer_sweep(const std::vector<LayerCase>& cases, SweepContext& ctx, std::vector<scenarios::LayerSample>& out);

}  // namespace stratum::kernels
