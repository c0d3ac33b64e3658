#pragma once
// Builders for one node's internals: GPUs, the switch between them, and the host CPU.
//
// NVSwitch node (DGX/HGX H100 style): every GPU has one link to the node's NVSwitch fabric
// carrying the GPU's aggregate NVLink bandwidth (all its NVLink ports together; the four NVSwitch
// chips of an HGX board are modelled as one non-blocking crossbar, which is what they provide to
// GPU pairs), and one PCIe link to the host CPU. GPU -> GPU is GPU -> NVSwitch -> GPU, 2 hops.
//
// PCIe node (L40S / A30 / RTX servers without NVLink): every GPU hangs off one PCIe switch, whose
// single uplink reaches the host bridge. Peer traffic turns around in the switch (2 hops); host
// traffic of all GPUs shares the uplink.
//
// Both model one host CPU per node (dual-socket servers would add a socket link: a later
// refinement, flagged here rather than guessed).
#include <string>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::topology {

// The numbers a node builder needs, already resolved (SI units).
struct NodeParams {
  int gpus = 1;
  double gpu_link_bandwidth = 0;  // bytes/s per direction: NVLink aggregate, or the GPU's PCIe link
  double peer_latency = 0;        // seconds for one GPU -> GPU transfer, split evenly over its hops
  double host_link_bandwidth = 0; // bytes/s per direction of the PCIe path to the host; 0 = none
  double host_latency = 0;        // seconds for one GPU -> host transfer, split over its hops
};

// Resolves a node group into NodeParams: NodeGroup::intra_bandwidth / intra_latency when set
// (nonzero), else the GPU entry's nvlink_bandwidth (NVSwitch) or pcie_bandwidth (PCIe) and the
// latencies in link_defaults.hpp. Throws std::invalid_argument, naming the group and the field,
// when a needed figure is missing or invalid (an NVSwitch node whose GPU has no NVLink, ...).
NodeParams resolve_node_params(const scenarios::NodeGroup& group);

struct NodeLabel {
  std::string name;        // vertex names become "<name>.gpu3", "<name>.cpu", ...
  int group = -1;
  int index_in_group = 0;
};

// Each builder adds one node to `graph` and returns its node index. GPUs get consecutive global
// indices. Throws std::invalid_argument for non-positive GPU counts or bandwidths.
int build_nvswitch_node(ClusterGraph& graph, const NodeParams& params, const NodeLabel& label);
int build_pcie_node(ClusterGraph& graph, const NodeParams& params, const NodeLabel& label);

}  // namespace stratum::topology
