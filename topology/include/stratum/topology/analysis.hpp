#pragma once
// Whole-graph questions: how far apart GPUs are, whether they can reach each other at all, and
// whether the nodes are joined by a fabric yet.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stratum/topology/cluster_graph.hpp"

namespace stratum::topology {

// Hops between two GPUs (global indices) on the chosen path; -1 when not connected.
int hop_count(const ClusterGraph& graph, int gpu_a, int gpu_b);

// Hop counts between every pair of GPUs, row-major gpu_count x gpu_count, -1 for disconnected
// pairs, 0 on the diagonal.
std::vector<int> gpu_hop_matrix(const ClusterGraph& graph);

// Largest hop count over connected GPU pairs; 0 with fewer than two connected GPUs.
int gpu_diameter(const ClusterGraph& graph);

struct Components {
  int count = 0;
  std::vector<int> of_vertex;  // component index per VertexId, numbered in vertex order
};
// Connected components of the whole graph (Boost connected_components).
Components connected_components(const ClusterGraph& graph);
int component_count(const ClusterGraph& graph);

// Largest flow (bytes/s, one direction) from the first half of the GPUs (global indices
// 0 .. n/2 - 1) to the second half, every link carrying its per-direction bandwidth: a max-flow
// (Boost push_relabel_max_flow) on the graph itself, so whatever the builders made is measured,
// not assumed. Node-major GPU order puts whole nodes, leaves and pods on each side when their
// counts are even, which is the worst-case bisection of a fat-tree; for a full k-ary fat-tree it
// equals the closed form n/2 x NIC bandwidth at 1:1, divided by the leaf's down:up ratio when
// oversubscribed. 0 with fewer than two GPUs.
double bisection_bandwidth(const ClusterGraph& graph);

// One switch tier of the fabric (1 leaf, 2 spine / aggregation, 3 core).
struct TierReport {
  int tier = 0;
  int switches = 0;
  std::size_t links_down = 0;   // links from the tier below into this tier
  std::size_t links_up = 0;     // links from this tier to the one above
  double down_bandwidth = 0;    // bytes/s, all links_down together (one direction)
  double up_bandwidth = 0;      // bytes/s, all links_up together
  // down_bandwidth / up_bandwidth; 0 for the top tier (nothing above).
  double oversubscription = 0;
};
const char* tier_name(int tier);  // "nic", "leaf", "spine", "core"

struct TopologyReport {
  std::size_t vertices = 0;
  std::size_t links = 0;
  int nodes = 0;
  int gpus = 0;
  int components = 0;
  std::int64_t connected_gpu_pairs = 0;     // unordered pairs with a path
  std::int64_t disconnected_gpu_pairs = 0;  // unordered pairs without one
  int gpu_diameter_hops = 0;
  FabricKind fabric = FabricKind::kNone;
  // True when the cluster has more than one node and some GPUs of different nodes cannot reach
  // each other (no fabric, or nodes without NICs): such transfers must be refused, not simulated.
  bool fabric_unconnected = false;
  int nics = 0;
  std::vector<TierReport> tiers;          // switch tiers, leaf first; empty without a fabric
  double bisection_bandwidth = 0;         // bytes/s, see bisection_bandwidth()
  // gpu_pairs_by_hops[h]: unordered connected GPU pairs whose route has h hops.
  std::vector<std::int64_t> gpu_pairs_by_hops;
  double mean_gpu_hops = 0;               // over connected pairs
};
// Whole report. Hop figures follow route() (path.hpp): on graphs with a FabricIndex they are
// counted by classes of GPUs (leaf and access hops) in O(leaves^2 + GPUs), so a 16,384-GPU
// fabric is analysed in about a second; hand-built graphs use one BFS per GPU.
TopologyReport analyze(const ClusterGraph& graph);

}  // namespace stratum::topology
