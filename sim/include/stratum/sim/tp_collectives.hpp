#pragma once
// A serving instance's tensor-parallel collectives priced by the simulator's collective API: the
// NCCL ring decomposition over the instance's own GPUs and their routes in the cluster graph,
// evaluated analytically (a TP group inside one node uses NVLink or PCIe links no other instance
// shares; a group over whole nodes also crosses the fabric, priced on its real routes with
// NCCL-like algorithm choice, without contention from other traffic). A measured profile answer
// wins over the topology model.
#include <map>
#include <utility>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/sim/collective.hpp"
#include "stratum/sim/collective_analytic.hpp"
#include "stratum/sim/route_table.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::sim {

class TensorParallelCollectives final : public calibration::GroupCollectives {
 public:
  // `graph` and `costs` must outlive this object; `gpus` are the group's global GPU indices.
  TensorParallelCollectives(const topology::ClusterGraph& graph, std::vector<int> gpus,
                            const calibration::CostModel& costs, double link_bandwidth, double link_latency);

  calibration::Estimate price(calibration::CollectiveKind kind, double bytes) const override;

 private:
  const topology::ClusterGraph& graph_;
  std::vector<int> gpus_;
  const calibration::CostModel& costs_;
  double link_bandwidth_, link_latency_;
  bool spans_nodes_ = false;  // ranks on more than one node: the algorithm is chosen, not ring
  // Iterations repeat a handful of message sizes (tokens x hidden), so answers are memoised.
  mutable RouteTable routes_;
  mutable AnalyticEvaluator evaluator_;
  mutable std::map<std::pair<int, double>, calibration::Estimate> cache_;
};

}  // namespace stratum::sim
