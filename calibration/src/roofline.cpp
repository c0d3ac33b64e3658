#include "stratum/calibration/roofline.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace stratum::calibration {

namespace {

// The 16-bit tensor-core peak: BF16, or FP16 for GPUs whose catalogue entry lists only FP16.
double peak_16bit(const scenarios::GpuSpec& gpu) {
  return gpu.peak_bf16_flops > 0 ? gpu.peak_bf16_flops : gpu.peak_fp16_flops;
}

}  // namespace

RooflineCostModel::RooflineCostModel(const scenarios::GpuSpec& gpu, RooflineEfficiency efficiency)
    : gpu_(gpu), efficiency_(efficiency) {
  const double p16 = peak_16bit(gpu);
  if (p16 <= 0 || gpu.memory_bandwidth <= 0) {
    throw std::invalid_argument("roofline cost model for GPU '" + gpu.id +
                                "' needs a positive BF16/FP16 peak and memory bandwidth");
  }
  const auto rate = [&](double peak, double eff) {
    // A format without tensor-core support on this GPU runs at the 16-bit rate (e.g. FP8 weights
    // on A100 are dequantised to BF16, as vLLM's Marlin FP8 path does on pre-Hopper GPUs).
    return peak > 0 ? peak * eff : p16 * efficiency_.gemm_16bit;
  };
  gemm_flops_[index(Precision::kBf16)] = p16 * efficiency_.gemm_16bit;
  gemm_flops_[index(Precision::kFp16)] =
      (gpu.peak_fp16_flops > 0 ? gpu.peak_fp16_flops : p16) * efficiency_.gemm_16bit;
  gemm_flops_[index(Precision::kFp8)] = rate(gpu.peak_fp8_flops, efficiency_.gemm_fp8);
  gemm_flops_[index(Precision::kInt8)] = rate(gpu.peak_int8_ops, efficiency_.gemm_int);
  // No catalogue field for INT4 tensor cores (Hopper has none): INT4 activations use INT8 rate.
  gemm_flops_[index(Precision::kInt4)] = rate(gpu.peak_int8_ops, efficiency_.gemm_int);
  for (int i = 0; i < kPrecisions; ++i) bytes_[i] = scenarios::bytes_per_element(static_cast<Precision>(i));
  // Attention kernels compute in 16 bits even over an FP8 KV cache (vLLM dequantises in-kernel).
  attention_flops_ = p16 * efficiency_.attention;
  hbm_bandwidth_ = gpu.memory_bandwidth * efficiency_.memory;
  // Dequantisation runs on the CUDA cores at the FP32 rate (one operation per lane and cycle). GPUs
  // whose entry has no FP32 figure (Ascend 910B) get no dequantisation cost: a stated gap.
  dequant_ops_rate_ = gpu.peak_fp32_flops;
}

Estimate RooflineCostModel::bound(double flops, double flop_rate, double bytes_moved, double launches) const {
  const double t = std::max(flops / flop_rate, bytes_moved / hbm_bandwidth_);
  return {t + launches * efficiency_.launch_overhead_s, Provenance::kRoofline};
}

Estimate RooflineCostModel::gemm(int64_t m, int64_t n, int64_t k, Precision act, Precision weight) const {
  return grouped_gemm(1.0, m, n, k, act, weight);
}

