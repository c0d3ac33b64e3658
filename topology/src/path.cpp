#include "stratum/topology/path.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

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

std::optional<Path> route(const ClusterGraph& graph, int gpu_a, int gpu_b) {
  return shortest_path(graph, graph.gpu(gpu_a), graph.gpu(gpu_b));
}

}  // namespace stratum::topology
