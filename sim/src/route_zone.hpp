#pragma once
// A SimGrid netzone that holds explicit routes for the host pairs that will communicate, and only
// those.
//
// Why not SimGrid's FullZone: in 3.32 it allocates a dense table of n x n route pointers for n
// netpoints on the first add_route (FullZone::check_routing_table), so 16,384 GPU hosts would need
// 2 GiB before a single route exists. Routed zones that compute paths themselves (Floyd, Dijkstra)
// would pick their own shortest paths and lose topology/'s ECMP choice. This zone stores a route
// per ordered (source, destination) pair in a hash map: memory grows with the pairs a run uses.
//
// SimGrid calls get_local_route for every communication between two hosts of this zone; routes
// are looked up, never computed, there.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <simgrid/kernel/routing/NetZoneImpl.hpp>

namespace stratum::sim {

class RouteZone final : public simgrid::kernel::routing::NetZoneImpl {
 public:
  explicit RouteZone(const std::string& name) : NetZoneImpl(name) {}

  // Installs the route src -> dst only (not the way back). `latency` is the sum of the links'
  // latencies, charged by SimGrid's network model before the bytes flow.
  void add_directed_route(const simgrid::kernel::routing::NetPoint* src,
                          const simgrid::kernel::routing::NetPoint* dst,
                          const std::vector<simgrid::s4u::LinkInRoute>& links, double latency);
  bool has_route(const simgrid::kernel::routing::NetPoint* src, const simgrid::kernel::routing::NetPoint* dst) const;
  std::size_t route_count() const { return routes_.size(); }

  void get_local_route(const simgrid::kernel::routing::NetPoint* src, const simgrid::kernel::routing::NetPoint* dst,
                       simgrid::kernel::routing::Route* into, double* latency) override;

 private:
  struct StoredRoute {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
    double latency = 0;
  };
  static std::uint64_t key(const simgrid::kernel::routing::NetPoint* src,
                           const simgrid::kernel::routing::NetPoint* dst);
  std::unordered_map<std::uint64_t, StoredRoute> routes_;
  std::vector<simgrid::kernel::resource::StandardLinkImpl*> pool_;  // every route's links, back to back
};

}  // namespace stratum::sim