Estimate RooflineCostModel::grouped_gemm(double groups, int64_t m, int64_t n, int64_t k, Precision act,
                                         Precision weight) const {
  if (groups <= 0 || m <= 0 || n <= 0 || k <= 0) return {0, Provenance::kRoofline};
  const double dm = static_cast<double>(m), dn = static_cast<double>(n), dk = static_cast<double>(k);
  const double flops = groups * 2.0 * dm * dn * dk;
  // Read A (m x k) and B (k x n), write C (m x n). Weight-only quantised B is read at its own
  // width and dequantised in registers (W4A16 / W8A16), so compute runs at the activation rate.
  const double moved = groups * (dm * dk * bytes(act) + dk * dn * bytes(weight) + dm * dn * bytes(act));
  const bool weight_only = bytes(weight) < bytes(act) && (act == Precision::kBf16 || act == Precision::kFp16);
  if (!weight_only || dequant_ops_rate_ <= 0) return bound(flops, gemm_flops_[index(act)], moved, 1.0);
  // Weight-only: max(memory, tensor-core compute + dequantisation), see RooflineEfficiency.
  const double passes = std::ceil(dm / efficiency_.dequant_rows_per_pass);
  const double dequant_s = groups * dk * dn * passes * efficiency_.dequant_ops_per_weight / dequant_ops_rate_;
  const double t = std::max(flops / gemm_flops_[index(act)] + dequant_s, moved / hbm_bandwidth_);
  return {t + efficiency_.launch_overhead_s, Provenance::kRoofline};
}

Estimate RooflineCostModel::attention_prefill(std::span<const PrefillChunk> chunks, const AttentionShape& shape,
                                              Precision kv) const {
  if (chunks.empty()) return {0, Provenance::kRoofline};
  const double hd = static_cast<double>(shape.head_dim);
  const double h = static_cast<double>(shape.heads);
  const double kvh = static_cast<double>(shape.kv_heads);
  const double act = bytes_[index(Precision::kBf16)];  // Q and O are 16-bit
  double flops = 0, moved = 0;
  for (const PrefillChunk& c : chunks) {
    const double q = static_cast<double>(c.new_tokens);
    const double ctx = static_cast<double>(c.context_before);
    // QK^T and PV, 2 FLOP per multiply-add each, causal: query i sees ctx + i keys.
    if (shape.standard()) {
      flops += 4.0 * hd * h * q * (ctx + (q + 1.0) / 2.0);
      // Read Q, write O; read cached and new K, V; write new K, V into the paged cache.
      moved += 2.0 * q * h * hd * act + (ctx + q) * kvh * hd * 2.0 * bytes(kv) + q * kvh * hd * 2.0 * bytes(kv);
    } else {
      // QK^T over head_dim, PV over the value width; K and V of their own widths (read once when
      // shared), read for all keys and written for the new ones.
      const double vd = shape.value_dim > 0 ? static_cast<double>(shape.value_dim) : hd;
      const double kv_width = shape.shared_kv ? hd : hd + vd;
      flops += 2.0 * (hd + vd) * h * q * (ctx + (q + 1.0) / 2.0);
      moved += q * h * (hd + vd) * act + (ctx + q) * kvh * kv_width * bytes(kv) + q * kvh * kv_width * bytes(kv);
    }
  }
  // One variable-length kernel for the whole batch (FlashAttention varlen API).
  return bound(flops, attention_flops_, moved, 1.0);
}

Estimate RooflineCostModel::attention_decode(std::span<const int64_t> context_lens, const AttentionShape& shape,
                                             Precision kv) const {
  if (context_lens.empty()) return {0, Provenance::kRoofline};
  const double hd = static_cast<double>(shape.head_dim);
  const double h = static_cast<double>(shape.heads);
  const double kvh = static_cast<double>(shape.kv_heads);
  const double act = bytes_[index(Precision::kBf16)];
  double keys = 0;
  for (int64_t c : context_lens) keys += static_cast<double>(c) + 1.0;  // cached tokens + the new one
  const double seqs = static_cast<double>(context_lens.size());
  if (shape.standard()) {
    const double flops = 4.0 * hd * h * keys;
    // Memory-bound: every cached K and V byte is read once per step (paged decode attention).
    const double moved = keys * kvh * hd * 2.0 * bytes(kv) + 2.0 * seqs * h * hd * act;
    return bound(flops, attention_flops_, moved, 1.0);
  }
  // MLA decode (FlashMLA / vLLM MLA): scores over the key width, values of value_dim, the shared
  // latent read once per step.
  const double vd = shape.value_dim > 0 ? static_cast<double>(shape.value_dim) : hd;
  const double kv_width = shape.shared_kv ? hd : hd + vd;
  const double flops = 2.0 * (hd + vd) * h * keys;
  const double moved = keys * kvh * kv_width * bytes(kv) + seqs * h * (hd + vd) * act;
  return bound(flops, attention_flops_, moved, 1.0);
}

