#pragma once
// Dense tables that describe a built fabric, so that routing never searches the graph.
//
// Every fabric this folder builds is a folded Clos: NICs (tier 0) hang off exactly one leaf
// (tier 1); leaves go up to spines / aggregation switches (tier 2); three-level trees and
// multi-pod layouts add a core (tier 3). Going up, every uplink of a switch leads to a switch
// that covers the same destinations (the builders keep that symmetry), so a route climbs until it
// meets a switch above the destination leaf (the lowest common ancestor tier) and then follows
// the unique way down. `down` holds that way down: per upper switch (tier >= 2) and leaf, the
// next-hop link towards the leaf.
#include <cstdint>
#include <vector>

#include "stratum/topology/elements.hpp"

namespace stratum::topology {

struct FabricIndex {
  // Per VertexId: fabric tier, -1 for vertices outside the fabric (GPUs, NVSwitch, host, ...).
  std::vector<std::int8_t> tier;
  // Dense numbering of leaves and of upper (tier >= 2) switches, by VertexId, -1 otherwise.
  std::vector<int> leaf_of_vertex;
  std::vector<int> upper_of_vertex;
  std::vector<VertexId> leaves;  // by leaf index
  std::vector<VertexId> uppers;  // by upper index
  // Uplinks per vertex (CSR: links of v are up_links[up_begin[v] .. up_begin[v + 1])), in build
  // order; a NIC's only uplink goes to its leaf.
  std::vector<std::uint32_t> up_begin;
  std::vector<LinkId> up_links;
  // uppers.size() x leaves.size(), row-major: next-hop link from an upper switch down towards a
  // leaf, kNoLink when the leaf is not below it.
  std::vector<LinkId> down;
  // Per VertexId of a NIC: the link to what it is attached to inside the node (its GPU, the host
  // CPU or the PCIe switch); kNoLink for other vertices.
  std::vector<LinkId> nic_attach;
  // Per global GPU index: the GPU's link to the node's NVSwitch / PCIe switch (intra-node peer
  // traffic), and the link to the vertex its node's shared NICs hang off (host CPU or PCIe
  // switch; per-node NICs only). kNoLink when absent.
  std::vector<LinkId> gpu_peer_link;
  std::vector<LinkId> gpu_nic_path_link;
  // Per node: true when NIC i belongs to GPU i (per-GPU placement); false for NICs shared by the
  // node's GPUs (or no NIC at all).
  std::vector<std::uint8_t> node_nic_per_gpu;
  int switch_tiers = 0;  // highest tier present (0 = no fabric switches)

  bool empty() const { return tier.empty(); }
  LinkId down_link(int upper, int leaf) const {
    return down[static_cast<std::size_t>(upper) * leaves.size() + static_cast<std::size_t>(leaf)];
  }
};

}  // namespace stratum::topology
