// Bisection bandwidth as a max-flow on the cluster graph (analysis.hpp).
#include <cmath>
#include <limits>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>

#include "stratum/topology/analysis.hpp"

namespace stratum::topology {

double bisection_bandwidth(const ClusterGraph& graph) {
  const int gpus = graph.gpu_count();
  if (gpus < 2) return 0;
  // Integer capacities (bytes/s, rounded): push-relabel's flow-conservation check, asserted in
  // builds without NDEBUG, fails on floating-point round-off with double capacities.
  using Capacity = long long;
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using FlowGraph = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<boost::edge_capacity_t, Capacity,
                      boost::property<boost::edge_residual_capacity_t, Capacity,
                                      boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  const std::size_t n = graph.vertex_count();
  FlowGraph flow(n + 2);
  const auto source = static_cast<Traits::vertex_descriptor>(n);
  const auto sink = static_cast<Traits::vertex_descriptor>(n + 1);
  auto capacity = boost::get(boost::edge_capacity, flow);
  auto reverse = boost::get(boost::edge_reverse, flow);
  // An undirected link of per-direction bandwidth c is two arcs of capacity c, each the other's
  // reverse: flow one way frees capacity the other way exactly as a full-duplex link allows
  // (each direction independently carries up to c).
  const auto add_pair = [&](std::size_t a, std::size_t b, Capacity cap_ab, Capacity cap_ba) {
    const auto ab = boost::add_edge(a, b, flow).first;
    const auto ba = boost::add_edge(b, a, flow).first;
    capacity[ab] = cap_ab;
    capacity[ba] = cap_ba;
    reverse[ab] = ba;
    reverse[ba] = ab;
  };
  for (LinkId id = 0; id < graph.link_count(); ++id) {
    const LinkProps& link = graph.link(id);
    const Capacity c = std::llround(link.bandwidth);
    add_pair(link.a, link.b, c, c);
  }
  // Source and sink attach with more capacity than the whole graph carries, so they never cut.
  Capacity total = 0;
  for (LinkId id = 0; id < graph.link_count(); ++id) total += std::llround(graph.link(id).bandwidth);
  const Capacity unlimited = 2 * total + 1;
  for (int g = 0; g < gpus; ++g) {
    const VertexId v = graph.gpu(g);
    if (g < gpus / 2) add_pair(source, v, unlimited, 0);
    else add_pair(v, sink, unlimited, 0);
  }
  return static_cast<double>(boost::push_relabel_max_flow(flow, source, sink));
}

}  // namespace stratum::topology
