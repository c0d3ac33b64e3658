#include "stratum/topology/analysis.hpp"

#include <algorithm>

#include <boost/graph/connected_components.hpp>

#include "stratum/topology/path.hpp"

namespace stratum::topology {

int hop_count(const ClusterGraph& graph, int gpu_a, int gpu_b) {
  return PathTree(graph, graph.gpu(gpu_a)).hops_to(graph.gpu(gpu_b));
}

std::vector<int> gpu_hop_matrix(const ClusterGraph& graph) {
  const auto n = static_cast<std::size_t>(graph.gpu_count());
  std::vector<int> matrix(n * n, -1);
  // One BFS per GPU, O(G (V + E)); the matrix is symmetric because hop counts are.
  for (std::size_t a = 0; a < n; ++a) {
    const PathTree tree(graph, graph.gpu(static_cast<int>(a)));
    for (std::size_t b = 0; b < n; ++b) {
      matrix[a * n + b] = tree.hops_to(graph.gpu(static_cast<int>(b)));
    }
  }
  return matrix;
}

int gpu_diameter(const ClusterGraph& graph) {
  const std::vector<int> matrix = gpu_hop_matrix(graph);
  const int largest = matrix.empty() ? 0 : *std::max_element(matrix.begin(), matrix.end());
  return std::max(largest, 0);
}

Components connected_components(const ClusterGraph& graph) {
  Components result;
  result.of_vertex.assign(graph.vertex_count(), -1);
  // Boost numbers components in the order their first vertex appears (vecS: vertex index order).
  result.count = static_cast<int>(boost::connected_components(
      graph.graph(), boost::make_iterator_property_map(
                         result.of_vertex.begin(), boost::get(boost::vertex_index, graph.graph()))));
  return result;
}

int component_count(const ClusterGraph& graph) { return connected_components(graph).count; }

TopologyReport analyze(const ClusterGraph& graph) {
  TopologyReport report;
  report.vertices = graph.vertex_count();
  report.links = graph.link_count();
  report.nodes = graph.node_count();
  report.gpus = graph.gpu_count();
  report.components = component_count(graph);
  report.fabric = graph.fabric();
  report.fabric_unconnected = graph.node_count() > 1 && graph.fabric() == FabricKind::kNone;

  const std::vector<int> matrix = gpu_hop_matrix(graph);
  const auto n = static_cast<std::size_t>(graph.gpu_count());
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = a + 1; b < n; ++b) {
      const int hops = matrix[a * n + b];
      if (hops < 0) {
        ++report.disconnected_gpu_pairs;
      } else {
        ++report.connected_gpu_pairs;
        report.gpu_diameter_hops = std::max(report.gpu_diameter_hops, hops);
      }
    }
  }
  return report;
}

}  // namespace stratum::topology
