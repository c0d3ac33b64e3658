// Instance placement: tensor parallelism stays inside a node (the TP all-reduce is costed on the
// node's intra-node links), so each instance takes tensor_parallel consecutive GPUs of one node.
#include <string>
#include <vector>

#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {

bool place_instances(const scenarios::Scenario& scenario, std::vector<InstancePlacement>& out,
                     std::string& reason) {
  out.clear();
  const auto& serving = *scenario.serving;
  const int tp = serving.replica.tensor_parallel;
  int remaining = serving.replica.count;
  int first_node_of_group = 0;
  for (size_t g = 0; g < scenario.cluster.nodes.size() && remaining > 0; ++g) {
    const auto& group = scenario.cluster.nodes[g];
    const int per_node = group.gpus_per_node / tp;
    for (int n = 0; n < group.count && remaining > 0; ++n) {
      for (int i = 0; i < per_node && remaining > 0; ++i, --remaining) {
        out.push_back(InstancePlacement{static_cast<int>(g), n, first_node_of_group + n, i * tp, tp});
      }
    }
    first_node_of_group += group.count;
  }
  if (remaining > 0) {
    reason = std::to_string(serving.replica.count) + " replicas of tensor_parallel " + std::to_string(tp) +
             " need whole groups of " + std::to_string(tp) + " GPUs inside one node; the cluster holds only " +
             std::to_string(serving.replica.count - remaining);
    return false;
  }
  return true;
}

}  // namespace stratum::sim
