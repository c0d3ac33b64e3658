#include "route_zone.hpp"

#include <stdexcept>
#include <string>

#include <simgrid/kernel/routing/NetPoint.hpp>

namespace stratum::sim {

std::uint64_t RouteZone::key(const simgrid::kernel::routing::NetPoint* src,
                             const simgrid::kernel::routing::NetPoint* dst) {
  return (static_cast<std::uint64_t>(src->id()) << 32) | static_cast<std::uint32_t>(dst->id());
}

void RouteZone::add_directed_route(const simgrid::kernel::routing::NetPoint* src,
                                   const simgrid::kernel::routing::NetPoint* dst,
                                   const std::vector<simgrid::s4u::LinkInRoute>& links, double latency) {
  StoredRoute route;
  route.first = static_cast<std::uint32_t>(pool_.size());
  route.count = static_cast<std::uint32_t>(links.size());
  route.latency = latency;
  for (const simgrid::s4u::LinkInRoute& hop : links) {
    // A split-duplex link is two links; UP carries traffic from the link's first end to its
    // second (SimGrid 3.32 NetZoneImpl::get_link_list_impl makes the same choice).
    const simgrid::s4u::Link* link = hop.get_link();
    const auto* duplex = dynamic_cast<const simgrid::s4u::SplitDuplexLink*>(link);
    if (duplex != nullptr) {
      link = hop.get_direction() == simgrid::s4u::LinkInRoute::Direction::DOWN ? duplex->get_link_down()
                                                                              : duplex->get_link_up();
    }
    pool_.push_back(link->get_impl());
  }
  if (!routes_.try_emplace(key(src, dst), route).second) {
    throw std::logic_error("RouteZone: a route from " + src->get_name() + " to " + dst->get_name() +
                           " already exists");
  }
}

bool RouteZone::has_route(const simgrid::kernel::routing::NetPoint* src,
                          const simgrid::kernel::routing::NetPoint* dst) const {
  return routes_.count(key(src, dst)) != 0;
}

void RouteZone::get_local_route(const simgrid::kernel::routing::NetPoint* src,
                                const simgrid::kernel::routing::NetPoint* dst, simgrid::kernel::routing::Route* into,
                                double* latency) {
  const auto it = routes_.find(key(src, dst));
  if (it == routes_.end()) {
    // Reaching here is a defect: callers check Platform::gpus_connected / has_route first.
    throw std::logic_error("RouteZone: no route from " + src->get_name() + " to " + dst->get_name());
  }
  const StoredRoute& route = it->second;
  into->link_list_.insert(into->link_list_.end(), pool_.begin() + route.first,
                          pool_.begin() + route.first + route.count);
  if (latency != nullptr) *latency += route.latency;
}

}  // namespace stratum::sim
