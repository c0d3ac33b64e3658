#include "stratum/topology/node_builders.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "stratum/topology/link_defaults.hpp"

namespace stratum::topology {
namespace {

bool positive(double x) { return x > 0 && std::isfinite(x); }
bool non_negative(double x) { return x >= 0 && std::isfinite(x); }

std::string group_name(const scenarios::NodeGroup& group) {
  return "node group '" + group.id + "'";
}

void check_params(const NodeParams& params, const NodeLabel& label, bool host_required) {
  const std::string where = "topology: node '" + label.name + "': ";
  if (params.gpus < 1) throw std::invalid_argument(where + "needs at least one GPU");
  if (!positive(params.gpu_link_bandwidth) && params.gpus > 1) {
    throw std::invalid_argument(where + "GPU link bandwidth must be positive");
  }
  if (!non_negative(params.peer_latency) || !non_negative(params.host_latency)) {
    throw std::invalid_argument(where + "latencies must be non-negative");
  }
  if (host_required && !positive(params.host_link_bandwidth)) {
    throw std::invalid_argument(where + "host link bandwidth must be positive");
  }
}

}  // namespace

NodeParams resolve_node_params(const scenarios::NodeGroup& group) {
  NodeParams params;
  params.gpus = group.gpus_per_node;
  if (group.gpus_per_node < 1) {
    throw std::invalid_argument(group_name(group) + ": gpus_per_node is " +
                                std::to_string(group.gpus_per_node) + "; expected at least 1");
  }
  if (!non_negative(group.intra_bandwidth) || !non_negative(group.intra_latency)) {
    throw std::invalid_argument(group_name(group) +
                                ": intra_bandwidth and intra_latency must be non-negative");
  }
  const scenarios::GpuSpec& gpu = group.gpu;
  switch (group.intra) {
    case scenarios::IntraConnect::kNvswitch:
      params.gpu_link_bandwidth =
          group.intra_bandwidth > 0 ? group.intra_bandwidth : gpu.nvlink_bandwidth;
      if (!positive(params.gpu_link_bandwidth) && params.gpus > 1) {
        throw std::invalid_argument(group_name(group) + ": intra NVSWITCH, but GPU '" + gpu.id +
                                    "' has no NVLink bandwidth; expected intra_bandwidth or "
                                    "intra: PCIE");
      }
      params.peer_latency =
          group.intra_latency > 0 ? group.intra_latency : defaults::kNvlinkTransferLatency;
      // Host copies go over the GPU's own PCIe link. A GPU without one (an integrated part) just
      // gets no host link; nothing is guessed for it.
      params.host_link_bandwidth = positive(gpu.pcie_bandwidth) ? gpu.pcie_bandwidth : 0;
      params.host_latency = defaults::kPcieTransferLatency;
      break;
    case scenarios::IntraConnect::kPcie:
      params.gpu_link_bandwidth =
          group.intra_bandwidth > 0 ? group.intra_bandwidth : gpu.pcie_bandwidth;
      if (!positive(params.gpu_link_bandwidth)) {
        throw std::invalid_argument(group_name(group) + ": intra PCIE, but GPU '" + gpu.id +
                                    "' has no PCIe bandwidth; expected intra_bandwidth");
      }
      params.peer_latency =
          group.intra_latency > 0 ? group.intra_latency : defaults::kPcieTransferLatency;
      // Assumption: the switch's uplink to the host bridge is one x16 link of the GPU's own PCIe
      // generation (the common single-uplink switch layout); no published figure covers every
      // server, so calibration (issue 5) or a future scenario field replaces it.
      params.host_link_bandwidth =
          positive(gpu.pcie_bandwidth) ? gpu.pcie_bandwidth : params.gpu_link_bandwidth;
      params.host_latency = params.peer_latency;
      break;
    default:
      throw std::invalid_argument(group_name(group) + ": unknown intra connect");
  }
  return params;
}

int build_nvswitch_node(ClusterGraph& graph, const NodeParams& params, const NodeLabel& label) {
  check_params(params, label, false);
  const int node = graph.add_node(label.name, scenarios::IntraConnect::kNvswitch, label.group,
                                  label.index_in_group);
  // GPUs first so that a node's GPUs get consecutive global indices, then the switch and the host.
  std::vector<VertexId> gpus;
  gpus.reserve(static_cast<std::size_t>(params.gpus));
  for (int i = 0; i < params.gpus; ++i) {
    gpus.push_back(graph.add_vertex(VertexKind::kGpu, node, label.name + ".gpu" + std::to_string(i)));
  }
  // A lone GPU has no peer to reach, so it gets no switch (and needs no NVLink figure).
  if (params.gpus > 1) {
    const VertexId sw = graph.add_vertex(VertexKind::kNvswitch, node, label.name + ".nvswitch");
    // GPU -> NVSwitch -> GPU is two hops; each charges half of the transfer latency so that a peer
    // transfer costs exactly peer_latency.
    for (const VertexId gpu : gpus) {
      graph.add_link(gpu, sw, LinkKind::kNvlink, params.gpu_link_bandwidth,
                     params.peer_latency / 2);
    }
  }
  if (params.host_link_bandwidth > 0) {
    const VertexId host = graph.add_vertex(VertexKind::kHost, node, label.name + ".cpu");
    for (const VertexId gpu : gpus) {
      graph.add_link(gpu, host, LinkKind::kPcie, params.host_link_bandwidth, params.host_latency);
    }
  }
  return node;
}

int build_pcie_node(ClusterGraph& graph, const NodeParams& params, const NodeLabel& label) {
  check_params(params, label, true);
  if (!positive(params.gpu_link_bandwidth)) {
    throw std::invalid_argument("topology: node '" + label.name +
                                "': GPU link bandwidth must be positive");
  }
  const int node = graph.add_node(label.name, scenarios::IntraConnect::kPcie, label.group,
                                  label.index_in_group);
  std::vector<VertexId> gpus;
  gpus.reserve(static_cast<std::size_t>(params.gpus));
  for (int i = 0; i < params.gpus; ++i) {
    gpus.push_back(graph.add_vertex(VertexKind::kGpu, node, label.name + ".gpu" + std::to_string(i)));
  }
  const VertexId sw = graph.add_vertex(VertexKind::kPcieSwitch, node, label.name + ".pcie-switch");
  const VertexId host = graph.add_vertex(VertexKind::kHost, node, label.name + ".cpu");
  for (const VertexId gpu : gpus) {
    graph.add_link(gpu, sw, LinkKind::kPcie, params.gpu_link_bandwidth, params.peer_latency / 2);
  }
  // GPU -> switch -> host is two hops as well: the uplink charges what is left of host_latency
  // after the GPU's own link, so a host copy costs exactly host_latency (when host_latency is at
  // least half the peer latency, as resolve_node_params guarantees).
  graph.add_link(sw, host, LinkKind::kPcie, params.host_link_bandwidth,
                 std::max(0.0, params.host_latency - params.peer_latency / 2));
  return node;
}

}  // namespace stratum::topology
