#include "stratum/topology/cluster_graph.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace stratum::topology {

const char* to_string(FabricKind kind) {
  switch (kind) {
    case FabricKind::kNone: return "none";
    case FabricKind::kFatTree: return "fat-tree";
    case FabricKind::kRailOptimized: return "rail-optimized";
    case FabricKind::kMultiPod: return "multi-pod";
  }
  return "unknown";
}

ClusterGraph::ClusterGraph(const ClusterGraph& other)
    : graph_(other.graph_),
      gpus_(other.gpus_),
      nodes_(other.nodes_),
      fabric_(other.fabric_),
      index_(other.index_),
      ecmp_seed_(other.ecmp_seed_) {
  rebuild_link_index();
}

ClusterGraph& ClusterGraph::operator=(const ClusterGraph& other) {
  if (this != &other) *this = ClusterGraph(other);
  return *this;
}

ClusterGraph::ClusterGraph(ClusterGraph&& other)
    : graph_(std::move(other.graph_)),
      gpus_(std::move(other.gpus_)),
      nodes_(std::move(other.nodes_)),
      fabric_(other.fabric_),
      index_(std::move(other.index_)),
      ecmp_seed_(other.ecmp_seed_) {
  rebuild_link_index();
}

ClusterGraph& ClusterGraph::operator=(ClusterGraph&& other) {
  if (this != &other) {
    graph_ = std::move(other.graph_);
    gpus_ = std::move(other.gpus_);
    nodes_ = std::move(other.nodes_);
    fabric_ = other.fabric_;
    index_ = std::move(other.index_);
    ecmp_seed_ = other.ecmp_seed_;
    rebuild_link_index();
  }
  return *this;
}

void ClusterGraph::rebuild_link_index() {
  edges_.assign(boost::num_edges(graph_), Graph::edge_descriptor{});
  for (const auto e : boost::make_iterator_range(boost::edges(graph_))) edges_[graph_[e].id] = e;
}

int ClusterGraph::add_node(std::string name, scenarios::IntraConnect intra, int group,
                           int index_in_group) {
  NodeInfo info;
  info.name = std::move(name);
  info.group = group;
  info.index_in_group = index_in_group;
  info.intra = intra;
  nodes_.push_back(std::move(info));
  return static_cast<int>(nodes_.size()) - 1;
}

VertexId ClusterGraph::add_vertex(VertexKind kind, int node, std::string name) {
  if (node < -1 || node >= node_count()) {
    throw std::invalid_argument("topology: vertex '" + name + "' names node " +
                                std::to_string(node) + ", but the graph has " +
                                std::to_string(node_count()) + " nodes");
  }
  index_ = FabricIndex{};  // the routing tables no longer describe the graph
  VertexProps props;
  props.kind = kind;
  props.node = node;
  props.name = std::move(name);
  const auto id = static_cast<VertexId>(boost::num_vertices(graph_));
  if (node >= 0) {
    auto& members = nodes_[static_cast<std::size_t>(node)].members[static_cast<std::size_t>(kind)];
    props.local = static_cast<int>(members.size());
    members.push_back(id);
  }
  if (kind == VertexKind::kGpu) {
    props.gpu = static_cast<int>(gpus_.size());
    gpus_.push_back(id);
  }
  // Add, then fill: the property-taking overload goes through Boost's named-graph lookup, whose
  // empty boost::optional trips GCC 12's -Wmaybe-uninitialized in sanitizer builds (-Werror).
  const auto vertex = boost::add_vertex(graph_);
  graph_[vertex] = std::move(props);
  return id;
}

LinkId ClusterGraph::add_link(VertexId a, VertexId b, LinkKind kind, double bandwidth,
                              double latency) {
  const auto n = boost::num_vertices(graph_);
  if (a >= n || b >= n) {
    throw std::invalid_argument("topology: link between unknown vertices " + std::to_string(a) +
                                " and " + std::to_string(b));
  }
  if (a == b) {
    throw std::invalid_argument("topology: link from '" + graph_[a].name + "' to itself");
  }
  if (!(bandwidth > 0) || !std::isfinite(bandwidth)) {
    throw std::invalid_argument("topology: link '" + graph_[a].name + "' - '" + graph_[b].name +
                                "' needs a positive, finite bandwidth (bytes/s)");
  }
  if (!(latency >= 0) || !std::isfinite(latency)) {
    throw std::invalid_argument("topology: link '" + graph_[a].name + "' - '" + graph_[b].name +
                                "' needs a non-negative, finite latency (s)");
  }
  index_ = FabricIndex{};
  LinkProps props;
  props.kind = kind;
  props.bandwidth = bandwidth;
  props.latency = latency;
  props.id = static_cast<LinkId>(edges_.size());
  props.a = a;
  props.b = b;
  const auto [edge, inserted] = boost::add_edge(a, b, props, graph_);
  (void)inserted;  // parallel links are allowed (vecS out-edge lists keep them all)
  edges_.push_back(edge);
  return props.id;
}

void ClusterGraph::set_fabric(FabricKind kind, FabricIndex index) {
  fabric_ = kind;
  index_ = std::move(index);
}

VertexId ClusterGraph::gpu(int node, int local) const {
  const auto& gpus = this->node(node).of(VertexKind::kGpu);
  return gpus.at(static_cast<std::size_t>(local));
}

VertexId ClusterGraph::other_end(LinkId id, VertexId from) const {
  const LinkProps& props = link(id);
  if (props.a == from) return props.b;
  if (props.b == from) return props.a;
  throw std::invalid_argument("topology: vertex '" + graph_[from].name + "' is not an end of link " +
                              std::to_string(id));
}

}  // namespace stratum::topology
