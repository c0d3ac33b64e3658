#include "stratum/topology/cluster_builder.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "stratum/topology/fabric_builders.hpp"
#include "stratum/topology/nic_builder.hpp"
#include "stratum/topology/node_builders.hpp"

namespace stratum::topology {
namespace {

[[noreturn]] void throw_all(const std::vector<std::string>& errors) {
  std::string message;
  for (const auto& error : errors) message += error + "\n";
  message.pop_back();
  throw std::invalid_argument(message);
}

}  // namespace

ClusterGraph build_cluster(const scenarios::ClusterSpec& spec) { return build_cluster(spec, 0); }

ClusterGraph build_cluster(const scenarios::ClusterSpec& spec, std::uint64_t ecmp_seed) {
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
    try {
      nic_count(group);
    } catch (const std::invalid_argument& e) {
      errors.emplace_back(e.what());
    }
  }
  if (!errors.empty()) throw_all(errors);

  ClusterGraph graph;
  std::vector<double> nic_bandwidth;  // by node index
  for (std::size_t g = 0; g < spec.nodes.size(); ++g) {
    const scenarios::NodeGroup& group = spec.nodes[g];
    for (int i = 0; i < group.count; ++i) {
      const NodeLabel label{group.id + "-" + std::to_string(i), static_cast<int>(g), i};
      const int node = group.intra == scenarios::IntraConnect::kPcie
                           ? build_pcie_node(graph, params[g], label)
                           : build_nvswitch_node(graph, params[g], label);
      try {
        attach_nics(graph, node, group.nics, params[g]);
      } catch (const std::invalid_argument& e) {
        // Every node of a group fails alike: report the group once.
        if (i == 0) errors.emplace_back(e.what());
      }
      nic_bandwidth.push_back(group.nics.bandwidth);
    }
  }
  if (!errors.empty()) throw_all(errors);
  errors = check_fabric(graph, spec.fabric);
  if (!errors.empty()) throw_all(errors);
  build_fabric(graph, spec.fabric, nic_bandwidth);
  graph.set_ecmp_seed(ecmp_seed);
  return graph;
}

}  // namespace stratum::topology
