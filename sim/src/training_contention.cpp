#include "stratum/sim/training_contention.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>

#include "stratum/sim/rank_geometry.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace stratum::sim {
namespace {

using topology::ClusterGraph;
using topology::FabricIndex;
using topology::VertexId;
using topology::VertexKind;

// A subtree is a cut when its uplinks carry less than the NICs below it. The relative margin only
// absorbs the rounding of sums of equal doubles; a real oversubscription differs by whole links.
bool oversubscribed(double up, double nic) { return up > 0 && up < nic * (1 - 1e-9); }

double uplink_sum(const ClusterGraph& graph, const FabricIndex& index, VertexId v) {
  double sum = 0;
  for (std::uint32_t i = index.up_begin[v]; i < index.up_begin[v + 1]; ++i) {
    sum += graph.link(index.up_links[i]).bandwidth;
  }
  return sum;
}

// "pod3.spine0" -> "pod3"; a spine of an unnamed single pod keeps its own name.
std::string pod_name(const std::string& spine) {
  const size_t dot = spine.find('.');
  return dot == std::string::npos ? spine : spine.substr(0, dot);
}

}  // namespace

FabricCuts fabric_cuts(const ClusterGraph& graph) {
  FabricCuts cuts;
  const FabricIndex& index = graph.fabric_index();
  cuts.subtree_of_gpu.assign(static_cast<size_t>(graph.gpu_count()), {-1, -1});
  cuts.node_of_gpu.resize(static_cast<size_t>(graph.gpu_count()));
  for (int g = 0; g < graph.gpu_count(); ++g) {
    cuts.node_of_gpu[static_cast<size_t>(g)] = graph.vertex(graph.gpu(g)).node;
  }
  if (index.empty() || index.leaves.empty()) return cuts;
  const size_t leaves = index.leaves.size();
  // The leaf each GPU's traffic enters: its own NIC's (per-GPU NICs) or its node's first NIC's
  // (shared NICs: the builders put all of a node's shared NICs on one leaf).
  std::vector<int> leaf_of_gpu(static_cast<size_t>(graph.gpu_count()), -1);
  std::vector<double> leaf_nic(leaves, 0);
  std::vector<int> leaf_gpus(leaves, 0);
  const auto leaf_of_nic = [&](VertexId nic) -> int {
    if (index.up_begin[nic] == index.up_begin[nic + 1]) return -1;
    return index.leaf_of_vertex[graph.other_end(index.up_links[index.up_begin[nic]], nic)];
  };
  for (int n = 0; n < graph.node_count(); ++n) {
    const auto& nics = graph.node(n).of(VertexKind::kNic);
    const auto& gpus = graph.node(n).of(VertexKind::kGpu);
    for (const VertexId nic : nics) {
      const int leaf = leaf_of_nic(nic);
      if (leaf >= 0) leaf_nic[static_cast<size_t>(leaf)] += graph.link(index.up_links[index.up_begin[nic]]).bandwidth;
    }
    if (nics.empty()) continue;
    const bool per_gpu = index.node_nic_per_gpu[static_cast<size_t>(n)] != 0;
    for (size_t local = 0; local < gpus.size(); ++local) {
      const VertexId nic = per_gpu && local < nics.size() ? nics[local] : nics.front();
      const int leaf = leaf_of_nic(nic);
      leaf_of_gpu[static_cast<size_t>(graph.vertex(gpus[local]).gpu)] = leaf;
      if (leaf >= 0) ++leaf_gpus[static_cast<size_t>(leaf)];
    }
  }
  // Pods: the leaves that share spines (every builder joins a pod's leaves to all its spines),
  // keyed by the first spine of each leaf; a pod is a cut only when its spines have uplinks.
  std::vector<int> pod_of_leaf(leaves, -1);
  std::map<int, int> pod_of_spine;  // upper index of a pod's first spine -> pod
  struct Pod {
    std::vector<VertexId> spines;
    double nic = 0;
    int gpus = 0;
  };
  std::vector<Pod> pods;
  for (size_t l = 0; l < leaves; ++l) {
    const VertexId leaf = index.leaves[l];
    if (index.up_begin[leaf] == index.up_begin[leaf + 1]) continue;
    const VertexId first = graph.other_end(index.up_links[index.up_begin[leaf]], leaf);
    const auto [it, added] = pod_of_spine.emplace(index.upper_of_vertex[first], static_cast<int>(pods.size()));
    if (added) {
      Pod pod;
      for (std::uint32_t i = index.up_begin[leaf]; i < index.up_begin[leaf + 1]; ++i) {
        pod.spines.push_back(graph.other_end(index.up_links[i], leaf));
      }
      pods.push_back(std::move(pod));
    }
    pod_of_leaf[l] = it->second;
    pods[static_cast<size_t>(it->second)].nic += leaf_nic[l];
    pods[static_cast<size_t>(it->second)].gpus += leaf_gpus[l];
  }
  // Leaf cuts, then pod cuts, in build order.
  std::vector<int> leaf_cut(leaves, -1), pod_cut(pods.size(), -1);
  for (size_t l = 0; l < leaves; ++l) {
    const double up = uplink_sum(graph, index, index.leaves[l]);
    if (!oversubscribed(up, leaf_nic[l])) continue;
    leaf_cut[l] = static_cast<int>(cuts.subtrees.size());
    cuts.subtrees.push_back({0, graph.vertex(index.leaves[l]).name, up, leaf_nic[l], leaf_gpus[l]});
  }
  for (size_t p = 0; p < pods.size(); ++p) {
    double up = 0;
    for (const VertexId spine : pods[p].spines) up += uplink_sum(graph, index, spine);
    if (!oversubscribed(up, pods[p].nic)) continue;
    pod_cut[p] = static_cast<int>(cuts.subtrees.size());
    cuts.subtrees.push_back({1, pod_name(graph.vertex(pods[p].spines.front()).name), up, pods[p].nic, pods[p].gpus});
  }
  for (size_t g = 0; g < leaf_of_gpu.size(); ++g) {
    const int leaf = leaf_of_gpu[g];
    if (leaf < 0) continue;
    cuts.subtree_of_gpu[g][0] = leaf_cut[static_cast<size_t>(leaf)];
    const int pod = pod_of_leaf[static_cast<size_t>(leaf)];
    if (pod >= 0) cuts.subtree_of_gpu[g][1] = pod_cut[static_cast<size_t>(pod)];
  }
  return cuts;
}

