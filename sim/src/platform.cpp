#include "stratum/sim/platform.hpp"

#include <stdexcept>
#include <string>

#include <simgrid/s4u/Link.hpp>
#include <xbt/config.hpp>

#include "stratum/topology/analysis.hpp"
#include "stratum/topology/path.hpp"

namespace stratum::sim {
namespace {

// SimGrid needs a positive host speed, but Stratum never executes flops on these hosts: a GPU
// actor sleeps for the time calibration/ computes (DESIGN.md section 4). 1 flop/s makes an
// accidental Exec take absurdly long instead of plausibly wrong.
constexpr double kHostSpeed = 1.0;

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
  if (engine.get_netzone_root() != nullptr) {
    throw std::logic_error("Platform: the engine already holds a platform (one per engine)");
  }
  if (simgrid::config::get_value<std::string>("network/model") != "CM02" ||
      simgrid::config::get_value<double>("network/TCP-gamma") != 0.0 ||
      simgrid::config::get_value<bool>("network/crosstraffic")) {
    throw std::logic_error("Platform: call configure_engine(engine) before building the platform");
  }

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

  // SPLITDUPLEX, not SHARED: NVLink and PCIe are full duplex with their bandwidth in each
  // direction, so a ring's a -> b and b -> a steps must not halve each other, as they would on a
  // SHARED link. Each direction is still SHARED among the flows that use it.
  links_.resize(graph.link_count());
  for (topology::LinkId id = 0; id < graph.link_count(); ++id) {
    const topology::LinkProps& props = graph.link(id);
    const std::string name = "l" + std::to_string(id) + ":" + graph.vertex(props.a).name + "-" +
                             graph.vertex(props.b).name;
    auto* link = zone_->create_split_duplex_link(name, props.bandwidth);
    link->set_latency(props.latency);
    link->seal();
    links_[id] = link;
  }

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

simgrid::s4u::Host* Platform::gpu_host(int global) const {
  return gpu_hosts_.at(static_cast<std::size_t>(global));
}

simgrid::s4u::Host* Platform::gpu_host(int node, int local) const {
  return node_gpu_hosts_.at(static_cast<std::size_t>(node)).at(static_cast<std::size_t>(local));
}

simgrid::s4u::Host* Platform::cpu_host(int node) const {
  return cpu_hosts_.at(static_cast<std::size_t>(node));
}

bool Platform::gpus_connected(int gpu_a, int gpu_b) const {
  return gpu_component_.at(static_cast<std::size_t>(gpu_a)) ==
         gpu_component_.at(static_cast<std::size_t>(gpu_b));
}

}  // namespace stratum::sim
