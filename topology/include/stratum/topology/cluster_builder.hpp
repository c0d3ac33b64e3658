#pragma once
// The whole cluster from a scenario: every node of every node group, in order (group 0's nodes
// first, GPU global indices following the same order).
//
// Nodes are NOT joined by a network yet: ClusterGraph::fabric() is FabricKind::kNone and
// analyze() reports fabric_unconnected for clusters of more than one node. Fat-tree and rail
// fabrics are the next issue; nothing here pretends to connect nodes in the meantime.
#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::topology {

// Node names are "<group id>-<index>" ("dgx-0", "dgx-1"). Problems in any group (duplicate or
// empty ids, missing bandwidths, counts below 1) are collected and thrown together as one
// std::invalid_argument, one problem per line.
ClusterGraph build_cluster(const scenarios::ClusterSpec& spec);

}  // namespace stratum::topology
