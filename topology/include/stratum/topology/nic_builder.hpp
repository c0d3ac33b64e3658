#pragma once
// Network adapters of one node (scenarios::NicSpec).
//
// Per GPU (DGX / HGX H100): NIC i is joined to GPU i by one PCIe link. In a DGX H100 each GPU
// shares a PCIe Gen5 switch with its own ConnectX-7 (NVIDIA DGX H100 User Guide, "Network
// Connections, Cables, and Adaptors"; NVIDIA DGX SuperPOD H100 Reference Architecture), so
// GPUDirect RDMA traffic of one GPU never crosses another GPU's PCIe path; the switch is folded
// into that one link.
// Per node: `count` NICs hang off the host CPU (NVSwitch nodes) or off the node's PCIe switch
// (PCIe nodes), so all GPUs of the node share them through their PCIe links.
//
// The GPU-NIC link carries the GPU's PCIe bandwidth (NodeParams::host_link_bandwidth, the GPU's
// own x16 link); the NIC's port rate applies on its fabric link (fabric_builders.hpp).
// Latency: NicSpec::latency on the in-node link.
#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/cluster_graph.hpp"
#include "stratum/topology/node_builders.hpp"

namespace stratum::topology {

// How many NICs a node of `group` gets (0 = none); throws std::invalid_argument when the spec is
// inconsistent (per-GPU with a count other than gpus_per_node, negative count, a NIC with no
// positive bandwidth).
int nic_count(const scenarios::NodeGroup& group);

// Adds the NICs of node `node` (already built) and their in-node links. Vertex names are
// "<node>.nic<i>". Throws std::invalid_argument when the node has nothing to attach per-node NICs
// to (an NVSwitch node without a host link).
void attach_nics(ClusterGraph& graph, int node, const scenarios::NicSpec& nics,
                 const NodeParams& params);

}  // namespace stratum::topology
