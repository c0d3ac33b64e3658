#include "stratum/topology/analysis.hpp"

#include <algorithm>
#include <map>

#include <boost/graph/connected_components.hpp>

#include "stratum/topology/path.hpp"

namespace stratum::topology {
namespace {

bool indexed(const ClusterGraph& graph) { return !graph.fabric_index().empty(); }

// Switch hops from leaf l1 up to the lowest common tier and down to leaf l2, as route() takes
// them (every uplink at a tier leads as high, so the first one measures them all); -1 when the
// fabric does not join them.
int leaf_hops(const ClusterGraph& graph, int l1, int l2) {
  if (l1 == l2) return 0;
  const FabricIndex& index = graph.fabric_index();
  VertexId at = index.leaves[static_cast<std::size_t>(l1)];
  int up = 0;
  for (;;) {
    const int upper = index.upper_of_vertex[at];
    if (upper >= 0 && index.down_link(upper, l2) != kNoLink) return 2 * up;
    if (index.up_begin[at] == index.up_begin[at + 1]) return -1;
    at = graph.other_end(index.up_links[index.up_begin[at]], at);
    ++up;
  }
}

void add_pairs(std::vector<std::int64_t>& histogram, int hops, std::int64_t pairs) {
  if (pairs == 0) return;
  if (static_cast<std::size_t>(hops) >= histogram.size()) histogram.resize(static_cast<std::size_t>(hops) + 1, 0);
  histogram[static_cast<std::size_t>(hops)] += pairs;
}

// Pairs by hop count on an indexed graph, counted by classes of GPUs. A GPU that leaves its node
// reaches its leaf in `access` hops (GPU -> NIC -> leaf = 2 with its own NIC, 3 through a shared
// one) and every route between leaves of the same pair takes as many hops, so a pair in
// different nodes takes access_a + leaf_hops + access_b. Same-node pairs are counted as
// cross-node ones first, then moved to their real intra-node count.
struct Classified {
  std::vector<std::int64_t> histogram;
  std::int64_t connected = 0;
  std::int64_t cross_node_disconnected = 0;
};

Classified classify(const ClusterGraph& graph) {
  const FabricIndex& index = graph.fabric_index();
  const auto leaves = static_cast<int>(index.leaves.size());
  std::vector<std::int64_t> class_count(static_cast<std::size_t>(2 * std::max(leaves, 1)), 0);
  // Class of each GPU: 2 * leaf + (access - 2), or -1 when it cannot leave its node.
  std::vector<int> gpu_class(static_cast<std::size_t>(graph.gpu_count()), -1);
  std::int64_t outbound = 0;
  for (int n = 0; n < graph.node_count(); ++n) {
    const NodeInfo& node = graph.node(n);
    const auto& nics = node.of(VertexKind::kNic);
    if (nics.empty()) continue;
    const bool per_gpu = index.node_nic_per_gpu[static_cast<std::size_t>(n)] != 0;
    for (const VertexId gpu : node.of(VertexKind::kGpu)) {
      const VertexProps& p = graph.vertex(gpu);
      const VertexId nic = per_gpu ? nics[static_cast<std::size_t>(p.local)] : nics.front();
      if (index.up_begin[nic] == index.up_begin[nic + 1]) continue;
      const VertexId leaf = graph.other_end(index.up_links[index.up_begin[nic]], nic);
      const int c = 2 * index.leaf_of_vertex[leaf] + (per_gpu ? 0 : 1);
      gpu_class[static_cast<std::size_t>(p.gpu)] = c;
      ++class_count[static_cast<std::size_t>(c)];
      ++outbound;
    }
  }
  Classified out;
  const auto hops_between = [&](int c1, int c2) {
    const int lh = leaf_hops(graph, c1 / 2, c2 / 2);
    return lh < 0 ? -1 : lh + (2 + c1 % 2) + (2 + c2 % 2);
  };
  std::vector<int> present;
  for (std::size_t c = 0; c < class_count.size(); ++c) {
    if (class_count[c] > 0) present.push_back(static_cast<int>(c));
  }
  for (std::size_t i = 0; i < present.size(); ++i) {
    for (std::size_t j = i; j < present.size(); ++j) {
      const std::int64_t n1 = class_count[static_cast<std::size_t>(present[i])];
      const std::int64_t n2 = class_count[static_cast<std::size_t>(present[j])];
      const std::int64_t pairs = i == j ? n1 * (n1 - 1) / 2 : n1 * n2;
      const int hops = hops_between(present[i], present[j]);
      if (hops < 0) out.cross_node_disconnected += pairs;
      else add_pairs(out.histogram, hops, pairs);
    }
  }
  // Same-node pairs: take them back out, then count them by their intra-node route.
  std::int64_t cross_node_total = 0;
  const std::int64_t gpus = graph.gpu_count();
  std::int64_t same_node_total = 0;
  for (int n = 0; n < graph.node_count(); ++n) {
    const auto& members = graph.node(n).of(VertexKind::kGpu);
    const auto m = static_cast<std::int64_t>(members.size());
    same_node_total += m * (m - 1) / 2;
    std::map<int, std::int64_t> local;
    for (const VertexId v : members) {
      const int c = gpu_class[static_cast<std::size_t>(graph.vertex(v).gpu)];
      if (c >= 0) ++local[c];
    }
    for (auto i = local.begin(); i != local.end(); ++i) {
      for (auto j = i; j != local.end(); ++j) {
        const std::int64_t pairs = i == j ? i->second * (i->second - 1) / 2 : i->second * j->second;
        const int hops = hops_between(i->first, j->first);
        if (hops < 0) out.cross_node_disconnected -= pairs;
        else out.histogram[static_cast<std::size_t>(hops)] -= pairs;
      }
    }
    // Inside a node every pair takes the same route shape; measure one and count them all.
    if (m > 1) {
      const int hops = hop_count(graph, graph.vertex(members[0]).gpu, graph.vertex(members[1]).gpu);
      if (hops >= 0) add_pairs(out.histogram, hops, m * (m - 1) / 2);
    }
  }
  cross_node_total = gpus * (gpus - 1) / 2 - same_node_total;
  std::int64_t cross_connected = 0;
  for (const auto c : out.histogram) cross_connected += c;
  // Whatever cross-node pair is not connected (a GPU without a way out, or leaves the fabric
  // does not join) is disconnected.
  (void)outbound;
  for (const auto c : out.histogram) out.connected += c;
  std::int64_t intra_connected = 0;
  for (int n = 0; n < graph.node_count(); ++n) {
    const auto m = static_cast<std::int64_t>(graph.node(n).of(VertexKind::kGpu).size());
    if (m > 1) {
      const auto& members = graph.node(n).of(VertexKind::kGpu);
      if (hop_count(graph, graph.vertex(members[0]).gpu, graph.vertex(members[1]).gpu) >= 0) {
        intra_connected += m * (m - 1) / 2;
      }
    }
  }
  out.cross_node_disconnected = cross_node_total - (out.connected - intra_connected);
  return out;
}

}  // namespace

const char* tier_name(int tier) {
  switch (tier) {
    case 0: return "nic";
    case 1: return "leaf";
    case 2: return "spine";
    case 3: return "core";
    default: return "unknown";
  }
}

int hop_count(const ClusterGraph& graph, int gpu_a, int gpu_b) {
  if (indexed(graph)) {
    Path path;
    return route_into(graph, gpu_a, gpu_b, 0, path) ? static_cast<int>(path.hop_count()) : -1;
  }
  return PathTree(graph, graph.gpu(gpu_a)).hops_to(graph.gpu(gpu_b));
}

std::vector<int> gpu_hop_matrix(const ClusterGraph& graph) {
  const auto n = static_cast<std::size_t>(graph.gpu_count());
  std::vector<int> matrix(n * n, -1);
  if (indexed(graph)) {
    // Route lengths (O(tiers) each), which equal BFS distances on built fabrics.
    Path path;
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = 0; b < n; ++b) {
        matrix[a * n + b] = route_into(graph, static_cast<int>(a), static_cast<int>(b), 0, path)
                                ? static_cast<int>(path.hop_count())
                                : -1;
      }
    }
    return matrix;
  }
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
  if (indexed(graph)) {
    const Classified c = classify(graph);
    for (auto h = c.histogram.size(); h-- > 0;) {
      if (c.histogram[h] > 0) return static_cast<int>(h);
    }
    return 0;
  }
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
  for (int n = 0; n < graph.node_count(); ++n) {
    report.nics += static_cast<int>(graph.node(n).of(VertexKind::kNic).size());
  }

  const auto n = static_cast<std::int64_t>(graph.gpu_count());
  const std::int64_t all_pairs = n * (n - 1) / 2;
  std::int64_t cross_node_disconnected = 0;
  if (indexed(graph)) {
    const Classified c = classify(graph);
    report.gpu_pairs_by_hops = c.histogram;
    report.connected_gpu_pairs = c.connected;
    cross_node_disconnected = c.cross_node_disconnected;
  } else {
    const std::vector<int> matrix = gpu_hop_matrix(graph);
    const auto un = static_cast<std::size_t>(n);
    for (std::size_t a = 0; a < un; ++a) {
      for (std::size_t b = a + 1; b < un; ++b) {
        const int hops = matrix[a * un + b];
        if (hops >= 0) {
          add_pairs(report.gpu_pairs_by_hops, hops, 1);
          ++report.connected_gpu_pairs;
        } else if (graph.vertex(graph.gpu(static_cast<int>(a))).node !=
                   graph.vertex(graph.gpu(static_cast<int>(b))).node) {
          ++cross_node_disconnected;
        }
      }
    }
  }
  report.disconnected_gpu_pairs = all_pairs - report.connected_gpu_pairs;
  double hop_sum = 0;
  for (std::size_t h = 0; h < report.gpu_pairs_by_hops.size(); ++h) {
    if (report.gpu_pairs_by_hops[h] > 0) report.gpu_diameter_hops = static_cast<int>(h);
    hop_sum += static_cast<double>(h) * static_cast<double>(report.gpu_pairs_by_hops[h]);
  }
  if (report.connected_gpu_pairs > 0) {
    report.mean_gpu_hops = hop_sum / static_cast<double>(report.connected_gpu_pairs);
  }
  report.fabric_unconnected = graph.node_count() > 1 && cross_node_disconnected > 0;

  const FabricIndex& index = graph.fabric_index();
  for (int t = 1; t <= index.switch_tiers; ++t) {
    TierReport tier;
    tier.tier = t;
    for (VertexId v = 0; v < graph.vertex_count(); ++v) {
      const int vt = index.tier[v];
      if (vt != t - 1 && vt != t) continue;
      if (vt == t) ++tier.switches;
      for (std::uint32_t i = index.up_begin[v]; i < index.up_begin[v + 1]; ++i) {
        const double bw = graph.link(index.up_links[i]).bandwidth;
        if (vt == t - 1) {
          ++tier.links_down;
          tier.down_bandwidth += bw;
        } else {
          ++tier.links_up;
          tier.up_bandwidth += bw;
        }
      }
    }
    tier.oversubscription = tier.up_bandwidth > 0 ? tier.down_bandwidth / tier.up_bandwidth : 0;
    report.tiers.push_back(tier);
  }
  report.bisection_bandwidth = bisection_bandwidth(graph);
  return report;
}

}  // namespace stratum::topology
