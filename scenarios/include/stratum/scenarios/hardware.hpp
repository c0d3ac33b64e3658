#pragma once
// Hardware catalogue entries as plain structs, SI units (bytes, bytes/s, FLOP/s, watts, seconds).
// Loaded from scenarios/catalog/gpus.pbtxt; every entry cites its datasheet in `source`.
#include <string>

namespace stratum::scenarios {

struct GpuSpec {
  std::string id;        // catalogue id, e.g. "h100-sxm5-80gb"
  std::string name;      // marketing name
  std::string source;    // datasheet or paper the figures come from
  bool secondary_source = false;  // figures from secondary reports (e.g. Ascend 910B)
  double memory_bytes = 0;        // device memory capacity
  double memory_bandwidth = 0;    // bytes/s, peak
  // Dense (non-sparse) peak throughput per data type, FLOP/s (or OP/s for INT8). 0 = unsupported.
  double peak_bf16_flops = 0;
  double peak_fp16_flops = 0;
  double peak_fp8_flops = 0;
  double peak_int8_ops = 0;
  double peak_fp32_flops = 0;
  double nvlink_bandwidth = 0;    // bytes/s per GPU, one direction, all links together; 0 = no NVLink
  double pcie_bandwidth = 0;      // bytes/s per direction of the host link
  double tdp_watts = 0;
  // Board power when idle. The catalogue's idle_power, else 10 % of tdp_watts: an assumption, no
  // measurement cited (catalog.cpp kIdlePowerShareOfTdp).
  double idle_power_watts = 0;
  std::string idle_power_source;  // where idle_power comes from; "assumption: 10 % of TDP" by default
  // A cloud list price per GPU-hour on demand (catalogue on_demand_per_gpu_hour), cluster.market's
  // default; 0 when the catalogue has none. on_demand_source says where it comes from.
  double on_demand_usd_per_gpu_hour = 0;
  std::string on_demand_source;
};

}  // namespace stratum::scenarios
