#pragma once
// The `analytic` fidelity: a CollectivePlan's steps evaluated in closed form, no SimGrid.
//
// Step model: every transfer of a step starts at once on the routes of the RouteTable (the same
// routes the flow fidelity installs). A directed link carrying transfers of L bytes in total
// drains them in L / bandwidth, so a transfer takes
//     its path latency + max over its links of (bytes on that link / link bandwidth),
// and the step takes as long as its slowest transfer. On an idle fabric, where a link carries one
// transfer, this is the alpha-beta cost alpha + chunk / beta of the NCCL model (nccl-tests
// doc/PERFORMANCE.md); where transfers of one step share a link it is the time max-min sharing
// needs to drain that link, which is what SimGrid's flow model converges to when the shared link
// is the bottleneck of every flow on it. Contention with other traffic is not seen: use flow.
// Steps that repeat (CollectivePlan::change_points) are evaluated once.
#include <span>
#include <vector>

#include "stratum/sim/collective.hpp"
#include "stratum/sim/route_table.hpp"

namespace stratum::sim {

class AnalyticEvaluator {
 public:
  // Keeps a pointer to `routes`, which must outlive the evaluator.
  explicit AnalyticEvaluator(RouteTable& routes);

  // Seconds for `plan` alone on an idle fabric.
  double time(const CollectivePlan& plan);
  // Seconds until the last of `plans` ends when they start together and advance in lock-step
  // (step s of every plan at once), sharing links within each step.
  double time(std::span<const CollectivePlan* const> plans);
  // Seconds for one set of concurrent transfers. Throws std::runtime_error when two GPUs of a
  // transfer are not connected.
  double step_time(const std::vector<Transfer>& transfers);

 private:
  RouteTable* routes_;
  std::vector<double> load_;           // bytes per directed link in the current step
  std::vector<DirectedLink> touched_;  // links with a nonzero load, to reset
  std::vector<Transfer> step_, part_;
};

// The algorithm NCCL would pick: the one with the lowest predicted time, as NCCL's tuner does with
// its own cost model (NCCL src/enqueue.cc, topoGetAlgoInfo; src/graph/tuning.cc), here with the
// analytic model above among ring, tree (all-reduce only) and hierarchical (ranks on two or more
// nodes, the same number on each). `call.algorithm` is ignored. Ties go to ring, then tree.
scenarios::CollectiveAlgorithm choose_algorithm(const CollectiveCall& call, const topology::ClusterGraph& graph,
                                                AnalyticEvaluator& evaluator);

}  // namespace stratum::sim