FabricCuts fabric_cuts(const scenarios::ClusterSpec& cluster) {
  int nodes = 0;
  for (const scenarios::NodeGroup& g : cluster.nodes) nodes += g.count;
  if (cluster.fabric.kind == scenarios::FabricKind::kNone || nodes < 2) return {};
  // Built in place, never copied: ClusterGraph's link index points into its own edge list.
  const topology::ClusterGraph graph = topology::build_cluster(cluster);
  return fabric_cuts(graph);
}

CutLoad::CutLoad(const FabricCuts& cuts) : cuts_(cuts), out_(cuts.subtrees.size(), 0), in_(cuts.subtrees.size(), 0) {}

void CutLoad::add(int from, int to, double weight) {
  if (cuts_.node_of_gpu[static_cast<size_t>(from)] == cuts_.node_of_gpu[static_cast<size_t>(to)]) return;
  const auto& a = cuts_.subtree_of_gpu[static_cast<size_t>(from)];
  const auto& b = cuts_.subtree_of_gpu[static_cast<size_t>(to)];
  for (size_t level = 0; level < a.size(); ++level) {
    // A flow crosses a subtree's uplinks when it leaves or enters it. A GPU outside every cut of a
    // level (-1) is in some subtree that is not oversubscribed, so never in the other GPU's cut.
    if (a[level] == b[level]) continue;
    if (a[level] >= 0) out_[static_cast<size_t>(a[level])] += weight;
    if (b[level] >= 0) in_[static_cast<size_t>(b[level])] += weight;
  }
}

CutShare CutLoad::lowest() const {
  CutShare best;
  for (size_t k = 0; k < out_.size(); ++k) {
    const bool upward = out_[k] >= in_[k];
    const double flows = std::max(out_[k], in_[k]);
    if (flows <= 0) continue;
    const double share = cuts_.subtrees[k].uplink_bandwidth / flows;
    if (share < best.bandwidth) best = {static_cast<int>(k), share, flows, upward};
  }
  return best;
}

