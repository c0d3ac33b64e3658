#pragma once
// What a failed switch takes down: per leaf switch, the nodes that have a NIC attached to it.
// A leaf is the only way into the fabric for its NICs (fabric_index.hpp: a NIC's only uplink goes
// to its leaf), so its failure cuts those NICs off; a node that loses any NIC leaves a
// synchronous job (every rank of a collective is needed). Switches above the leaves are not
// counted: every leaf has uplinks to several of them and ECMP routes around one that fails
// (assumption: the folded Clos of fabric_builders.cpp has at least two uplinks per leaf).
#include <vector>

#include "stratum/topology/cluster_graph.hpp"

namespace stratum::topology {

// By leaf index (FabricIndex::leaves order), the node indices with a NIC on that leaf, ascending
// and unique. Empty when the graph has no fabric.
std::vector<std::vector<int>> nodes_behind_leaves(const ClusterGraph& graph);

}  // namespace stratum::topology
