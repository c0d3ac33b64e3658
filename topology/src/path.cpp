#include "stratum/topology/path.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include <boost/graph/breadth_first_search.hpp>

namespace stratum::topology {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Breadth-first search that also keeps, per vertex, the widest of its shortest paths.
// BFS dequeues vertices in non-decreasing hop order, so when u is examined every path into u
// with hops_[u] hops has already been seen and width[u] is final; relaxing its edges towards
// vertices one hop further (newly discovered, or discovered but still queued) is then exact.
class WidestShortestVisitor : public boost::default_bfs_visitor {
 public:
  WidestShortestVisitor(std::vector<int>& hops, std::vector<double>& width,
                        std::vector<LinkId>& pred)
      : hops_(&hops), width_(&width), pred_(&pred) {}

  void tree_edge(ClusterGraph::Graph::edge_descriptor e, const ClusterGraph::Graph& g) const {
    const auto u = boost::source(e, g);
    const auto v = boost::target(e, g);
    (*hops_)[v] = (*hops_)[u] + 1;
    (*width_)[v] = std::min((*width_)[u], g[e].bandwidth);
    (*pred_)[v] = g[e].id;
  }

  void gray_target(ClusterGraph::Graph::edge_descriptor e, const ClusterGraph::Graph& g) const {
    const auto u = boost::source(e, g);
    const auto v = boost::target(e, g);
    if ((*hops_)[v] != (*hops_)[u] + 1) return;  // same level or the way back: not a shortest path
    const double candidate = std::min((*width_)[u], g[e].bandwidth);
    const double current = (*width_)[v];
    if (candidate > current || (candidate == current && g[e].id < (*pred_)[v])) {
      (*width_)[v] = candidate;
      (*pred_)[v] = g[e].id;
    }
  }

 private:
  std::vector<int>* hops_;
  std::vector<double>* width_;
  std::vector<LinkId>* pred_;
};

}  // namespace

double path_latency(const ClusterGraph& graph, const Path& path) {
  double sum = 0;
  for (const Hop& hop : path.hops) sum += graph.link(hop.link).latency;
  return sum;
}

double bottleneck_bandwidth(const ClusterGraph& graph, const Path& path) {
  double width = kInfinity;
  for (const Hop& hop : path.hops) width = std::min(width, graph.link(hop.link).bandwidth);
  return width;
}

PathTree::PathTree(const ClusterGraph& graph, VertexId source)
    : graph_(&graph), source_(source) {
  const std::size_t n = graph.vertex_count();
  if (source >= n) {
    throw std::out_of_range("topology: path tree from unknown vertex " + std::to_string(source));
  }
  hops_.assign(n, -1);
  width_.assign(n, 0.0);
  pred_link_.assign(n, kNoLink);
  hops_[source] = 0;
  width_[source] = kInfinity;
  // A two-colour map on a plain vector: the default one would allocate a shared_array per call.
  std::vector<boost::default_color_type> colors(n, boost::white_color);
  const auto& g = graph.graph();
  boost::breadth_first_search(
      g, source,
      boost::visitor(WidestShortestVisitor(hops_, width_, pred_link_))
          .color_map(boost::make_iterator_property_map(colors.begin(),
                                                       boost::get(boost::vertex_index, g))));
}

std::optional<Path> PathTree::path_to(VertexId v) const {
  if (v >= hops_.size()) {
    throw std::out_of_range("topology: path to unknown vertex " + std::to_string(v));
  }
  if (hops_[v] < 0) return std::nullopt;
  Path path;
  path.from = source_;
  path.to = v;
  path.hops.resize(static_cast<std::size_t>(hops_[v]));
  VertexId at = v;
  for (auto i = path.hops.size(); i-- > 0;) {
    const LinkId link = pred_link_[at];
    const VertexId prev = graph_->other_end(link, at);
    path.hops[i] = Hop{link, prev, at};
    at = prev;
  }
  return path;
}

std::optional<Path> shortest_path(const ClusterGraph& graph, VertexId from, VertexId to) {
  return PathTree(graph, from).path_to(to);
}

