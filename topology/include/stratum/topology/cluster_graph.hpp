#pragma once
// The cluster as a Boost.Graph: an undirected adjacency_list with bundled vertex and link
// properties, plus dense indices (GPU by global index, by node and local index, link by id) so
// that the simulator never searches the graph on its hot path.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/elements.hpp"
#include "stratum/topology/fabric_index.hpp"

namespace stratum::topology {

// How the nodes of the cluster are joined: the scenario's own enum (ClusterSpec::fabric), so that
// a scenario and the graph built from it never disagree. kNone leaves nodes as islands, and
// analyze() says so.
using FabricKind = scenarios::FabricKind;
// "none", "fat-tree", "rail-optimized", "multi-pod".
const char* to_string(FabricKind kind);

struct NodeInfo {
  std::string name;
  int group = -1;           // index into ClusterSpec::nodes, -1 when built outside build_cluster
  int index_in_group = 0;   // 0 .. NodeGroup::count - 1
  scenarios::IntraConnect intra = scenarios::IntraConnect::kNvswitch;
  // Vertices of the node by kind, in local-index order (members[kGpu][2] is GPU 2 of the node).
  std::array<std::vector<VertexId>, kVertexKindCount> members;

  const std::vector<VertexId>& of(VertexKind kind) const {
    return members[static_cast<std::size_t>(kind)];
  }
};

class ClusterGraph {
 public:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, VertexProps,
                                      LinkProps>;

  ClusterGraph() = default;
  // Edge descriptors of an undirected adjacency_list point into the graph's own edge list, which a
  // copy, and a move that Boost implements as a copy, do not carry over: each of these rebuilds
  // the link index from the links' ids.
  ClusterGraph(const ClusterGraph& other);
  ClusterGraph& operator=(const ClusterGraph& other);
  ClusterGraph(ClusterGraph&& other);
  ClusterGraph& operator=(ClusterGraph&& other);
  ~ClusterGraph() = default;

  // Registers a node and returns its index. Vertices are attached with add_vertex(kind, node, ...).
  int add_node(std::string name, scenarios::IntraConnect intra, int group = -1,
               int index_in_group = 0);
  // Adds a vertex; `node` may be -1 for fabric vertices. The local index is the number of vertices
  // of that kind the node already has; GPUs also get the next global GPU index.
  VertexId add_vertex(VertexKind kind, int node, std::string name);
  // Adds a full-duplex link. Throws std::invalid_argument for an unknown vertex, a self loop, a
  // non-positive or non-finite bandwidth, or a negative or non-finite latency.
  LinkId add_link(VertexId a, VertexId b, LinkKind kind, double bandwidth, double latency);

  const Graph& graph() const { return graph_; }
  std::size_t vertex_count() const { return boost::num_vertices(graph_); }
  std::size_t link_count() const { return edges_.size(); }
  int gpu_count() const { return static_cast<int>(gpus_.size()); }
  int node_count() const { return static_cast<int>(nodes_.size()); }

  const VertexProps& vertex(VertexId v) const { return graph_[v]; }
  const LinkProps& link(LinkId id) const { return graph_[edges_[id]]; }
  const NodeInfo& node(int index) const { return nodes_.at(static_cast<std::size_t>(index)); }
  // GPU vertex by global index (0 .. gpu_count-1) or by node and local index; throw
  // std::out_of_range when there is no such GPU.
  VertexId gpu(int global) const { return gpus_.at(static_cast<std::size_t>(global)); }
  VertexId gpu(int node, int local) const;
  // The vertex on the other end of `id` seen from `from` (which must be an endpoint).
  VertexId other_end(LinkId id, VertexId from) const;

  FabricKind fabric() const { return fabric_; }
  // Routing tables of the fabric (fabric_index.hpp); empty for graphs assembled by hand, whose
  // routes then come from a breadth-first search. Filled by build_fabric() (build_cluster calls
  // it); adding vertices or links afterwards clears it.
  const FabricIndex& fabric_index() const { return index_; }
  void set_fabric(FabricKind kind, FabricIndex index);
  // Seed of the ECMP hash (path.hpp): the run's seed, so that the same scenario and seed spread
  // flows the same way. 0 by default.
  std::uint64_t ecmp_seed() const { return ecmp_seed_; }
  void set_ecmp_seed(std::uint64_t seed) { ecmp_seed_ = seed; }

 private:
  void rebuild_link_index();

  Graph graph_;
  std::vector<Graph::edge_descriptor> edges_;  // by LinkId
  std::vector<VertexId> gpus_;                 // by global GPU index
  std::vector<NodeInfo> nodes_;
  FabricKind fabric_ = FabricKind::kNone;
  FabricIndex index_;
  std::uint64_t ecmp_seed_ = 0;
};

}  // namespace stratum::topology
