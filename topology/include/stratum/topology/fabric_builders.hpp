#pragma once
// Fabrics joining the NICs of all nodes (scenarios::FabricSpec). Only what the cluster needs is
// built: leaves for the NICs present, pods for those leaves, a core only when there are pods to
// join. NICs are taken node-major (node 0's NICs first); a node's NICs go to one leaf whenever
// they fit on one, so nodes are never split needlessly.
//
// Leaf ports (all kinds): a leaf of radix k gives d = floor(k * r / (r + 1)) ports down and
// u = k - d up, r = FabricSpec::oversubscription (so r = 1 gives k/2 : k/2; k = 48, r = 2 gives
// 32 : 16). Integer ports cannot match every r exactly; analyze() reports the ratio built.
//
// Two-level fat-tree (leaf-spine): L = ceil(NICs / d) leaves, u spines, one link from every leaf
// to every spine. Needs L <= k (a spine has k ports). Capacity k * d NICs (k^2 / 2 at 1:1, the
// two-level k-ary fat-tree of Al-Fares, Loukissas and Vahdat, SIGCOMM 2008).
//
// Three-level fat-tree (Al-Fares et al. 2008, section 3): pods of k/2 leaves and u aggregation
// switches, every leaf linked to every aggregation switch of its pod; aggregation switch j of
// every pod links to the k/2 core switches of core group j (so the aggregation tier is 1:1 and
// the only oversubscription is at the leaf). P = ceil(L / (k/2)) pods, u * k/2 cores, needs
// P <= k. Capacity k * k/2 * d NICs (k^3 / 4 at 1:1). With one pod no core is built.
//
// Rail-optimised leaf-spine (NVIDIA DGX SuperPOD reference architecture): NIC i of every node
// joins rail i; nodes are grouped d at a time, and each group has one leaf per rail. Spines:
// FabricSpec::spines, or u when 0 (full bisection at 1:1); every leaf links to every spine.
// Needs spines <= u and groups * rails <= k.
//
// Multi-pod (Llama 3, Dubey et al. 2024, section 3.3.1: 3,072-GPU pods with full bisection,
// 1:7 above): pods of pod_gpus GPUs' NICs, each a two-level leaf-spine as above (L_p leaves,
// u spines); spine j of every pod links to the c cores of core group j, c = max(1,
// round(L_p / pod_oversubscription)), so a pod's up capacity is its leaf-spine capacity divided by
// pod_oversubscription. Needs L_p <= k (spine ports) and pods <= k (core ports).
//
// Links per tier: FabricSpec::tiers[0] NIC-leaf, [1] leaf-spine (or leaf-aggregation), [2]
// spine-core; a tier missing from the list uses the last one given (one tier = all). The NIC-leaf
// link runs at the lower of the tier's bandwidth and the NIC's own (NicSpec::bandwidth).
#include <string>
#include <vector>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::topology {

// Leaf down ports for radix k and down:up ratio r (see above).
int leaf_down_ports(int radix, double oversubscription);

// Problems with `fabric` for this graph's NICs (too small a radix, zero bandwidth, rails that do
// not match, ...), one message each; empty when it can be built.
std::vector<std::string> check_fabric(const ClusterGraph& graph, const scenarios::FabricSpec& fabric);

// Builds the fabric over every NIC in `graph` and records it with its routing tables
// (ClusterGraph::fabric(), fabric_index()); kNone adds no switch but still indexes the nodes, so
// that routes inside a node need no search either. `nic_bandwidth` gives each node's NIC port
// rate (bytes/s, by node index; missing or 0 = the tier's figure alone). Throws
// std::invalid_argument with check_fabric's messages, one per line.
void build_fabric(ClusterGraph& graph, const scenarios::FabricSpec& fabric,
                  const std::vector<double>& nic_bandwidth = {});

}  // namespace stratum::topology