std::uint64_t splitmix64(std::uint64_t x) {
  // Steele, Lea and Flood, OOPSLA 2014 (the finaliser of SplittableRandom / splitmix64).
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t ecmp_hash(std::uint64_t seed, std::uint64_t flow_key) {
  return splitmix64(seed ^ splitmix64(flow_key));
}

namespace {

// Choice `step` of a route among n equal candidates.
std::size_t pick(std::uint64_t hash, std::uint32_t step, std::size_t n) {
  return n <= 1 ? 0 : static_cast<std::size_t>(splitmix64(hash + step) % n);
}

bool bfs_route(const ClusterGraph& graph, VertexId a, VertexId b, Path& out) {
  std::optional<Path> path = shortest_path(graph, a, b);
  if (!path) return false;
  out = std::move(*path);
  return true;
}

}  // namespace

bool route_into(const ClusterGraph& graph, int gpu_a, int gpu_b, std::uint64_t flow_key, Path& out) {
  const VertexId va = graph.gpu(gpu_a);
  const VertexId vb = graph.gpu(gpu_b);
  const FabricIndex& index = graph.fabric_index();
  if (index.empty()) return bfs_route(graph, va, vb, out);
  out.from = va;
  out.to = vb;
  out.hops.clear();
  if (va == vb) return true;
  const VertexProps& pa = graph.vertex(va);
  const VertexProps& pb = graph.vertex(vb);
  const auto ga = static_cast<std::size_t>(gpu_a);
  const auto gb = static_cast<std::size_t>(gpu_b);
  if (pa.node == pb.node) {
    const LinkId la = index.gpu_peer_link[ga];
    const LinkId lb = index.gpu_peer_link[gb];
    if (la == kNoLink || lb == kNoLink) return bfs_route(graph, va, vb, out);
    const VertexId sw = graph.other_end(la, va);
    out.hops.push_back(Hop{la, va, sw});
    out.hops.push_back(Hop{lb, sw, vb});
    return true;
  }
  const auto& nics_a = graph.node(pa.node).of(VertexKind::kNic);
  const auto& nics_b = graph.node(pb.node).of(VertexKind::kNic);
  if (nics_a.empty() || nics_b.empty()) return false;
  const std::uint64_t hash = ecmp_hash(graph.ecmp_seed(), flow_key);
  std::uint32_t step = 0;
  // The NIC at each end: the GPU's own, or one of the node's shared NICs.
  const auto choose_nic = [&](const VertexProps& p, const std::vector<VertexId>& nics) {
    return index.node_nic_per_gpu[static_cast<std::size_t>(p.node)]
               ? nics[static_cast<std::size_t>(p.local)]
               : nics[pick(hash, step++, nics.size())];
  };
  const VertexId nic_a = choose_nic(pa, nics_a);
  const VertexId nic_b = choose_nic(pb, nics_b);
  if (index.up_begin[nic_a] == index.up_begin[nic_a + 1] ||
      index.up_begin[nic_b] == index.up_begin[nic_b + 1]) {
    return false;  // NICs without a fabric (FabricKind::kNone)
  }
  // Source side: GPU -> NIC (one hop), or GPU -> host / PCIe switch -> NIC (two).
  if (index.gpu_nic_path_link[ga] != kNoLink) {
    const LinkId l = index.gpu_nic_path_link[ga];
    out.hops.push_back(Hop{l, va, graph.other_end(l, va)});
  }
  {
    const LinkId l = index.nic_attach[nic_a];
    out.hops.push_back(Hop{l, graph.other_end(l, nic_a), nic_a});
  }
  const LinkId up_a = index.up_links[index.up_begin[nic_a]];
  const LinkId up_b = index.up_links[index.up_begin[nic_b]];
  VertexId at = graph.other_end(up_a, nic_a);
  out.hops.push_back(Hop{up_a, nic_a, at});
  const VertexId leaf_b = graph.other_end(up_b, nic_b);
  const int leaf_b_index = index.leaf_of_vertex[leaf_b];
  // Up until a switch has the destination leaf below it, then down.
  while (at != leaf_b) {
    const int upper = index.upper_of_vertex[at];
    LinkId next = upper >= 0 ? index.down_link(upper, leaf_b_index) : kNoLink;
    if (next == kNoLink) {
      const std::uint32_t begin = index.up_begin[at];
      const std::uint32_t count = index.up_begin[at + 1] - begin;
      if (count == 0) return false;  // the fabric does not join these leaves
      next = index.up_links[begin + pick(hash, step++, count)];
    }
    const VertexId to = graph.other_end(next, at);
    out.hops.push_back(Hop{next, at, to});
    at = to;
  }
  out.hops.push_back(Hop{up_b, leaf_b, nic_b});
  // Destination side, mirrored.
  {
    const LinkId l = index.nic_attach[nic_b];
    out.hops.push_back(Hop{l, nic_b, graph.other_end(l, nic_b)});
  }
  if (index.gpu_nic_path_link[gb] != kNoLink) {
    const LinkId l = index.gpu_nic_path_link[gb];
    out.hops.push_back(Hop{l, graph.other_end(l, vb), vb});
  }
  return true;
}

std::optional<Path> route(const ClusterGraph& graph, int gpu_a, int gpu_b, std::uint64_t flow_key) {
  Path path;
  if (!route_into(graph, gpu_a, gpu_b, flow_key, path)) return std::nullopt;
  return path;
}

std::optional<Path> route(const ClusterGraph& graph, int gpu_a, int gpu_b) {
  return route(graph, gpu_a, gpu_b, 0);
}

}  // namespace stratum::topology