Estimate RooflineCostModel::elementwise(double moved) const {
  if (moved <= 0) return {0, Provenance::kRoofline};
  return bound(0, 1, moved, 1.0);
}

Estimate RooflineCostModel::norm(int64_t tokens, int64_t hidden, Precision act) const {
  if (tokens <= 0 || hidden <= 0) return {0, Provenance::kRoofline};
  // Read and write each row once, read the weight vector once; a handful of FLOPs per element is
  // far below the ridge point, so only bytes count.
  const double rows = static_cast<double>(tokens) * static_cast<double>(hidden);
  return bound(0, 1, (2.0 * rows + static_cast<double>(hidden)) * bytes(act), 1.0);
}

Estimate RooflineCostModel::collective(CollectiveKind kind, double size, int ranks, double link_bandwidth,
                                       double link_latency) const {
  if (ranks <= 1 || size <= 0) return {0, Provenance::kRoofline};
  if (link_bandwidth <= 0) {
    throw std::invalid_argument("collective among " + std::to_string(ranks) +
                                " ranks needs a positive link bandwidth");
  }
  // Alpha-beta costs of NCCL's ring algorithms (NVIDIA nccl-tests, doc/PERFORMANCE.md): with n
  // ranks, message S, per-step latency alpha and link bandwidth beta, each of the ring's steps
  // moves S / n bytes.
  const double n = ranks;
  const double step = link_latency + size / (n * link_bandwidth);
  double t = 0;
  switch (kind) {
    case CollectiveKind::kAllReduce:
      t = 2.0 * (n - 1.0) * step;  // reduce-scatter then all-gather: busbw = algbw x 2(n-1)/n
      break;
    case CollectiveKind::kAllGather:
    case CollectiveKind::kReduceScatter:
    case CollectiveKind::kAllToAll:
      t = (n - 1.0) * step;  // busbw = algbw x (n-1)/n; S is the full (gathered) buffer
      break;
    case CollectiveKind::kBroadcast:
      // Pipelined ring broadcast: busbw = algbw, so S / beta, plus n-1 hops to fill the pipeline.
      t = (n - 1.0) * link_latency + size / link_bandwidth;
      break;
    case CollectiveKind::kSendRecv:
      t = link_latency + size / link_bandwidth;  // busbw = algbw
      break;
  }
  return {t, Provenance::kRoofline};
}

Estimate RooflineCostModel::copy(CopyKind kind, double size) const {
  if (size <= 0) return {0, Provenance::kRoofline};
  double t = 0;
  switch (kind) {
    case CopyKind::kHostToDevice:
    case CopyKind::kDeviceToHost:
      if (gpu_.pcie_bandwidth <= 0) throw std::invalid_argument("GPU '" + gpu_.id + "' has no host link bandwidth");
      t = size / (gpu_.pcie_bandwidth * efficiency_.host_link);
      break;
    case CopyKind::kDeviceToDevice:
      t = 2.0 * size / hbm_bandwidth_;  // a device-local copy reads and writes every byte
      break;
    case CopyKind::kPeer: {
      // NVLink when present, else through the PCIe host link. No efficiency factor is known for
      // peer copies (assumption: peak; calibration replaces it).
      const double link = gpu_.nvlink_bandwidth > 0 ? gpu_.nvlink_bandwidth : gpu_.pcie_bandwidth;
      if (link <= 0) throw std::invalid_argument("GPU '" + gpu_.id + "' has no peer link bandwidth");
      t = size / link;
      break;
    }
  }
  return {t + efficiency_.launch_overhead_s, Provenance::kRoofline};
}

}  // namespace stratum::calibration
