#pragma once
// The whole cluster from a scenario: every node of every node group, in order (group 0's nodes
// first, GPU global indices following the same order), each node's NICs (NodeGroup::nics), and
// the fabric joining them (ClusterSpec::fabric, fabric_builders.hpp).
//
// With FabricKind::kNone nodes stay islands: analyze() reports fabric_unconnected for clusters of
// more than one node, and route() between nodes answers std::nullopt.
#include <cstdint>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::topology {

// Node names are "<group id>-<index>" ("dgx-0", "dgx-1"). Problems in any group (duplicate or
// empty ids, missing bandwidths, counts below 1, inconsistent NICs) and in the fabric (radix too
// small, zero bandwidth, rails that do not match) are collected and thrown together as one
// std::invalid_argument, one problem per line. `ecmp_seed` (the run's seed) goes to
// ClusterGraph::set_ecmp_seed.
ClusterGraph build_cluster(const scenarios::ClusterSpec& spec, std::uint64_t ecmp_seed);
ClusterGraph build_cluster(const scenarios::ClusterSpec& spec);  // ecmp_seed 0

}  // namespace stratum::topology
