#pragma once
// The SimGrid platform built from topology's ClusterGraph (DESIGN.md section 4).
//
// One full-routing zone, the root (no nesting, so no hop is lost to zone gateways in SimGrid 3.32);
// a host per GPU and per host CPU; one split-duplex link per graph link; one route per connected
// pair of hosts, taken from topology's path rule (fewest hops, then widest). Switches are not
// SimGrid netpoints: in a full zone a route is an explicit list of links, and the switch is the
// point where two of them meet.
#include <cstddef>
#include <vector>

#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include "stratum/topology/cluster_graph.hpp"

namespace stratum::sim {

// Selects the network model under which a lone transfer costs exactly
//   sum of link latencies + size / bottleneck bandwidth:
// network/model:CM02 (no TCP slow-start or packet effects), network/TCP-gamma:0 (no window bound
// gamma / (2 latency) on the rate), network/crosstraffic:0 (no 5 % reverse-path ACK load).
// CM02 itself sets latency-factor 1, bandwidth-factor 1 and weight-S 0 as defaults (SimGrid 3.32
// src/surf/network_cm02.cpp, surf_network_model_init_CM02); they are left as defaults, not set,
// because SimGrid refuses factor callbacks (set_lat_factor_cb / set_bw_factor_cb, the way
// calibration applies measured factors) once those keys were set explicitly. If a command line
// (--cfg) changed one of them, this throws std::invalid_argument rather than run inexactly.
// Must be called before the first netzone exists (the models are chosen then); throws
// std::logic_error otherwise.
//
// Sharing, for whoever models contention: CM02 gives each flow a weight equal to its route's
// total latency (weight-S 0 adds nothing), and max-min sharing hands a saturated link out in
// proportion to 1 / weight. Flows with equal path latency split a link equally; a flow with
// twice the path latency of another gets half its share (SimGrid 3.32 src/surf/network_cm02.cpp,
// NetworkCm02Model::communicate, sharing_penalty_ = latency).
void configure_engine(simgrid::s4u::Engine& engine);

class Platform {
 public:
  // Builds the whole platform in `engine`, which must have been configured by configure_engine()
  // and hold no netzone yet (std::logic_error otherwise). The graph is only read during the call.
  Platform(simgrid::s4u::Engine& engine, const topology::ClusterGraph& graph);

  int gpu_count() const { return static_cast<int>(gpu_hosts_.size()); }
  int node_count() const { return static_cast<int>(node_gpu_hosts_.size()); }
  // GPU host by global index, or by node and local index; std::out_of_range when absent.
  simgrid::s4u::Host* gpu_host(int global) const;
  simgrid::s4u::Host* gpu_host(int node, int local) const;
  // The node's host CPU, nullptr when the node has none (a GPU without a PCIe host link).
  simgrid::s4u::Host* cpu_host(int node) const;
  // The SimGrid host of a graph vertex, nullptr for switches and NICs.
  simgrid::s4u::Host* host_of(topology::VertexId v) const { return vertex_hosts_.at(v); }
  // The split-duplex link made for a graph link; its UP half carries traffic from the graph
  // link's endpoint `a` to `b`.
  simgrid::s4u::SplitDuplexLink* link(topology::LinkId id) const { return links_.at(id); }
  // Whether two GPUs have a route. GPUs of different nodes have none until a fabric joins them;
  // sending between them would abort SimGrid, so callers check first.
  bool gpus_connected(int gpu_a, int gpu_b) const;
  simgrid::s4u::NetZone* zone() const { return zone_; }
  // Number of host pairs given a route (each symmetrical route counted once).
  std::size_t route_count() const { return route_count_; }

 private:
  simgrid::s4u::NetZone* zone_ = nullptr;
  std::vector<simgrid::s4u::Host*> vertex_hosts_;  // by VertexId
  std::vector<simgrid::s4u::Host*> gpu_hosts_;     // by global GPU index
  std::vector<int> gpu_component_;                 // connected component per global GPU index
  std::vector<std::vector<simgrid::s4u::Host*>> node_gpu_hosts_;  // by node, then local index
  std::vector<simgrid::s4u::Host*> cpu_hosts_;     // by node
  std::vector<simgrid::s4u::SplitDuplexLink*> links_;  // by LinkId
  std::size_t route_count_ = 0;
};

}  // namespace stratum::sim
