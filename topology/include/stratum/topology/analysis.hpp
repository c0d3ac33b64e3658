#pragma once
// Whole-graph questions: how far apart GPUs are, whether they can reach each other at all, and
// whether the nodes are joined by a fabric yet.
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
  // True when the cluster has more than one node and no fabric joins them: GPUs in different
  // nodes cannot exchange data, and any inter-node transfer must be refused, not simulated.
  bool fabric_unconnected = false;
};
TopologyReport analyze(const ClusterGraph& graph);

}  // namespace stratum::topology
