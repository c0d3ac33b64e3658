#pragma once
// What a vertex and a link of the cluster graph are. Plain data, SI units: the same properties feed
// the SimGrid platform in sim/ and the analytic queries in this folder.
#include <cstdint>
#include <limits>
#include <string>

namespace stratum::topology {

// Dense indices: vertices and links are numbered in the order the builders add them, so every
// query that iterates in index order is deterministic.
using VertexId = std::uint32_t;
using LinkId = std::uint32_t;
inline constexpr VertexId kNoVertex = std::numeric_limits<VertexId>::max();
inline constexpr LinkId kNoLink = std::numeric_limits<LinkId>::max();

enum class VertexKind : std::uint8_t {
  kGpu,
  kNvswitch,    // the NVSwitch fabric of one node, modelled as one non-blocking crossbar
  kPcieSwitch,  // a PCIe switch joining GPUs to the host bridge
  kHost,        // the host CPU (root complex) of a node
  kNic,         // network adapter of a node; its fabric link goes to a leaf switch
  kSwitch,      // fabric switch (leaf, spine / aggregation, core): node -1, tier in FabricIndex
};
inline constexpr int kVertexKindCount = 6;

enum class LinkKind : std::uint8_t { kNvlink, kPcie, kNetwork };

const char* to_string(VertexKind kind);
const char* to_string(LinkKind kind);

struct VertexProps {
  VertexKind kind = VertexKind::kGpu;
  int node = -1;   // node index in the cluster, -1 for fabric vertices that belong to no node
  int local = -1;  // index among the vertices of the same kind in the node (GPU 0..n-1 of a node)
  int gpu = -1;    // global GPU index for kGpu, -1 otherwise
  std::string name;  // unique in the graph; also the SimGrid host name
};

// One full-duplex link: `bandwidth` is available in each direction independently (NVLink and PCIe
// are full duplex), so a -> b traffic never competes with b -> a traffic.
struct LinkProps {
  LinkKind kind = LinkKind::kNvlink;
  double bandwidth = 0;  // bytes/s per direction
  double latency = 0;    // seconds, charged once per traversal
  LinkId id = kNoLink;
  VertexId a = kNoVertex;  // endpoints in the order the link was added; a -> b is "forward"
  VertexId b = kNoVertex;
};

}  // namespace stratum::topology
