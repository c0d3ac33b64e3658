#pragma once
// Catalogue-like literals for the calibration tests (the catalogue loader is tested elsewhere).
#include "stratum/scenarios/hardware.hpp"
#include "stratum/scenarios/model.hpp"

namespace stratum::calibration::testing {

// NVIDIA H100 SXM5 80 GB datasheet: 989 TFLOP/s dense BF16/FP16, 1,979 dense FP8, 3.35 TB/s HBM3,
// 80 GB (taken as 80 GiB, the capacity the driver reports is 81,559 MiB), PCIe 5.0 x16 64 GB/s.
inline scenarios::GpuSpec h100() {
  scenarios::GpuSpec g;
  g.id = "h100-sxm5-80gb";
  g.memory_bytes = 80.0 * (1ull << 30);
  g.memory_bandwidth = 3.35e12;
  g.peak_bf16_flops = 989e12;
  g.peak_fp16_flops = 989e12;
  g.peak_fp8_flops = 1979e12;
  g.peak_int8_ops = 1979e12;
  g.peak_fp32_flops = 67e12;
  g.nvlink_bandwidth = 450e9;
  g.pcie_bandwidth = 64e9;
  g.tdp_watts = 700;
  return g;
}

// NVIDIA A100 SXM4 80 GB datasheet: 312 TFLOP/s dense BF16, 2.039 TB/s, no FP8.
inline scenarios::GpuSpec a100() {
  scenarios::GpuSpec g;
  g.id = "a100-sxm4-80gb";
  g.memory_bytes = 80.0 * (1ull << 30);
  g.memory_bandwidth = 2.039e12;
  g.peak_bf16_flops = 312e12;
  g.peak_fp16_flops = 312e12;
  g.peak_int8_ops = 624e12;
  g.nvlink_bandwidth = 300e9;
  g.pcie_bandwidth = 32e9;
  return g;
}

inline scenarios::ModelSpec dense(const char* id, int64_t layers, int64_t hidden, int64_t heads, int64_t kv_heads,
                                  int64_t ffn, int64_t vocab, double params) {
  scenarios::ModelSpec m;
  m.id = id;
  m.layers = layers;
  m.hidden = hidden;
  m.heads = heads;
  m.kv_heads = kv_heads;
  m.head_dim = hidden / heads;
  m.ffn_hidden = ffn;
  m.vocab = vocab;
  m.max_context = 131072;
  m.params = params;
  return m;
}

// Hugging Face config.json of each model; `params` as published on the model cards.
inline scenarios::ModelSpec llama31_8b() { return dense("llama-3.1-8b", 32, 4096, 32, 8, 14336, 128256, 8.03e9); }
inline scenarios::ModelSpec llama31_70b() { return dense("llama-3.1-70b", 80, 8192, 64, 8, 28672, 128256, 70.6e9); }
inline scenarios::ModelSpec llama31_405b() {
  return dense("llama-3.1-405b", 126, 16384, 128, 8, 53248, 128256, 405.9e9);
}
inline scenarios::ModelSpec qwen25_7b() { return dense("qwen2.5-7b", 28, 3584, 28, 4, 18944, 152064, 7.61e9); }
inline scenarios::ModelSpec mixtral_8x7b() {
  scenarios::ModelSpec m = dense("mixtral-8x7b", 32, 4096, 32, 8, 14336, 32000, 46.7e9);
  m.experts = 8;
  m.experts_per_token = 2;
  m.max_context = 32768;
  return m;
}

}  // namespace stratum::calibration::testing
