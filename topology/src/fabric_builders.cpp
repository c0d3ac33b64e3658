#include "stratum/topology/fabric_builders.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace stratum::topology {
namespace {

using scenarios::FabricKind;

// What to build, decided before anything is added (so check_fabric can report every problem).
// Every fabric is the same folded Clos: leaves in pods, `spines_per_pod` tier-2 switches per pod
// with one link from every leaf of the pod, and, when `cores_per_group` > 0, core group j of
// `cores_per_group` switches joined to spine j of every pod.
struct Plan {
  std::vector<std::vector<VertexId>> leaf_nics;  // NICs under each leaf, in port order
  std::vector<int> leaf_pod;                      // pod of each leaf
  int pods = 0;
  int spines_per_pod = 0;
  int cores_per_group = 0;
  std::vector<std::string> errors;
};

bool positive(double x) { return x > 0 && std::isfinite(x); }

std::string pos(double x) {
  std::string s = std::to_string(x);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// NICs of each node, node order.
std::vector<std::vector<VertexId>> node_nics(const ClusterGraph& graph) {
  std::vector<std::vector<VertexId>> out(static_cast<std::size_t>(graph.node_count()));
  for (int n = 0; n < graph.node_count(); ++n) {
    out[static_cast<std::size_t>(n)] = graph.node(n).of(VertexKind::kNic);
  }
  return out;
}

bool per_gpu_nics(const ClusterGraph& graph, VertexId nic) {
  const auto& g = graph.graph();
  for (const auto e : boost::make_iterator_range(boost::out_edges(nic, g))) {
    if (g[boost::target(e, g)].kind == VertexKind::kGpu) return true;
  }
  return false;
}

// Packs NICs onto leaves of `down` ports: a node's NICs share a leaf whenever they fit on one;
// `new_pod(node)` says when a node opens a new pod (multi-pod), which also opens a new leaf.
template <typename NewPod>
void pack_leaves(const ClusterGraph& graph, int down, Plan& plan, NewPod new_pod) {
  const auto nics = node_nics(graph);
  int pod = -1;
  for (int n = 0; n < graph.node_count(); ++n) {
    const auto& mine = nics[static_cast<std::size_t>(n)];
    if (mine.empty()) continue;
    const bool opens = new_pod(n);  // always asked, so a stateful predicate sees every node
    const bool open_pod = pod < 0 || opens;
    if (open_pod) ++pod;
    const int count = static_cast<int>(mine.size());
    if (!plan.leaf_nics.empty() && !open_pod) {
      const int used = static_cast<int>(plan.leaf_nics.back().size());
      if (used + count > down && count <= down) {
        plan.leaf_nics.emplace_back();
        plan.leaf_pod.push_back(pod);
      }
    } else {
      plan.leaf_nics.emplace_back();
      plan.leaf_pod.push_back(pod);
    }
    for (const VertexId nic : mine) {
      if (static_cast<int>(plan.leaf_nics.back().size()) >= down) {
        plan.leaf_nics.emplace_back();
        plan.leaf_pod.push_back(pod);
      }
      plan.leaf_nics.back().push_back(nic);
    }
  }
  plan.pods = pod + 1;
}

Plan make_plan(const ClusterGraph& graph, const scenarios::FabricSpec& f) {
  Plan plan;
  auto& errors = plan.errors;
  if (f.kind == FabricKind::kNone) return plan;
  const std::string where = std::string("fabric (") + to_string(f.kind) + "): ";
  if (f.tiers.empty()) errors.push_back(where + "no link tier; expected at least one tier with a bandwidth");
  for (std::size_t t = 0; t < f.tiers.size(); ++t) {
    if (!positive(f.tiers[t].bandwidth)) {
      errors.push_back(where + "tier " + std::to_string(t) + " bandwidth must be positive");
    }
    if (!(f.tiers[t].latency >= 0) || !std::isfinite(f.tiers[t].latency)) {
      errors.push_back(where + "tier " + std::to_string(t) + " latency must be non-negative");
    }
  }
  const int k = f.radix;
  if (k < 2) errors.push_back(where + "radix " + std::to_string(k) + " is too small; expected at least 2");
  if (!(f.oversubscription >= 1) || !std::isfinite(f.oversubscription)) {
    errors.push_back(where + "oversubscription " + pos(f.oversubscription) + " must be >= 1");
  }
  if (!errors.empty()) return plan;
  const int d = leaf_down_ports(k, f.oversubscription);
  const int u = k - d;
  if (d < 1 || u < 1) {
    errors.push_back(where + "radix " + std::to_string(k) + " at " + pos(f.oversubscription) +
                     ":1 leaves no port up or down");
    return plan;
  }
  const auto nics = node_nics(graph);
  int nic_nodes = 0;
  std::size_t rails = 0;
  for (int n = 0; n < graph.node_count(); ++n) {
    const auto& mine = nics[static_cast<std::size_t>(n)];
    if (mine.empty()) continue;
    ++nic_nodes;
    if (!per_gpu_nics(graph, mine.front()) && static_cast<int>(mine.size()) > d) {
      errors.push_back(where + "node '" + graph.node(n).name + "' shares " +
                       std::to_string(mine.size()) + " NICs, more than a leaf's " +
                       std::to_string(d) + " down ports");
    }
    if (f.kind == FabricKind::kRailOptimized) {
      if (rails == 0) rails = mine.size();
      else if (mine.size() != rails) {
        errors.push_back(where + "node '" + graph.node(n).name + "' has " +
                         std::to_string(mine.size()) + " NICs but the rails are " +
                         std::to_string(rails) + "; every node needs one NIC per rail");
      }
    }
  }
  if (nic_nodes == 0 && graph.node_count() > 1) {
    errors.push_back(where + "no node has a NIC, so nothing joins the nodes; expected nics");
  }
  if (!errors.empty() || nic_nodes == 0) return plan;

  switch (f.kind) {
    case FabricKind::kFatTree: {
      if (f.levels != 2 && f.levels != 3) {
        errors.push_back(where + "levels " + std::to_string(f.levels) + "; expected 2 or 3");
        return plan;
      }
      if (f.levels == 2) {
        pack_leaves(graph, d, plan, [](int) { return false; });
        plan.spines_per_pod = u;
        const auto leaves = static_cast<int>(plan.leaf_nics.size());
        if (leaves > k) {
          errors.push_back(where + "radix " + std::to_string(k) + " is too small: " +
                           std::to_string(leaves) + " leaves of " + std::to_string(d) +
                           " NICs need spines of " + std::to_string(leaves) + " ports (capacity " +
                           std::to_string(k * d) + " NICs); expected levels: 3 or a larger radix");
        }
      } else {
        pack_leaves(graph, d, plan, [](int) { return false; });
        // Pods of k/2 leaves: regroup the packed leaves.
        const int per_pod = k / 2;
        for (std::size_t l = 0; l < plan.leaf_pod.size(); ++l) {
          plan.leaf_pod[l] = static_cast<int>(l) / std::max(per_pod, 1);
        }
        plan.pods = plan.leaf_pod.empty() ? 0 : plan.leaf_pod.back() + 1;
        plan.spines_per_pod = u;
        plan.cores_per_group = plan.pods > 1 ? per_pod : 0;
        if (per_pod < 1 || plan.pods > k) {
          errors.push_back(where + "radix " + std::to_string(k) + " is too small: " +
                           std::to_string(plan.pods) + " pods need cores of as many ports " +
                           "(capacity " + std::to_string(k * (k / 2) * d) +
                           " NICs); expected a larger radix");
        }
      }
      break;
    }
    case FabricKind::kRailOptimized: {
      const int r = static_cast<int>(rails);
      const int groups = (nic_nodes + d - 1) / d;
      const int leaves = groups * r;
      for (int l = 0; l < leaves; ++l) {
        plan.leaf_nics.emplace_back();
        plan.leaf_pod.push_back(0);
      }
      int j = 0;
      for (int n = 0; n < graph.node_count(); ++n) {
        const auto& mine = nics[static_cast<std::size_t>(n)];
        if (mine.empty()) continue;
        const int group = j++ / d;
        for (int i = 0; i < r; ++i) {
          plan.leaf_nics[static_cast<std::size_t>(group * r + i)].push_back(mine[static_cast<std::size_t>(i)]);
        }
      }
      plan.pods = 1;
      plan.spines_per_pod = f.spines > 0 ? f.spines : u;
      if (f.spines < 0) errors.push_back(where + "spines must be 0 (full bisection) or more");
      if (plan.spines_per_pod > u) {
        errors.push_back(where + std::to_string(plan.spines_per_pod) + " spines, but a leaf has " +
                         std::to_string(u) + " up ports at radix " + std::to_string(k) +
                         "; expected at most " + std::to_string(u));
      }
      if (leaves > k) {
        errors.push_back(where + "radix " + std::to_string(k) + " is too small: " +
                         std::to_string(groups) + " groups x " + std::to_string(r) + " rails = " +
                         std::to_string(leaves) + " leaves, more than a spine's ports");
      }
      break;
    }
    case FabricKind::kMultiPod: {
      if (f.pod_gpus < 1) {
        errors.push_back(where + "pod_gpus must be at least 1");
        return plan;
      }
      if (!(f.pod_oversubscription >= 1) || !std::isfinite(f.pod_oversubscription)) {
        errors.push_back(where + "pod_oversubscription must be >= 1");
        return plan;
      }
      int pod_gpus_so_far = 0;
      for (int n = 0; n < graph.node_count(); ++n) {
        const int gpus = static_cast<int>(graph.node(n).of(VertexKind::kGpu).size());
        if (gpus > f.pod_gpus) {
          errors.push_back(where + "node '" + graph.node(n).name + "' has " + std::to_string(gpus) +
                           " GPUs, more than pod_gpus " + std::to_string(f.pod_gpus));
          return plan;
        }
      }
      pack_leaves(graph, d, plan, [&](int n) {
        const int gpus = static_cast<int>(graph.node(n).of(VertexKind::kGpu).size());
        const bool open = pod_gpus_so_far + gpus > f.pod_gpus;
        pod_gpus_so_far = open ? gpus : pod_gpus_so_far + gpus;
        return open;
      });
      int leaves_per_pod = 0;
      std::vector<int> per_pod(static_cast<std::size_t>(plan.pods), 0);
      for (const int p : plan.leaf_pod) leaves_per_pod = std::max(leaves_per_pod, ++per_pod[static_cast<std::size_t>(p)]);
      plan.spines_per_pod = u;
      plan.cores_per_group =
          plan.pods > 1 ? std::max(1, static_cast<int>(std::lround(leaves_per_pod / f.pod_oversubscription))) : 0;
      if (leaves_per_pod > k) {
        errors.push_back(where + "radix " + std::to_string(k) + " is too small: a pod of " +
                         std::to_string(f.pod_gpus) + " GPUs needs " + std::to_string(leaves_per_pod) +
                         " leaves, more than a spine's ports; expected a larger radix or smaller pods");
      }
      if (plan.pods > k) {
        errors.push_back(where + "radix " + std::to_string(k) + " is too small for " +
                         std::to_string(plan.pods) + " pods (one core port each)");
      }
      if (plan.pods > 1 && plan.cores_per_group + leaves_per_pod > k) {
        errors.push_back(where + "a pod spine needs " + std::to_string(leaves_per_pod) + " ports down and " +
                         std::to_string(plan.cores_per_group) + " up, more than radix " + std::to_string(k));
      }
      break;
    }
    case FabricKind::kNone: break;
  }
  return plan;
}

const scenarios::FabricTier& tier_at(const scenarios::FabricSpec& f, std::size_t t) {
  return f.tiers[std::min(t, f.tiers.size() - 1)];
}

LinkId link_to_kind(const ClusterGraph& graph, VertexId v, VertexKind kind) {
  const auto& g = graph.graph();
  for (const auto e : boost::make_iterator_range(boost::out_edges(v, g))) {
    if (g[boost::target(e, g)].kind == kind) return g[e].id;
  }
  return kNoLink;
}

// The node part of the index (valid for every fabric kind, kNone included).
void index_nodes(const ClusterGraph& graph, FabricIndex& index) {
  const std::size_t n = graph.vertex_count();
  index.tier.assign(n, -1);
  index.leaf_of_vertex.assign(n, -1);
  index.upper_of_vertex.assign(n, -1);
  index.nic_attach.assign(n, kNoLink);
  index.gpu_peer_link.assign(static_cast<std::size_t>(graph.gpu_count()), kNoLink);
  index.gpu_nic_path_link.assign(static_cast<std::size_t>(graph.gpu_count()), kNoLink);
  index.node_nic_per_gpu.assign(static_cast<std::size_t>(graph.node_count()), 0);
  for (int node = 0; node < graph.node_count(); ++node) {
    const NodeInfo& info = graph.node(node);
    const VertexKind peer_kind =
        info.intra == scenarios::IntraConnect::kPcie ? VertexKind::kPcieSwitch : VertexKind::kNvswitch;
    for (const VertexId gpu : info.of(VertexKind::kGpu)) {
      index.gpu_peer_link[static_cast<std::size_t>(graph.vertex(gpu).gpu)] = link_to_kind(graph, gpu, peer_kind);
    }
    const auto& nics = info.of(VertexKind::kNic);
    for (const VertexId nic : nics) {
      index.tier[nic] = 0;
      const auto& g = graph.graph();
      for (const auto e : boost::make_iterator_range(boost::out_edges(nic, g))) {
        if (g[e].kind == LinkKind::kPcie) index.nic_attach[nic] = g[e].id;
      }
    }
    if (nics.empty()) continue;
    const VertexId attach = graph.other_end(index.nic_attach[nics.front()], nics.front());
    if (graph.vertex(attach).kind == VertexKind::kGpu) {
      index.node_nic_per_gpu[static_cast<std::size_t>(node)] = 1;
      continue;
    }
    for (const VertexId gpu : info.of(VertexKind::kGpu)) {
      index.gpu_nic_path_link[static_cast<std::size_t>(graph.vertex(gpu).gpu)] =
          link_to_kind(graph, gpu, graph.vertex(attach).kind);
    }
  }
}

}  // namespace

int leaf_down_ports(int radix, double oversubscription) {
  // d / (k - d) = r  <=>  d = k r / (r + 1); floor keeps the built ratio at or below r.
  return static_cast<int>(std::floor(radix * oversubscription / (oversubscription + 1) + 1e-9));
}

std::vector<std::string> check_fabric(const ClusterGraph& graph, const scenarios::FabricSpec& fabric) {
  return make_plan(graph, fabric).errors;
}

void build_fabric(ClusterGraph& graph, const scenarios::FabricSpec& f,
                  const std::vector<double>& nic_bandwidth) {
  Plan plan = make_plan(graph, f);
  if (!plan.errors.empty()) {
    std::string message;
    for (const auto& e : plan.errors) message += e + "\n";
    message.pop_back();
    throw std::invalid_argument(message);
  }
  struct Up { VertexId from; LinkId link; };
  std::vector<Up> ups;                       // every uplink, in build order
  std::vector<std::pair<VertexId, int>> switches;  // vertex, tier
  std::vector<VertexId> leaves;
  std::vector<std::vector<VertexId>> pod_spines(static_cast<std::size_t>(plan.pods));
  std::vector<VertexId> cores;
  if (f.kind != FabricKind::kNone && !plan.leaf_nics.empty()) {
    const bool pods_named = plan.pods > 1 || f.kind == FabricKind::kMultiPod;
    const auto prefix = [&](int pod) { return pods_named ? "pod" + std::to_string(pod) + "." : std::string(); };
    // Leaves and their NICs.
    std::vector<int> leaf_in_pod(static_cast<std::size_t>(plan.pods), 0);
    for (std::size_t l = 0; l < plan.leaf_nics.size(); ++l) {
      const int pod = plan.leaf_pod[l];
      const VertexId leaf = graph.add_vertex(
          VertexKind::kSwitch, -1, prefix(pod) + "leaf" + std::to_string(leaf_in_pod[static_cast<std::size_t>(pod)]++));
      switches.emplace_back(leaf, 1);
      leaves.push_back(leaf);
      const auto& t0 = tier_at(f, 0);
      for (const VertexId nic : plan.leaf_nics[l]) {
        const int node = graph.vertex(nic).node;
        double bw = t0.bandwidth;
        if (static_cast<std::size_t>(node) < nic_bandwidth.size() && nic_bandwidth[static_cast<std::size_t>(node)] > 0) {
          bw = std::min(bw, nic_bandwidth[static_cast<std::size_t>(node)]);
        }
        ups.push_back({nic, graph.add_link(nic, leaf, LinkKind::kNetwork, bw, t0.latency)});
      }
    }
    // Spines (aggregation switches) per pod, joined to every leaf of the pod.
    const auto& t1 = tier_at(f, 1);
    for (int p = 0; p < plan.pods; ++p) {
      for (int s = 0; s < plan.spines_per_pod; ++s) {
        const VertexId spine = graph.add_vertex(VertexKind::kSwitch, -1, prefix(p) + "spine" + std::to_string(s));
        switches.emplace_back(spine, 2);
        pod_spines[static_cast<std::size_t>(p)].push_back(spine);
      }
    }
    for (std::size_t l = 0; l < leaves.size(); ++l) {
      for (const VertexId spine : pod_spines[static_cast<std::size_t>(plan.leaf_pod[l])]) {
        ups.push_back({leaves[l], graph.add_link(leaves[l], spine, LinkKind::kNetwork, t1.bandwidth, t1.latency)});
      }
    }
    // Core: group j joins spine j of every pod.
    if (plan.cores_per_group > 0) {
      const auto& t2 = tier_at(f, 2);
      for (int j = 0; j < plan.spines_per_pod; ++j) {
        for (int c = 0; c < plan.cores_per_group; ++c) {
          const VertexId core = graph.add_vertex(
              VertexKind::kSwitch, -1, "core" + std::to_string(j * plan.cores_per_group + c));
          switches.emplace_back(core, 3);
          cores.push_back(core);
        }
      }
      for (int p = 0; p < plan.pods; ++p) {
        for (int j = 0; j < plan.spines_per_pod; ++j) {
          const VertexId spine = pod_spines[static_cast<std::size_t>(p)][static_cast<std::size_t>(j)];
          for (int c = 0; c < plan.cores_per_group; ++c) {
            const VertexId core = cores[static_cast<std::size_t>(j * plan.cores_per_group + c)];
            ups.push_back({spine, graph.add_link(spine, core, LinkKind::kNetwork, t2.bandwidth, t2.latency)});
          }
        }
      }
    }
  }

  // Routing tables: built last, over the finished graph.
  FabricIndex index;
  index_nodes(graph, index);
  const std::size_t n = graph.vertex_count();
  for (const auto& [v, tier] : switches) {
    index.tier[v] = static_cast<std::int8_t>(tier);
    index.switch_tiers = std::max(index.switch_tiers, tier);
    if (tier == 1) {
      index.leaf_of_vertex[v] = static_cast<int>(index.leaves.size());
      index.leaves.push_back(v);
    } else {
      index.upper_of_vertex[v] = static_cast<int>(index.uppers.size());
      index.uppers.push_back(v);
    }
  }
  index.up_begin.assign(n + 1, 0);
  for (const Up& up : ups) ++index.up_begin[up.from + 1];
  for (std::size_t v = 0; v < n; ++v) index.up_begin[v + 1] += index.up_begin[v];
  index.up_links.resize(ups.size());
  {
    std::vector<std::uint32_t> fill(index.up_begin.begin(), index.up_begin.end() - 1);
    for (const Up& up : ups) index.up_links[fill[up.from]++] = up.link;
  }
  const std::size_t leaf_count = index.leaves.size();
  index.down.assign(index.uppers.size() * leaf_count, kNoLink);
  // Spines reach their pod's leaves directly; a core reaches every leaf through the spine of
  // that leaf's pod it is joined to.
  for (std::size_t l = 0; l < leaf_count; ++l) {
    const VertexId leaf = index.leaves[l];
    for (std::uint32_t i = index.up_begin[leaf]; i < index.up_begin[leaf + 1]; ++i) {
      const LinkId to_spine = index.up_links[i];
      const VertexId spine = graph.other_end(to_spine, leaf);
      index.down[static_cast<std::size_t>(index.upper_of_vertex[spine]) * leaf_count + l] = to_spine;
      for (std::uint32_t k = index.up_begin[spine]; k < index.up_begin[spine + 1]; ++k) {
        const LinkId to_core = index.up_links[k];
        const VertexId core = graph.other_end(to_core, spine);
        index.down[static_cast<std::size_t>(index.upper_of_vertex[core]) * leaf_count + l] = to_core;
      }
    }
  }
  graph.set_fabric(f.kind, std::move(index));
}

}  // namespace stratum::topology
