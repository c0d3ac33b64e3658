#pragma once
// Tensor parallelism across nodes in the `flow` fidelity: a serving instance whose tensor-parallel
// group spans nodes sends its iteration's collective traffic through SimGrid, so it shares fabric
// links with every other transfer in flight (other instances, KV transfers).
//
// Model (a contention surcharge on the analytic time). An iteration takes
//     analytic time (compute + every TP collective priced on the group's routes, as in ANALYTIC)
//   + (time its collective bytes take through SimGrid - time they take on an idle fabric),
// where "its collective bytes" are ONE concurrent set of point-to-point transfers: for every GPU
// pair, the bytes that pair carries over all steps of all the iteration's collectives (2 x layers
// all-reduces with the algorithm the analytic pricing chose, and the logits all-gather). On an idle
// fabric the surcharge is zero (up to SimGrid's whole-byte rounding), so flow equals analytic;
// when other traffic shares a link the transfers drain slower by what CM02's max-min sharing
// gives them, and the iteration is late by that much. Why not the collectives step by step: an
// 80-layer model runs 160 all-reduces of 2(n-1) lock-step steps per iteration, thousands of
// SimGrid communications per iteration; the merged set is one step of at most a few transfers per
// GPU, and it keeps the bytes every link must carry. Lost: when within the iteration the bytes
// flow (the transfers run at the iteration's end, after a sleep for the rest), and the lock-step
// synchronisation of the steps under contention.
#include <map>
#include <utility>
#include <vector>

#include <simgrid/s4u/Comm.hpp>

#include "stratum/calibration/iteration.hpp"
#include "stratum/sim/collective.hpp"
#include "stratum/sim/collective_analytic.hpp"
#include "stratum/sim/platform.hpp"
#include "stratum/sim/route_table.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::sim {

class FlowTensorParallel {
 public:
  // `graph` and `platform` must outlive this object; `platform` must hold the hosts and routes
  // add_to_scope names for `ranks`.
  FlowTensorParallel(const topology::ClusterGraph& graph, const Platform& platform, std::vector<int> ranks);

  // Adds the group's GPUs, and every GPU pair its all-reduce (ring, tree, hierarchical) and
  // all-gather plans use, to a platform scope.
  static void add_to_scope(const topology::ClusterGraph& graph, const std::vector<int>& ranks, PlatformScope& scope);

  // From inside the instance's actor: runs one iteration whose analytic cost is `cost` (its TP
  // collectives priced by `group`). Returns the simulated seconds it took.
  double run(const calibration::IterationCost& cost, const calibration::GroupCollectives& group);

 private:
  // Bytes per GPU pair over all steps of one collective of 1 byte, by (op, algorithm).
  using Pattern = std::vector<Transfer>;
  const Pattern& pattern(scenarios::CollectiveOp op, double bytes);
  void add(const Pattern& pattern, double bytes);

  const topology::ClusterGraph& graph_;
  const Platform& platform_;
  std::vector<int> ranks_;
  RouteTable routes_;
  AnalyticEvaluator evaluator_;
  std::map<std::pair<int, double>, scenarios::CollectiveAlgorithm> chosen_;  // (op, bytes) -> algorithm
  std::map<std::pair<int, int>, Pattern> patterns_;                          // (op, algorithm) -> pattern
  std::map<std::pair<int, int>, double> merged_;                             // this iteration's bytes per pair
  std::vector<Transfer> transfers_;
  std::vector<simgrid::s4u::CommPtr> comms_;
};

}  // namespace stratum::sim
