#include "stratum/topology/blast_radius.hpp"

#include <algorithm>

namespace stratum::topology {

std::vector<std::vector<int>> nodes_behind_leaves(const ClusterGraph& graph) {
  const FabricIndex& index = graph.fabric_index();
  std::vector<std::vector<int>> out(index.leaves.size());
  if (index.empty()) return out;
  for (int n = 0; n < graph.node_count(); ++n) {
    for (const VertexId nic : graph.node(n).of(VertexKind::kNic)) {
      for (uint32_t k = index.up_begin[nic]; k < index.up_begin[nic + 1]; ++k) {
        const VertexId up = graph.other_end(index.up_links[k], nic);
        const int leaf = index.leaf_of_vertex[up];
        if (leaf >= 0) out[static_cast<size_t>(leaf)].push_back(n);
      }
    }
  }
  for (std::vector<int>& nodes : out) {
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  }
  return out;
}

}  // namespace stratum::topology
