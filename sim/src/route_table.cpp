#include "stratum/sim/route_table.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace stratum::sim {

RouteFn default_route_fn(const topology::ClusterGraph& graph) {
  return [&graph](int a, int b) { return topology::route(graph, a, b); };
}

RouteTable::RouteTable(const topology::ClusterGraph& graph, RouteFn route)
    : graph_(&graph), route_(route ? std::move(route) : default_route_fn(graph)) {}

RouteTable::Entry RouteTable::get(int gpu_a, int gpu_b) {
  const auto [it, inserted] = index_.try_emplace(key(gpu_a, gpu_b), static_cast<std::uint32_t>(entries_.size()));
  if (!inserted) return entries_[it->second];
  Entry e;
  e.first = static_cast<std::uint32_t>(hops_.size());
  e.bottleneck = std::numeric_limits<double>::infinity();
  if (gpu_a == gpu_b) {
    e.connected = true;
  } else if (const std::optional<topology::Path> path = route_(gpu_a, gpu_b)) {
    e.connected = true;
    for (const topology::Hop& hop : path->hops) {
      const topology::LinkProps& link = graph_->link(hop.link);
      hops_.push_back(directed_link(hop.link, hop.forward(*graph_)));
      e.latency += link.latency;
      e.bottleneck = std::min(e.bottleneck, link.bandwidth);
    }
    e.count = static_cast<std::uint32_t>(path->hops.size());
  } else {
    e.bottleneck = 0;
  }
  entries_.push_back(e);
  return entries_.back();
}

}  // namespace stratum::sim
