#include "stratum/sim/platform.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <simgrid/s4u/Link.hpp>
#include <xbt/config.hpp>
#include <xbt/log.h>

#include "route_zone.hpp"
#include "stratum/topology/analysis.hpp"
#include "stratum/topology/path.hpp"

namespace stratum::sim {
namespace {

// SimGrid needs a positive host speed, but Stratum never executes flops on these hosts: a GPU
// actor sleeps for the time calibration/ computes (DESIGN.md section 4). 1 flop/s makes an
// accidental Exec take absurdly long instead of plausibly wrong.
constexpr double kHostSpeed = 1.0;

void require_configured(const simgrid::s4u::Engine& engine) {
  if (engine.get_netzone_root() != nullptr) {
    throw std::logic_error("Platform: the engine already holds a platform (one per engine)");
  }
  if (simgrid::config::get_value<std::string>("network/model") != "CM02" ||
      simgrid::config::get_value<double>("network/TCP-gamma") != 0.0 ||
      simgrid::config::get_value<bool>("network/crosstraffic")) {
    throw std::logic_error("Platform: call configure_engine(engine) before building the platform");
  }
}

simgrid::s4u::SplitDuplexLink* make_link(simgrid::s4u::NetZone* zone, const topology::ClusterGraph& graph,
                                          topology::LinkId id) {
  // SPLITDUPLEX, not SHARED: NVLink, PCIe and network links are full duplex with their bandwidth
  // in each direction, so a ring's a -> b and b -> a steps must not halve each other, as they
  // would on a SHARED link. Each direction is still SHARED among the flows that use it.
  const topology::LinkProps& props = graph.link(id);
  const std::string name =
      "l" + std::to_string(id) + ":" + graph.vertex(props.a).name + "-" + graph.vertex(props.b).name;
  auto* link = zone->create_split_duplex_link(name, props.bandwidth);
  link->set_latency(props.latency);
  link->seal();
  return link;
}

}  // namespace

void configure_engine(simgrid::s4u::Engine& engine) {
  if (engine.get_netzone_root() != nullptr) {
    throw std::logic_error(
        "configure_engine: the engine already has a netzone, so its network model is fixed; "
        "call configure_engine before building the platform");
  }
  // Exactness needs these at CM02's defaults (1, 1, 0); see the header for why they are checked
  // rather than set.
  for (const char* key : {"network/latency-factor", "network/bandwidth-factor", "network/weight-S"}) {
    if (!simgrid::config::is_default(key)) {
      throw std::invalid_argument(std::string("configure_engine: ") + key +
                                  " was set on the command line; Stratum needs CM02's default so "
                                  "that a transfer costs latency + size / bandwidth");
    }
  }
  simgrid::s4u::Engine::set_config("network/model:CM02");
  simgrid::s4u::Engine::set_config("network/TCP-gamma:0");
  simgrid::s4u::Engine::set_config("network/crosstraffic:0");
}

Platform::Platform(simgrid::s4u::Engine& engine, const topology::ClusterGraph& graph) {
  using topology::VertexKind;
  require_configured(engine);

  // The first zone created becomes the root and instantiates the network model chosen above.
  zone_ = simgrid::s4u::create_full_zone("stratum");

  const std::size_t vertex_count = graph.vertex_count();
  vertex_hosts_.assign(vertex_count, nullptr);
  std::vector<topology::VertexId> endpoints;  // vertices with a host, in vertex order
  for (topology::VertexId v = 0; v < vertex_count; ++v) {
    const topology::VertexProps& props = graph.vertex(v);
    if (props.kind != VertexKind::kGpu && props.kind != VertexKind::kHost) continue;
    vertex_hosts_[v] = zone_->create_host(props.name, kHostSpeed)->seal();
    endpoints.push_back(v);
  }

  gpu_hosts_.resize(static_cast<std::size_t>(graph.gpu_count()));
  for (int g = 0; g < graph.gpu_count(); ++g) {
    gpu_hosts_[static_cast<std::size_t>(g)] = vertex_hosts_[graph.gpu(g)];
  }
  node_gpu_hosts_.resize(static_cast<std::size_t>(graph.node_count()));
  cpu_hosts_.assign(static_cast<std::size_t>(graph.node_count()), nullptr);
  for (int n = 0; n < graph.node_count(); ++n) {
    const topology::NodeInfo& node = graph.node(n);
    for (const topology::VertexId v : node.of(VertexKind::kGpu)) {
      node_gpu_hosts_[static_cast<std::size_t>(n)].push_back(vertex_hosts_[v]);
    }
    if (!node.of(VertexKind::kHost).empty()) {
      cpu_hosts_[static_cast<std::size_t>(n)] = vertex_hosts_[node.of(VertexKind::kHost).front()];
    }
  }

  links_.resize(graph.link_count());
  for (topology::LinkId id = 0; id < graph.link_count(); ++id) links_[id] = make_link(zone_, graph, id);
  created_links_ = links_.size();

  // One symmetrical route per connected host pair: SimGrid derives b -> a by reversing the list
  // and swapping UP/DOWN halves (FullZone::add_route in 3.32), which is the same path backwards.
  const topology::Components components = topology::connected_components(graph);
  gpu_component_.resize(gpu_hosts_.size());
  for (int g = 0; g < graph.gpu_count(); ++g) {
    gpu_component_[static_cast<std::size_t>(g)] = components.of_vertex[graph.gpu(g)];
  }
  std::vector<simgrid::s4u::LinkInRoute> hops;
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const topology::VertexId source = endpoints[i];
    const topology::PathTree tree(graph, source);
    for (std::size_t j = i + 1; j < endpoints.size(); ++j) {
      const topology::VertexId target = endpoints[j];
      if (components.of_vertex[source] != components.of_vertex[target]) continue;
      const std::optional<topology::Path> path = tree.path_to(target);
      hops.clear();
      for (const topology::Hop& hop : path->hops) {
        hops.emplace_back(links_[hop.link], hop.forward(graph)
                                                ? simgrid::s4u::LinkInRoute::Direction::UP
                                                : simgrid::s4u::LinkInRoute::Direction::DOWN);
      }
      zone_->add_route(vertex_hosts_[source]->get_netpoint(), vertex_hosts_[target]->get_netpoint(),
                       nullptr, nullptr, hops, true);
      ++route_count_;
    }
  }
  zone_->seal();
}

