#include "stratum/topology/nic_builder.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace stratum::topology {
namespace {

bool positive(double x) { return x > 0 && std::isfinite(x); }

// The link joining two vertices, kNoLink when there is none (nodes have few links per vertex).
LinkId link_between(const ClusterGraph& graph, VertexId a, VertexId b) {
  const auto& g = graph.graph();
  for (const auto e : boost::make_iterator_range(boost::out_edges(a, g))) {
    if (boost::target(e, g) == b) return g[e].id;
  }
  return kNoLink;
}

}  // namespace

int nic_count(const scenarios::NodeGroup& group) {
  const std::string where = "node group '" + group.id + "': nics: ";
  const scenarios::NicSpec& nics = group.nics;
  if (nics.count < 0) {
    throw std::invalid_argument(where + "count is " + std::to_string(nics.count) +
                                "; expected 0 (no NIC) or more");
  }
  if (nics.count == 0) return 0;
  if (nics.placement == scenarios::NicPlacement::kPerGpu && nics.count != group.gpus_per_node) {
    throw std::invalid_argument(where + "one NIC per GPU means " +
                                std::to_string(group.gpus_per_node) + " NICs, not " +
                                std::to_string(nics.count));
  }
  if (!positive(nics.bandwidth)) {
    throw std::invalid_argument(where + "bandwidth must be positive (bytes/s per direction)");
  }
  if (!(nics.latency >= 0) || !std::isfinite(nics.latency)) {
    throw std::invalid_argument(where + "latency must be non-negative");
  }
  return nics.count;
}

void attach_nics(ClusterGraph& graph, int node, const scenarios::NicSpec& nics,
                 const NodeParams& params) {
  if (nics.count <= 0) return;
  const NodeInfo& info = graph.node(node);
  const std::string name = info.name;
  const std::string where = "topology: node '" + name + "': ";
  // The in-node link carries the GPU's own PCIe bandwidth; a GPU without one reports none, and
  // then the NIC's rate is the only figure there is (the NIC still bounds the path).
  const double pcie = positive(params.host_link_bandwidth) ? params.host_link_bandwidth : nics.bandwidth;
  if (nics.placement == scenarios::NicPlacement::kPerGpu) {
    const std::vector<VertexId> gpus = info.of(VertexKind::kGpu);
    if (static_cast<int>(gpus.size()) != nics.count) {
      throw std::invalid_argument(where + "one NIC per GPU, but " + std::to_string(nics.count) +
                                  " NICs for " + std::to_string(gpus.size()) + " GPUs");
    }
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      const VertexId nic = graph.add_vertex(VertexKind::kNic, node, name + ".nic" + std::to_string(i));
      graph.add_link(gpus[i], nic, LinkKind::kPcie, pcie, nics.latency);
    }
    return;
  }
  // Per node: on the PCIe switch when the node has one (GPUDirect RDMA stays below the host
  // bridge), else on the host CPU.
  const auto& switches = info.of(VertexKind::kPcieSwitch);
  const auto& hosts = info.of(VertexKind::kHost);
  VertexId attach = kNoVertex;
  if (!switches.empty()) attach = switches.front();
  else if (!hosts.empty()) attach = hosts.front();
  if (attach == kNoVertex) {
    throw std::invalid_argument(where + "per-node NICs need a PCIe path to the host, and its GPU " +
                                "has no PCIe bandwidth; expected per-GPU NICs");
  }
  // Every GPU must reach the attach vertex in one hop, or routes through the NIC would not be the
  // two-hop paths that routing assumes.
  for (const VertexId gpu : info.of(VertexKind::kGpu)) {
    if (link_between(graph, gpu, attach) == kNoLink) {
      throw std::invalid_argument(where + "GPU '" + graph.vertex(gpu).name + "' has no link to '" +
                                  graph.vertex(attach).name + "' for the shared NICs");
    }
  }
  for (int i = 0; i < nics.count; ++i) {
    const VertexId nic = graph.add_vertex(VertexKind::kNic, node, name + ".nic" + std::to_string(i));
    graph.add_link(attach, nic, LinkKind::kPcie, pcie, nics.latency);
  }
}

}  // namespace stratum::topology
