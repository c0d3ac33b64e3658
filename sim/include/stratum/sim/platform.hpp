#pragma once
// The SimGrid platform built from topology's ClusterGraph (DESIGN.md section 4).
//
// One full-routing zone, the root (no nesting, so no hop is lost to zone gateways in SimGrid 3.32);
// a host per GPU and per host CPU; one split-duplex link per graph link; one route per connected
// pair of hosts, taken from topology's path rule (fewest hops, then widest). Switches are not
// SimGrid netpoints: in a full zone a route is an explicit list of links, and the switch is the
// point where two of them meet.
#include <cstddef>
#include <utility>
#include <vector>

#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include "stratum/sim/route_table.hpp"
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

class RouteZone;

// What a run will use of the cluster, given up front so that only that much is built.
struct PlatformScope {
  std::vector<int> gpus;                       // GPU hosts to create (global indices, any order)
  std::vector<std::pair<int, int>> routes;     // ordered GPU pairs (from, to) that will communicate
};

class Platform {
 public:
  // Builds the whole platform in `engine`, which must have been configured by configure_engine()
  // and hold no netzone yet (std::logic_error otherwise). The graph is only read during the call.
  Platform(simgrid::s4u::Engine& engine, const topology::ClusterGraph& graph);

  // Builds only what `scope` names, for fabrics too large for the constructor above (SimGrid's
  // FullZone keeps an n x n route table: 2 GiB for 16,384 hosts). One zone, the root, holding a
  // host per GPU in `scope.gpus` or in one of its routes, a split-duplex link per graph link that
  // one of those routes crosses, and exactly the routes asked for, taken from `routes` (so the
  // analytic fidelity, reading the same table, charges the same links). No host CPUs. Pairs that
  // are not connected get no route (has_route says so). Same preconditions as above.
  Platform(simgrid::s4u::Engine& engine, const topology::ClusterGraph& graph, RouteTable& routes,
           const PlatformScope& scope);

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
  // Whether a transfer from GPU a to GPU b has a route in this platform (a scoped platform only
  // has the routes it was asked for; the full one has every connected pair).
  bool has_route(int gpu_a, int gpu_b) const;
  // Number of host pairs given a route (full platform: each symmetrical route counted once;
  // scoped platform: each ordered pair).
  std::size_t route_count() const { return route_count_; }
  // Links actually created in SimGrid (a scoped platform skips links no route crosses).
  std::size_t link_count() const { return created_links_; }

 private:
  simgrid::s4u::NetZone* zone_ = nullptr;
  std::vector<simgrid::s4u::Host*> vertex_hosts_;  // by VertexId
  std::vector<simgrid::s4u::Host*> gpu_hosts_;     // by global GPU index
  std::vector<int> gpu_component_;                 // connected component per global GPU index
  std::vector<std::vector<simgrid::s4u::Host*>> node_gpu_hosts_;  // by node, then local index
  std::vector<simgrid::s4u::Host*> cpu_hosts_;     // by node
  std::vector<simgrid::s4u::SplitDuplexLink*> links_;  // by LinkId
  std::size_t route_count_ = 0;
  std::size_t created_links_ = 0;
  RouteZone* route_zone_ = nullptr;  // the zone of a scoped platform, nullptr for the full one
};

// Builds a scoped platform in a fresh engine of this process (quiet, configured by
// configure_engine) and reports its size, then tears the engine down without simulating. For
// benchmarks and tools outside sim/, which may not include SimGrid (DESIGN.md section 1). One
// engine per process: call it at most once, and not beside another engine.
struct PlatformSize {
  std::size_t hosts = 0;
  std::size_t links = 0;
  std::size_t routes = 0;
};
PlatformSize build_scoped_platform(const topology::ClusterGraph& graph, RouteTable& routes, const PlatformScope& scope);

}  // namespace stratum::sim