Platform::Platform(simgrid::s4u::Engine& engine, const topology::ClusterGraph& graph, RouteTable& routes,
                   const PlatformScope& scope) {
  require_configured(engine);
  if (&routes.graph() != &graph) throw std::invalid_argument("Platform: the route table belongs to another graph");
  // The first zone created becomes the root and instantiates the network model chosen by
  // configure_engine (NetZoneImpl's constructor does so when the engine has no root yet).
  route_zone_ = new RouteZone("stratum");  // owned by the engine, which deletes its root zone
  zone_ = route_zone_->get_iface();

  const int gpus = graph.gpu_count();
  std::vector<int> wanted(scope.gpus);
  for (const auto& [a, b] : scope.routes) {
    wanted.push_back(a);
    wanted.push_back(b);
  }
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  vertex_hosts_.assign(graph.vertex_count(), nullptr);
  gpu_hosts_.assign(static_cast<std::size_t>(gpus), nullptr);
  for (const int g : wanted) {
    if (g < 0 || g >= gpus) throw std::out_of_range("Platform: GPU " + std::to_string(g) + " is not in the cluster");
    const topology::VertexId v = graph.gpu(g);
    vertex_hosts_[v] = zone_->create_host(graph.vertex(v).name, kHostSpeed)->seal();
    gpu_hosts_[static_cast<std::size_t>(g)] = vertex_hosts_[v];
  }
  node_gpu_hosts_.resize(static_cast<std::size_t>(graph.node_count()));
  cpu_hosts_.assign(static_cast<std::size_t>(graph.node_count()), nullptr);
  for (int n = 0; n < graph.node_count(); ++n) {
    for (const topology::VertexId v : graph.node(n).of(topology::VertexKind::kGpu)) {
      node_gpu_hosts_[static_cast<std::size_t>(n)].push_back(vertex_hosts_[v]);
    }
  }

  const topology::Components components = topology::connected_components(graph);
  gpu_component_.resize(static_cast<std::size_t>(gpus));
  for (int g = 0; g < gpus; ++g) gpu_component_[static_cast<std::size_t>(g)] = components.of_vertex[graph.gpu(g)];

  links_.assign(graph.link_count(), nullptr);
  std::vector<simgrid::s4u::LinkInRoute> hops;
  for (const auto& [a, b] : scope.routes) {
    if (a == b) continue;  // a GPU's copy to itself crosses no link
    const RouteTable::Entry entry = routes.get(a, b);
    if (!entry.connected) continue;
    const auto* src = gpu_hosts_[static_cast<std::size_t>(a)]->get_netpoint();
    const auto* dst = gpu_hosts_[static_cast<std::size_t>(b)]->get_netpoint();
    if (route_zone_->has_route(src, dst)) continue;  // asked for twice
    hops.clear();
    for (const DirectedLink d : routes.hops(entry)) {
      const topology::LinkId id = link_of(d);
      if (links_[id] == nullptr) {
        links_[id] = make_link(zone_, graph, id);
        ++created_links_;
      }
      hops.emplace_back(links_[id], is_forward(d) ? simgrid::s4u::LinkInRoute::Direction::UP
                                                  : simgrid::s4u::LinkInRoute::Direction::DOWN);
    }
    route_zone_->add_directed_route(src, dst, hops, entry.latency);
    ++route_count_;
  }
  zone_->seal();
}