TrainingContention training_contention(const FabricCuts& cuts, const calibration::TrainingLayout& l,
                                       const InterClasses& inter, double nic_share) {
  TrainingContention out;
  for (ClassContention* c : {&out.tp, &out.cp, &out.ep, &out.dp, &out.pp}) {
    c->nic_share = nic_share;
    c->bandwidth = nic_share;
  }
  if (cuts.empty()) return out;
  const int64_t n = l.gpus();
  if (n > static_cast<int64_t>(cuts.subtree_of_gpu.size())) return out;  // validate_layout refuses this
  const RankGeometry where(l);  // the layout's rank order
  const int64_t tp = l.tp, cp = l.cp, nd = int64_t{l.dp} * l.cp, pp = l.pp, ep = l.ep;
  const auto order = static_cast<int64_t>(l.rank_order);
  // One pass over the GPUs per class geometry: the class, the rank order, every degree (each
  // order's strides are products of them) and the class's own parameter.
  const auto price = [&](ClassContention& c, int64_t klass, int64_t extra, auto&& each_gpu) {
    const std::array<int64_t, 7> key{klass, order, tp, cp, int64_t{l.dp}, pp, extra};
    auto it = cuts.memo.find(key);
    if (it == cuts.memo.end()) {
      CutLoad load(cuts);
      for (int64_t g = 0; g < n; ++g) each_gpu(load, g, where.coords(g));
      it = cuts.memo.emplace(key, load.lowest()).first;
    }
    const CutShare& lim = it->second;
    if (!(lim.bandwidth < nic_share)) return;  // no cut below the NIC share
    const OversubscribedSubtree& sub = cuts.subtrees[static_cast<size_t>(lim.subtree)];
    c.limited = true;
    c.bandwidth = lim.bandwidth;
    c.tier = sub.level == 0 ? "leaf" : "pod";
    c.subtree = sub.name;
    c.uplink_bandwidth = sub.uplink_bandwidth;
    c.flows = lim.flows;
    c.upward = lim.upward;
  };
  const auto gpu = [](int64_t g) { return static_cast<int>(g); };
  const auto at = [&](const RankCoords& k) { return gpu(where.gpu(k.t, k.c, k.r, k.s)); };
  if (inter.tp && tp > 1) {
    price(out.tp, 0, 0, [&](CutLoad& load, int64_t g, RankCoords k) {
      k.t = (k.t + 1) % tp;  // ring neighbour
      load.add(gpu(g), at(k), 1.0);
    });
  }
  if (inter.cp && cp > 1) {
    price(out.cp, 1, 0, [&](CutLoad& load, int64_t g, RankCoords k) {
      k.c = (k.c + 1) % cp;
      load.add(gpu(g), at(k), 1.0);
    });
  }
  if (inter.dp && nd > 1) {
    // The flattened cp x dp group, cp fastest (training_flow.cpp dp_ranks).
    price(out.dp, 2, 0, [&](CutLoad& load, int64_t g, const RankCoords& k) {
      const int64_t f = k.c + cp * k.r;
      load.add(gpu(g), gpu(where.gpu_flat(k.t, (f + 1) % nd, k.s)), 1.0);
    });
  }
  if (inter.ep && ep > 1) {
    // All-to-all: each GPU's traffic split evenly over its ep - 1 peers, ep consecutive flattened
    // data-parallel ranks.
    const double w = 1.0 / static_cast<double>(ep - 1);
    price(out.ep, 3, ep, [&](CutLoad& load, int64_t g, const RankCoords& k) {
      const int64_t f = k.c + cp * k.r;
      const int64_t first = f - f % ep;
      for (int64_t e = first; e < first + ep; ++e) {
        if (e != f) load.add(gpu(g), gpu(where.gpu_flat(k.t, e, k.s)), w);
      }
    });
  }
  if (inter.pp && pp > 1) {
    const bool wrap = l.virtual_stages > 1;  // interleaved: the last stage feeds the first's next chunk
    price(out.pp, 4, wrap ? 1 : 0, [&](CutLoad& load, int64_t g, RankCoords k) {
      const int64_t s = k.s;
      if (s + 1 < pp || wrap) {  // forward
        k.s = (s + 1) % pp;
        load.add(gpu(g), at(k), 1.0);
      }
      if (s > 0 || wrap) {  // backward
        k.s = (s + pp - 1) % pp;
        load.add(gpu(g), at(k), 1.0);
      }
    });
  }
  return out;
}

}  // namespace stratum::sim
