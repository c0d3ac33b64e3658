#include "stratum/topology/cluster_builder.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "stratum/topology/node_builders.hpp"

namespace stratum::topology {

ClusterGraph build_cluster(const scenarios::ClusterSpec& spec) {
  // Resolve and check every group before building anything, so that all problems are reported
  // at once (DESIGN.md section 2: errors are collected, not thrown one at a time).
  std::vector<std::string> errors;
  std::vector<NodeParams> params(spec.nodes.size());
  std::set<std::string> ids;
  for (std::size_t g = 0; g < spec.nodes.size(); ++g) {
    const scenarios::NodeGroup& group = spec.nodes[g];
    const std::string where = "node group " + std::to_string(g) + " ('" + group.id + "')";
    if (group.id.empty()) errors.push_back(where + ": id is empty; expected a unique name");
    else if (!ids.insert(group.id).second) errors.push_back(where + ": id is used twice");
    if (group.count < 1) {
      errors.push_back(where + ": count is " + std::to_string(group.count) +
                       "; expected at least 1");
    }
    try {
      params[g] = resolve_node_params(group);
    } catch (const std::invalid_argument& e) {
      errors.emplace_back(e.what());
    }
  }
  if (!errors.empty()) {
    std::string message;
    for (const auto& error : errors) message += error + "\n";
    message.pop_back();
    throw std::invalid_argument(message);
  }

  ClusterGraph graph;
  for (std::size_t g = 0; g < spec.nodes.size(); ++g) {
    const scenarios::NodeGroup& group = spec.nodes[g];
    for (int i = 0; i < group.count; ++i) {
      const NodeLabel label{group.id + "-" + std::to_string(i), static_cast<int>(g), i};
      if (group.intra == scenarios::IntraConnect::kPcie) {
        build_pcie_node(graph, params[g], label);
      } else {
        build_nvswitch_node(graph, params[g], label);
      }
    }
  }
  return graph;
}

}  // namespace stratum::topology