simgrid::s4u::Host* Platform::gpu_host(int global) const {
  simgrid::s4u::Host* host = gpu_hosts_.at(static_cast<std::size_t>(global));
  if (host == nullptr) throw std::out_of_range("Platform: GPU " + std::to_string(global) + " is outside the scope");
  return host;
}

simgrid::s4u::Host* Platform::gpu_host(int node, int local) const {
  simgrid::s4u::Host* host = node_gpu_hosts_.at(static_cast<std::size_t>(node)).at(static_cast<std::size_t>(local));
  if (host == nullptr) {
    throw std::out_of_range("Platform: GPU " + std::to_string(local) + " of node " + std::to_string(node) +
                            " is outside the scope");
  }
  return host;
}

bool Platform::has_route(int gpu_a, int gpu_b) const {
  if (route_zone_ == nullptr) return gpus_connected(gpu_a, gpu_b);
  const simgrid::s4u::Host* a = gpu_hosts_.at(static_cast<std::size_t>(gpu_a));
  const simgrid::s4u::Host* b = gpu_hosts_.at(static_cast<std::size_t>(gpu_b));
  if (a == nullptr || b == nullptr) return false;
  return a == b || route_zone_->has_route(a->get_netpoint(), b->get_netpoint());
}

simgrid::s4u::Host* Platform::cpu_host(int node) const {
  return cpu_hosts_.at(static_cast<std::size_t>(node));
}

bool Platform::gpus_connected(int gpu_a, int gpu_b) const {
  return gpu_component_.at(static_cast<std::size_t>(gpu_a)) ==
         gpu_component_.at(static_cast<std::size_t>(gpu_b));
}

PlatformSize build_scoped_platform(const topology::ClusterGraph& graph, RouteTable& routes, const PlatformScope& scope) {
  xbt_log_control_set("root.thresh:critical");
  simgrid::s4u::Engine engine("stratum");
  configure_engine(engine);
  const Platform platform(engine, graph, routes, scope);
  return {engine.get_host_count(), platform.link_count(), platform.route_count()};
}

}  // namespace stratum::sim
