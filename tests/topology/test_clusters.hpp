#pragma once
// Node groups shared by the topology tests, with datasheet figures (see link_defaults.hpp).
#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/link_defaults.hpp"

namespace stratum::topology::testing {

inline scenarios::GpuSpec h100_sxm() {
  scenarios::GpuSpec gpu;
  gpu.id = "h100-sxm5-80gb";
  gpu.nvlink_bandwidth = defaults::kNvlink4PerGpuPerDirection;
  gpu.pcie_bandwidth = defaults::kPcie5x16PerDirection;
  return gpu;
}

inline scenarios::GpuSpec l40s() {
  scenarios::GpuSpec gpu;
  gpu.id = "l40s-48gb";
  gpu.nvlink_bandwidth = 0;  // L40S datasheet: no NVLink
  gpu.pcie_bandwidth = defaults::kPcie4x16PerDirection;
  return gpu;
}

inline scenarios::NodeGroup dgx_h100(int count = 1) {
  scenarios::NodeGroup group;
  group.id = "dgx";
  group.count = count;
  group.gpu = h100_sxm();
  group.gpus_per_node = 8;
  group.intra = scenarios::IntraConnect::kNvswitch;
  return group;
}

inline scenarios::NodeGroup l40s_box(int count = 1, int gpus = 4) {
  scenarios::NodeGroup group;
  group.id = "l40s";
  group.count = count;
  group.gpu = l40s();
  group.gpus_per_node = gpus;
  group.intra = scenarios::IntraConnect::kPcie;
  return group;
}

}  // namespace stratum::topology::testing
