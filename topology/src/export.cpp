#include "stratum/topology/export.hpp"

#include <array>
#include <charconv>
#include <string>
#include <vector>

#include <boost/graph/graphml.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/property_map/dynamic_property_map.hpp>

namespace stratum::topology {
namespace {

// Plain per-vertex and per-link columns, indexed like the graph, so that dynamic_properties can
// hold ordinary iterator property maps (bundled enums would need a string conversion each).
struct Columns {
  std::vector<std::string> name, kind;
  std::vector<int> node, gpu, tier;
  std::vector<std::string> link_kind;
  // Doubles as their shortest round-trip text (std::to_chars): the writers' own formatting keeps
  // only 6 significant digits, which would turn 63.015e9 into 6.30150e+10 and lose the rest.
  std::vector<std::string> bandwidth, latency;
  std::vector<int> link_id;
};

std::string exact(double x) {
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
  return std::string(buffer.data(), result.ptr);
}

Columns columns(const ClusterGraph& graph) {
  Columns c;
  const std::size_t n = graph.vertex_count();
  const auto& tiers = graph.fabric_index().tier;
  for (VertexId v = 0; v < n; ++v) {
    const VertexProps& p = graph.vertex(v);
    c.name.push_back(p.name);
    c.kind.emplace_back(to_string(p.kind));
    c.node.push_back(p.node);
    c.gpu.push_back(p.gpu);
    c.tier.push_back(v < tiers.size() ? tiers[v] : -1);
  }
  for (LinkId id = 0; id < graph.link_count(); ++id) {
    const LinkProps& l = graph.link(id);
    c.link_kind.emplace_back(to_string(l.kind));
    c.bandwidth.push_back(exact(l.bandwidth));
    c.latency.push_back(exact(l.latency));
    c.link_id.push_back(static_cast<int>(l.id));
  }
  return c;
}

template <typename Fn>
void with_properties(const ClusterGraph& graph, Fn&& write) {
  Columns c = columns(graph);  // dynamic_properties wants writable maps, even to write
  const auto& g = graph.graph();
  const auto vindex = boost::get(boost::vertex_index, g);
  // Links are addressed through their bundled id, which is their position in the columns.
  const auto eindex = boost::get(&LinkProps::id, g);
  boost::dynamic_properties dp(boost::ignore_other_properties);
  dp.property("name", boost::make_iterator_property_map(c.name.begin(), vindex));
  dp.property("kind", boost::make_iterator_property_map(c.kind.begin(), vindex));
  dp.property("node", boost::make_iterator_property_map(c.node.begin(), vindex));
  dp.property("gpu", boost::make_iterator_property_map(c.gpu.begin(), vindex));
  dp.property("tier", boost::make_iterator_property_map(c.tier.begin(), vindex));
  dp.property("kind", boost::make_iterator_property_map(c.link_kind.begin(), eindex));
  dp.property("bandwidth", boost::make_iterator_property_map(c.bandwidth.begin(), eindex));
  dp.property("latency", boost::make_iterator_property_map(c.latency.begin(), eindex));
  dp.property("id", boost::make_iterator_property_map(c.link_id.begin(), eindex));
  write(g, dp);
}

}  // namespace

void write_dot(const ClusterGraph& graph, std::ostream& out) {
  with_properties(graph, [&](const ClusterGraph::Graph& g, const boost::dynamic_properties& dp) {
    boost::write_graphviz_dp(out, g, dp, "name");
  });
}

void write_graphml(const ClusterGraph& graph, std::ostream& out) {
  with_properties(graph, [&](const ClusterGraph::Graph& g, const boost::dynamic_properties& dp) {
    boost::write_graphml(out, g, dp, true);
  });
}

}  // namespace stratum::topology
