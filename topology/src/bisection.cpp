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
  // Integer capacities (bytes/s, rounded) keep the flow arithmetic exact.
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
  // Each direction of a full-duplex link is an arc of capacity c with its own zero-capacity
  // reverse arc, as push-relabel requires (pairing the two directions as each other's reverse
  // gives the same value but breaks the residual <= capacity invariant Boost asserts).
  const auto add_arc = [&](std::size_t a, std::size_t b, Capacity cap) {
    const auto ab = boost::add_edge(a, b, flow).first;
    const auto ba = boost::add_edge(b, a, flow).first;
    capacity[ab] = cap;
    capacity[ba] = 0;
    reverse[ab] = ba;
    reverse[ba] = ab;
  };
  std::vector<Capacity> attached(n, 0);  // capacity out of each vertex
  for (LinkId id = 0; id < graph.link_count(); ++id) {
    const LinkProps& link = graph.link(id);
    const Capacity c = std::llround(link.bandwidth);
    add_arc(link.a, link.b, c);
    add_arc(link.b, link.a, c);
    attached[link.a] += c;
    attached[link.b] += c;
  }
  // Source and sink attach to each GPU with all the capacity its links have, so they never cut
  // tighter than the GPU's own links (and sums stay far from overflow).
  for (int g = 0; g < gpus; ++g) {
    const VertexId v = graph.gpu(g);
    if (g < gpus / 2) {
      add_arc(source, v, attached[v] + 1);
    } else {
      add_arc(v, sink, attached[v] + 1);
    }
  }
  return static_cast<double>(boost::push_relabel_max_flow(flow, source, sink));
}

}  // namespace stratum::topology
