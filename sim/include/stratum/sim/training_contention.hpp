#pragma once
// Oversubscribed switch tiers in the analytic training step (issue 7): a capacity bound on the
// per-GPU bandwidth of a parallel group class whose traffic leaves a switch subtree through
// uplinks that carry less than the NICs below them.
//
// Model: the fluid bound of a cut. Flows that cross a cut of capacity C all at once cannot each
// run faster than C / (flows crossing it) (the max-flow min-cut bound; for fat-trees, Leiserson,
// "Fat-Trees: Universal Networks for Hardware-Efficient Supercomputing", IEEE Trans. Computers
// C-34(10), 1985: a message set's delivery time is bounded below by its load factor, the largest
// load over capacity of any channel). The cuts are the uplinks of every subtree whose uplink
// capacity is below the NIC capacity under it: a leaf switch's uplinks (fat_tree or
// rail_optimized with oversubscription), a pod's spine-core links (multi_pod, three-level
// fat_tree); a subtree at full bisection is never a cut, so such fabrics keep the NIC share.
//
// Estimate, because (assumptions):
// - every group of the class runs its collective at the same moment (the worst case; what the
//   `flow` fidelity shows in the pipeline's steady state and in the data-parallel reduction);
// - a subtree's traffic spreads evenly over all its uplinks (perfect ECMP); the `flow` fidelity
//   hashes flows onto uplinks and stays the reference;
// - every flow of a class is alike, so the class runs at the slowest cut's share; switches are
//   non-blocking, so a flow between two subtrees is limited only where it leaves its own (up)
//   and enters the other's (down), both counted, the busier direction deciding;
// - each class is bounded on its own: pipeline sends and gradient reductions that overlap in time
//   do not share the cut, and a GPU sending forward and backward at once keeps the NIC share for
//   each (the analytic step's own assumption for the NIC).
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "stratum/calibration/training_layout.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::sim {

// A switch subtree whose uplinks carry less than the NICs below it.
struct OversubscribedSubtree {
  int level = 0;           // 0: a leaf switch and its NICs; 1: a pod (leaves, spines) under a core
  std::string name;        // the leaf switch's name ("pod0.leaf3", "leaf1") or the pod's ("pod2")
  double uplink_bandwidth = 0;  // bytes/s per direction: its up links together
  double nic_bandwidth = 0;     // bytes/s per direction: the NIC-leaf links below it together
  int gpus = 0;
};

// The lowest cut share of one class's flows (no NIC share applied): the cut's index into
// FabricCuts::subtrees (-1 when no flow crosses a cut), its share, its flows and direction.
struct CutShare {
  int subtree = -1;
  double bandwidth = std::numeric_limits<double>::infinity();
  double flows = 0;
  bool upward = true;
};

struct FabricCuts {
  std::vector<OversubscribedSubtree> subtrees;
  // Per global GPU index and level (0 leaf, 1 pod): the oversubscribed subtree holding the GPU,
  // -1 when that level's subtree is not oversubscribed (or the GPU has no NIC).
  std::vector<std::array<int, 2>> subtree_of_gpu;
  // Per global GPU index: its node. Two GPUs of one node talk over NVLink or PCIe, never through
  // the fabric, even when their NICs sit on different (rail) leaves.
  std::vector<int> node_of_gpu;
  // training_contention's answers by class geometry (class, rank order, tp, cp, dp, pp and the
  // class's own parameter), so that a layout search pays one pass per distinct geometry, not per
  // layout. A cache of a pure function: the answers do not depend on what was asked before. Not
  // thread-safe: one FabricCuts per thread.
  mutable std::map<std::array<std::int64_t, 7>, CutShare> memo;
  bool empty() const { return subtrees.empty(); }
};

// The oversubscribed subtrees of a built fabric (ClusterGraph::fabric_index()): read from its
// links, so whatever the builders made is measured. Empty for a graph without a fabric index.
FabricCuts fabric_cuts(const topology::ClusterGraph& graph);
// The same for a scenario's cluster: builds its graph (topology::build_cluster) only when a
// fabric joins more than one node. Empty otherwise.
FabricCuts fabric_cuts(const scenarios::ClusterSpec& cluster);

// Concurrent flows of one class across the cuts: add every flow (GPU to GPU, weight in flows at
// NIC rate: 1 for a ring step or a pipeline send, 1 / (n - 1) per peer for an all-to-all), then
// ask for the bound.
class CutLoad {
 public:
  explicit CutLoad(const FabricCuts& cuts);
  void add(int from_gpu, int to_gpu, double weight);

  // uplink_bandwidth / flows (busier direction) of the cut with the lowest share; the first cut
  // (subtree order) wins ties, so the answer is deterministic.
  CutShare lowest() const;

 private:
  const FabricCuts& cuts_;
  std::vector<double> out_, in_;  // per subtree: flows leaving, entering
};

// Per-class bound of a layout: which classes cross nodes comes from TrainingLinkPlan (InterClasses
// is the negation of its *_intra flags); ranks sit in the layout's rank order on the cluster's
// first GPUs, node-major (rank_geometry.hpp). Ring order for tp, cp and the flattened cp x dp data-parallel group (cp
// fastest, as training_flow.cpp's dp_ranks); expert groups are all-to-alls of ep consecutive
// flattened data-parallel ranks, tp apart; pipeline: every stage boundary sends in both
// directions at once (the 1F1B steady state), and with virtual stages the last stage's boundary
// to the first as well (the interleaved schedule's wrap).
struct ClassContention {
  bool limited = false;
  double nic_share = 0;   // bytes/s per GPU without the cut
  double bandwidth = 0;   // bytes/s per GPU with it
  std::string tier;       // "leaf" or "pod"
  std::string subtree;    // OversubscribedSubtree::name
  double uplink_bandwidth = 0;
  double flows = 0;
  bool upward = true;
};
struct TrainingContention {
  ClassContention tp, cp, ep, dp, pp;
};
struct InterClasses {
  bool tp = false, cp = false, ep = false, dp = false, pp = false;
};
TrainingContention training_contention(const FabricCuts& cuts, const calibration::TrainingLayout& layout,
                                       const InterClasses& inter, double nic_share);

}  // namespace stratum::sim
