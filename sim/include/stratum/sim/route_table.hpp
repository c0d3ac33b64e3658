#pragma once
// GPU-to-GPU routes, computed once per ordered pair and shared by both communication fidelities:
// the SimGrid platform (flow) installs exactly these routes, and the closed-form evaluator
// (analytic) charges exactly these links, so the two can only differ in how they share bandwidth.
//
// A route is directed: with ECMP, a -> b and b -> a may take different spines, as two RDMA
// connections hashed independently do.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "stratum/topology/cluster_graph.hpp"
#include "stratum/topology/path.hpp"

namespace stratum::sim {

// One direction of one full-duplex graph link: 2 x LinkId, + 1 when traversed from b to a.
// Each direction has its own bandwidth (topology::LinkProps), so loads are kept per direction.
using DirectedLink = std::uint32_t;
inline DirectedLink directed_link(topology::LinkId link, bool forward) { return 2 * link + (forward ? 0u : 1u); }
inline topology::LinkId link_of(DirectedLink d) { return d / 2; }
inline bool is_forward(DirectedLink d) { return (d & 1u) == 0; }

// Chooses the path between two GPUs (global indices); std::nullopt when they are not connected.
using RouteFn = std::function<std::optional<topology::Path>(int gpu_a, int gpu_b)>;

// The route rule used when none is given: topology::route (fewest hops, widest, lowest link id).
RouteFn default_route_fn(const topology::ClusterGraph& graph);

class RouteTable {
 public:
  struct Entry {
    std::uint32_t first = 0;   // into the shared hop pool
    std::uint32_t count = 0;   // hops
    double latency = 0;        // seconds, sum over the hops
    double bottleneck = 0;     // bytes/s, narrowest hop (+inf for a GPU to itself)
    bool connected = false;
  };

  // Keeps a pointer to `graph`, which must outlive the table.
  RouteTable(const topology::ClusterGraph& graph, RouteFn route = {});

  // The route a -> b, computed on first use. Never throws for valid GPU indices; check
  // Entry::connected.
  Entry get(int gpu_a, int gpu_b);
  std::span<const DirectedLink> hops(const Entry& e) const {
    return {hops_.data() + e.first, e.count};
  }
  const topology::ClusterGraph& graph() const { return *graph_; }
  std::size_t size() const { return entries_.size(); }

 private:
  static std::uint64_t key(int a, int b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
  }
  const topology::ClusterGraph* graph_;
  RouteFn route_;
  std::unordered_map<std::uint64_t, std::uint32_t> index_;  // pair -> entries_ index
  std::vector<Entry> entries_;
  std::vector<DirectedLink> hops_;
};

}  // namespace stratum::sim
