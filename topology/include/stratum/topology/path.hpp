#pragma once
// Paths through the cluster graph and how they are chosen.
//
// Rule: fewest hops first (a transfer never detours through extra switches); among paths with as
// many hops, the widest one (largest bottleneck bandwidth), so that an NVSwitch path wins over an
// equally short path through the host bridge; remaining ties are broken at each vertex in favour
// of the incoming link with the lowest id (links are numbered in build order), so every answer is
// reproducible across runs and platforms.
#include <cstdint>
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
// Routes between GPUs (global indices); std::nullopt when they are not connected.
//
// On graphs from build_cluster (a FabricIndex is present) no search runs: a pair in one node goes
// GPU -> NVSwitch (or PCIe switch) -> GPU; a pair in different nodes goes GPU -> its NIC (per-GPU
// NICs: the GPU's own; per-node NICs: through the host or PCIe switch to one of the node's NICs)
// -> leaf -> up to the lowest tier that reaches the destination leaf -> down -> NIC -> GPU. Such a
// route is always a shortest path (the tests compare it with a breadth-first search); it never
// relays through another GPU (PXN-style relays are a collective's choice, made in sim/).
// Where several equal-cost choices exist (which per-node NIC at each end, which uplink at each
// tier), ECMP picks one with a hash of (graph.ecmp_seed(), flow_key): h = splitmix64(seed ^
// splitmix64(flow_key)), and the choice at step s among n candidates is splitmix64(h + s) mod n
// (splitmix64: Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
// 2014). The same key always takes the same path; different keys spread over the spines.
// Cost: O(tiers), no allocation beyond the path's own hop vector (route_into reuses it).
// Graphs assembled by hand (no FabricIndex) fall back to shortest_path(), ignoring flow_key.
std::optional<Path> route(const ClusterGraph& graph, int gpu_a, int gpu_b, std::uint64_t flow_key);
// As above, into `out` (its hop vector's capacity is reused); false when not connected.
bool route_into(const ClusterGraph& graph, int gpu_a, int gpu_b, std::uint64_t flow_key, Path& out);
// Flow key 0: the deterministic default route.
std::optional<Path> route(const ClusterGraph& graph, int gpu_a, int gpu_b);

// The ECMP hash above, exposed so that tests and sim/ can reason about it.
std::uint64_t splitmix64(std::uint64_t x);
std::uint64_t ecmp_hash(std::uint64_t seed, std::uint64_t flow_key);

}  // namespace stratum::topology
