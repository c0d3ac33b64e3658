#include "stratum/topology/elements.hpp"

namespace stratum::topology {

const char* to_string(VertexKind kind) {
  switch (kind) {
    case VertexKind::kGpu: return "gpu";
    case VertexKind::kNvswitch: return "nvswitch";
    case VertexKind::kPcieSwitch: return "pcie-switch";
    case VertexKind::kHost: return "host";
    case VertexKind::kNic: return "nic";
    case VertexKind::kSwitch: return "switch";
  }
  return "unknown";
}

const char* to_string(LinkKind kind) {
  switch (kind) {
    case LinkKind::kNvlink: return "nvlink";
    case LinkKind::kPcie: return "pcie";
    case LinkKind::kNetwork: return "network";
  }
  return "unknown";
}

}  // namespace stratum::topology
