#pragma once
// Paths through the cluster graph and how they are chosen.
//
// Rule: fewest hops first (a transfer never detours through extra switches); among paths with as
// many hops, the widest one (largest bottleneck bandwidth), so that an NVSwitch path wins over an
// equally short path through the host bridge; remaining ties are broken at each vertex in favour
// of the incoming link with the lowest id (links are numbered in build order), so every answer is
// reproducible across runs and platforms.
#include <optional>
#include <vector>

#include "stratum/topology/cluster_graph.hpp"

namespace stratum::topology {

struct Hop {
  LinkId link = kNoLink;
  VertexId from = kNoVertex;
  VertexId to = kNoVertex;
  // True when the hop runs from the link's endpoint `a` to `b` (SimGrid's split-duplex "UP").
  bool forward(const ClusterGraph& graph) const { return graph.link(link).a == from; }
};

struct Path {
  VertexId from = kNoVertex;
  VertexId to = kNoVertex;
  std::vector<Hop> hops;  // empty when from == to

  std::size_t hop_count() const { return hops.size(); }
};

// Sum of link latencies along the path (seconds): what CM02 charges a transfer before its bytes.
double path_latency(const ClusterGraph& graph, const Path& path);
// Smallest per-direction link bandwidth along the path (bytes/s); +infinity for an empty path.
double bottleneck_bandwidth(const ClusterGraph& graph, const Path& path);

// Best paths from one source to every vertex, computed once with a Boost breadth-first search
// (O(V + E)); use it when many routes share a source (the platform builder does, per host).
// It keeps a pointer to the graph: it must not outlive it. Queries take vertices of that graph
// (reaches / hops_to / width_to do not check; path_to throws std::out_of_range).
class PathTree {
 public:
  PathTree(const ClusterGraph& graph, VertexId source);

  VertexId source() const { return source_; }
  bool reaches(VertexId v) const { return hops_[v] >= 0; }
  // Hops from the source, -1 when unreachable.
  int hops_to(VertexId v) const { return hops_[v]; }
  // Bottleneck bandwidth of the chosen path (bytes/s); +infinity for the source, 0 if unreachable.
  double width_to(VertexId v) const { return width_[v]; }
  std::optional<Path> path_to(VertexId v) const;

 private:
  const ClusterGraph* graph_;
  VertexId source_;
  std::vector<int> hops_;
  std::vector<double> width_;
  std::vector<LinkId> pred_link_;
};

// Best path between two vertices; std::nullopt when they are not connected.
std::optional<Path> shortest_path(const ClusterGraph& graph, VertexId from, VertexId to);
// Best path between two GPUs given by global index; std::nullopt when they are not connected.
std::optional<Path> route(const ClusterGraph& graph, int gpu_a, int gpu_b);

}  // namespace stratum::topology
