// Names and published defaults for cluster dynamics (dynamics.hpp).
#include <stdexcept>

#include "stratum/scenarios/dynamics.hpp"

namespace stratum::scenarios {

const char* to_string(SpotProvider provider) {
  switch (provider) {
    case SpotProvider::kAws: return "aws";
    case SpotProvider::kGcp: return "gcp";
    case SpotProvider::kAzure: return "azure";
  }
  return "?";
}

double default_spot_notice_s(SpotProvider provider) {
  // REFERENCES.md "Spot notice": AWS two-minute interruption notice; GCP Spot VMs 30 s
  // preemption notice; Azure Spot 30 s eviction notice (Scheduled Events).
  switch (provider) {
    case SpotProvider::kAws: return 120;
    case SpotProvider::kGcp: return 30;
    case SpotProvider::kAzure: return 30;
  }
  return 120;
}

const char* to_string(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kGpu: return "gpu";
    case ComponentKind::kHbm: return "hbm";
    case ComponentKind::kNic: return "nic";
    case ComponentKind::kHost: return "host";
    case ComponentKind::kSwitch: return "switch";
    case ComponentKind::kSoftware: return "software";
  }
  return "?";
}

double llama3_failure_rate_per_gpu_s(ComponentKind kind) {
  // Llama 3 paper (Dubey et al. 2024), Table 5: root causes of the 419 unexpected interruptions
  // of the 405B pre-training, 54 days on 16,384 H100. Exposure: 16,384 x 54 x 24 = 21,233,664
  // GPU-hours. The table's rows, grouped by the component that fails:
  //   GPU: faulty GPU 148 (printed 30.1 %, though 148 / 419 = 35.3 %; REFERENCES.md records the
  //        discrepancy, the count is used), GPU SRAM 19, GPU system processor 17, GPU thermal
  //        interface and sensor 6, silent data corruption 6 -> 196
  //   HBM: GPU HBM3 memory 72
  //   NIC: 7
  //   HOST: host maintenance 32, SSD 3, power supply 3, server chassis 2, I/O expansion board 2,
  //         CPU 2, system memory 2 -> 46
  //   SWITCH: network switch and cable 35
  //   SOFTWARE: software bug 54, NCCL watchdog timeouts 7, dependency 2 -> 63
  // 196 + 72 + 7 + 46 + 35 + 63 = 419. Assumption: the H100 rates apply to every GPU kind (no
  // other GPU has a published per-component breakdown at this scale).
  constexpr double kGpuSeconds = 16384.0 * 54.0 * 24.0 * 3600.0;
  switch (kind) {
    case ComponentKind::kGpu: return 196.0 / kGpuSeconds;
    case ComponentKind::kHbm: return 72.0 / kGpuSeconds;
    case ComponentKind::kNic: return 7.0 / kGpuSeconds;
    case ComponentKind::kHost: return 46.0 / kGpuSeconds;
    case ComponentKind::kSwitch: return 35.0 / kGpuSeconds;
    case ComponentKind::kSoftware: return 63.0 / kGpuSeconds;
  }
  throw std::invalid_argument("llama3_failure_rate_per_gpu_s: unknown component");
}

}  // namespace stratum::scenarios
