#pragma once
// The cluster graph as Graphviz DOT and GraphML, written by Boost.Graph (write_graphviz_dp,
// write_graphml) through dynamic_properties. Vertices carry name, kind, node, gpu and tier;
// links carry kind, bandwidth (bytes/s per direction), latency (s) and id. Vertex ids in DOT are
// the vertex names (unique in the graph). Bandwidth and latency are written as the shortest text
// that reads back to the same double (std::to_chars), so GraphML declares them attr.type
// "string"; read_graphml converts them into a double property map unchanged.
#include <ostream>

#include "stratum/topology/cluster_graph.hpp"

namespace stratum::topology {

void write_dot(const ClusterGraph& graph, std::ostream& out);
void write_graphml(const ClusterGraph& graph, std::ostream& out);

}  // namespace stratum::topology
