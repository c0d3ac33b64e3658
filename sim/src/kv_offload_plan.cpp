#include "kv_offload_plan.hpp"

#include <algorithm>
#include <cmath>

namespace stratum::sim {

policies::KvOffloadConfig plan_kv_offload(const scenarios::ServingSpec& serving, const scenarios::NodeGroup& group,
                                          const scenarios::ReplicaSpec& replica,
                                          const calibration::ServingMemoryPlan& memory) {
  policies::KvOffloadConfig out;
  const double gpus = static_cast<double>(replica.gpus());
  out.block_bytes = memory.kv_bytes_per_token_per_gpu * static_cast<double>(serving.scheduler.block_size_tokens) * gpus;
  for (const scenarios::KvTierSpec& t : serving.kv_tiers) {
    double path = 0;
    if (t.kind == scenarios::KvTierKind::kRemotePool) {
      const scenarios::NicSpec& nics = group.nics;
      path = nics.placement == scenarios::NicPlacement::kPerGpu
                 ? gpus * nics.bandwidth
                 : nics.bandwidth * static_cast<double>(nics.count) * gpus / static_cast<double>(group.gpus_per_node);
    } else {
      path = gpus * group.gpu.pcie_bandwidth;
    }
    policies::KvTierParams p;
    p.name = scenarios::to_string(t.kind);
    p.capacity_blocks = out.block_bytes > 0 ? static_cast<int64_t>(std::floor(t.capacity_bytes / out.block_bytes)) : 0;
    p.bandwidth = path > 0 ? std::min(t.bandwidth, path) : t.bandwidth;
    p.latency = t.latency;
    out.tiers.push_back(p);
  }
  return out;
}

}  // namespace stratum::sim
