#pragma once
// The collectives workload, like nccl-tests in simulation: every op x rank count x algorithm x
// size of Scenario::collectives runs alone on an idle cluster (with its concurrent_groups copies
// on disjoint GPUs), one after another, and gets a row of collectives.csv.
//
// Flow fidelity runs all rows inside one SimGrid engine (one per process, DESIGN.md section 4):
// the platform is scoped to the GPUs and pairs the rows use (Platform's scoped constructor), and a
// coordinator actor runs the rows in order; a row's time is the simulated time between its start
// and the end of its last group. Analytic fidelity evaluates the same plans without SimGrid.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/route_table.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::sim {

// One row to run. Group j of a row uses GPUs [j x ranks, (j + 1) x ranks) (node-major order).
struct CollectiveCase {
  scenarios::CollectiveOp op = scenarios::CollectiveOp::kAllReduce;
  double bytes = 0;
  int ranks = 2;
  int groups = 1;
  scenarios::CollectiveAlgorithm requested = scenarios::CollectiveAlgorithm::kRing;
  scenarios::CollectiveAlgorithm algorithm = scenarios::CollectiveAlgorithm::kRing;  // what runs
  std::string label;  // csv "algorithm": ring, tree, hierarchical, direct, or auto:<chosen>
};

struct CollectiveRow {
  CollectiveCase c;
  double time_s = 0;
  double algbw_Bps = 0;  // bytes / time
  double busbw_Bps = 0;  // algbw x bus_bandwidth_factor
};

struct CollectivesRunResult {
  std::vector<CollectiveRow> rows;
  double simulated_time_s = 0;   // all rows back to back (flow: the engine's clock at the end)
  std::size_t platform_hosts = 0, platform_links = 0, platform_routes = 0;  // flow only
};

using CollectivesProgressFn = std::function<void(double fraction, double sim_time_s)>;

// Sizes min, min x f, ... up to max (nccl-tests -b -e -f), in whole bytes.
std::vector<double> collective_sizes(const scenarios::CollectivesSpec& spec);

// The rows in run order (op, ranks, algorithm, size as the scenario lists them). Rows that would
// run the same thing twice (tree requested for an op without a tree, any algorithm for all-to-all)
// appear once. AUTO is resolved with choose_algorithm. Throws std::invalid_argument when a row
// needs more GPUs than the cluster has.
std::vector<CollectiveCase> collective_cases(const scenarios::Scenario& scenario, const topology::ClusterGraph& graph,
                                             RouteTable& routes);

// The route rule of a run: topology's ECMP route with a flow key per ordered GPU pair.
RouteFn ecmp_route_fn(const topology::ClusterGraph& graph);

// Runs the scenario's collectives (Scenario::collectives must be set) at Scenario::fidelity.
CollectivesRunResult run_collectives(const scenarios::Scenario& scenario, const CollectivesProgressFn& progress = {});

}  // namespace stratum::sim
