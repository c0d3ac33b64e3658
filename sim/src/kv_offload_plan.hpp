#pragma once
// Turns a scenario's serving.kv_tiers into the plain numbers the batcher's offload tiers take
// (policies/kv_tiers.hpp): capacities in blocks, reload bandwidth limited by the path to the GPUs.
#include "stratum/calibration/memory.hpp"
#include "stratum/policies/kv_tiers.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::sim {

// One instance of `replica` on a node of `group`, whose KV cache `memory` plans. Block bytes:
// block_size x KV bytes per token per GPU x the instance's GPUs (calibration::plan_serving_memory).
// Path bandwidth: HOST_DRAM and LOCAL_NVME reach the GPUs over their PCIe links, one per GPU
// (the catalogue's pcie_bandwidth, e.g. 64 GB/s per direction for PCIe 5.0 x16 on H100; assumption:
// the GPUs' links carry a reload in parallel, each its share); REMOTE_POOL over the node's NICs:
// one per GPU, or per-node NICs shared in proportion to the GPUs the instance uses (assumption).
// A GPU without a PCIe link (integrated) is limited by the tier alone.
policies::KvOffloadConfig plan_kv_offload(const scenarios::ServingSpec& serving, const scenarios::NodeGroup& group,
                                          const scenarios::ReplicaSpec& replica,
                                          const calibration::ServingMemoryPlan& memory);

}  // namespace stratum::sim
