#include "stratum/sim/collectives_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include "stratum/sim/collective.hpp"
#include "stratum/sim/collective_analytic.hpp"
#include "stratum/sim/collective_flow.hpp"
#include "stratum/sim/platform.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace sg4 = simgrid::s4u;

namespace stratum::sim {
namespace {

using scenarios::CollectiveAlgorithm;
using scenarios::CollectiveOp;

CollectiveCall group_call(const CollectiveCase& c, int group) {
  CollectiveCall call;
  call.op = c.op;
  call.algorithm = c.algorithm;
  call.bytes = c.bytes;
  call.ranks.resize(static_cast<std::size_t>(c.ranks));
  for (int r = 0; r < c.ranks; ++r) call.ranks[static_cast<std::size_t>(r)] = group * c.ranks + r;
  return call;
}

CollectiveRow make_row(const CollectiveCase& c, double time_s) {
  CollectiveRow row;
  row.c = c;
  row.time_s = time_s;
  row.algbw_Bps = time_s > 0 ? c.bytes / time_s : 0.0;
  row.busbw_Bps = row.algbw_Bps * bus_bandwidth_factor(c.op, c.ranks);
  return row;
}

}  // namespace

std::vector<double> collective_sizes(const scenarios::CollectivesSpec& spec) {
  std::vector<double> sizes;
  if (!(spec.min_bytes > 0) || spec.max_bytes < spec.min_bytes || !(spec.step_factor > 1)) {
    throw std::invalid_argument("collectives: expected 0 < min_bytes <= max_bytes and step_factor > 1");
  }
  // Relative slack so that 1 MiB x 2^10 reaches 1 GiB despite rounding in the product.
  for (double b = spec.min_bytes; b <= spec.max_bytes * (1 + 1e-9); b *= spec.step_factor) {
    sizes.push_back(std::max(1.0, std::round(b)));
  }
  return sizes;
}

RouteFn ecmp_route_fn(const topology::ClusterGraph& graph) {
  // One flow key per ordered GPU pair: NCCL keeps one set of connections per peer for a
  // communicator's lifetime, so a pair's path is fixed while different pairs spread over the
  // equal-cost uplinks (ECMP hashes connections, not messages).
  return [&graph](int a, int b) {
    const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
                              static_cast<std::uint32_t>(b);
    return topology::route(graph, a, b, key);
  };
}

std::vector<CollectiveCase> collective_cases(const scenarios::Scenario& scenario, const topology::ClusterGraph& graph,
                                             RouteTable& routes) {
  const scenarios::CollectivesSpec& spec = *scenario.collectives;
  const std::vector<double> sizes = collective_sizes(spec);
  const int groups = std::max(1, spec.concurrent_groups);
  std::vector<CollectiveAlgorithm> algorithms = spec.algorithms;
  if (algorithms.empty()) algorithms.push_back(CollectiveAlgorithm::kAuto);
  AnalyticEvaluator evaluator(routes);
  std::vector<CollectiveCase> out;
  std::set<std::tuple<int, int, std::string, double>> seen;
  for (const CollectiveOp op : spec.ops) {
    for (const int n : spec.ranks) {
      if (n < 2 || static_cast<long long>(n) * groups > graph.gpu_count()) {
        throw std::invalid_argument("collectives: " + std::to_string(groups) + " group(s) of " + std::to_string(n) +
                                    " ranks need more GPUs than the cluster's " + std::to_string(graph.gpu_count()));
      }
      for (const CollectiveAlgorithm requested : algorithms) {
        for (const double bytes : sizes) {
          CollectiveCase c;
          c.op = op;
          c.bytes = bytes;
          c.ranks = n;
          c.groups = groups;
          c.requested = requested;
          c.algorithm = requested;
          if (requested == CollectiveAlgorithm::kAuto) c.algorithm = choose_algorithm(group_call(c, 0), graph, evaluator);
          const CollectivePlan plan(group_call(c, 0), graph);
          c.algorithm = plan.algorithm();
          if (plan.direct()) {
            c.label = "direct";
          } else if (requested == CollectiveAlgorithm::kAuto) {
            c.label = std::string("auto:") + algorithm_name(c.algorithm);
          } else {
            c.label = algorithm_name(c.algorithm);
          }
          if (!seen.emplace(static_cast<int>(op), n, c.label, bytes).second) continue;
          out.push_back(std::move(c));
        }
      }
    }
  }
  return out;
}

CollectivesRunResult run_collectives(const scenarios::Scenario& scenario, const CollectivesProgressFn& progress) {
  if (!scenario.collectives) throw std::invalid_argument("run_collectives: the scenario has no collectives section");
  const topology::ClusterGraph graph = topology::build_cluster(scenario.cluster, scenario.seed);
  RouteTable routes(graph, ecmp_route_fn(graph));
  const std::vector<CollectiveCase> cases = collective_cases(scenario, graph, routes);
  CollectivesRunResult result;
  const double total = static_cast<double>(cases.size());

  if (scenario.fidelity == scenarios::CommFidelity::kAnalytic) {
    AnalyticEvaluator evaluator(routes);
    std::vector<std::unique_ptr<CollectivePlan>> plans;
    std::vector<const CollectivePlan*> view;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const CollectiveCase& c = cases[i];
      plans.clear();
      view.clear();
      for (int g = 0; g < c.groups; ++g) {
        plans.push_back(std::make_unique<CollectivePlan>(group_call(c, g), graph));
        view.push_back(plans.back().get());
      }
      const double t = evaluator.time(std::span<const CollectivePlan* const>(view));
      result.rows.push_back(make_row(c, t));
      result.simulated_time_s += t;
      if (progress) progress(static_cast<double>(i + 1) / total, result.simulated_time_s);
    }
    return result;
  }

  // Flow: scope the platform to what the rows use.
  PlatformScope scope;
  for (const CollectiveCase& c : cases) {
    for (int g = 0; g < c.groups; ++g) CollectivePlan(group_call(c, g), graph).append_pairs(scope.routes);
    std::sort(scope.routes.begin(), scope.routes.end());
    scope.routes.erase(std::unique(scope.routes.begin(), scope.routes.end()), scope.routes.end());
  }
  if (std::getenv("STRATUM_SIMGRID_LOG") == nullptr) xbt_log_control_set("root.thresh:error");
  sg4::Engine engine("stratum");
  configure_engine(engine);
  const Platform platform(engine, graph, routes, scope);
  result.platform_routes = platform.route_count();
  result.platform_links = platform.link_count();
  result.platform_hosts = engine.get_host_count();

  sg4::Actor::create("coordinator", platform.gpu_host(0), [&] {
    FlowRunner runner(platform);
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const CollectiveCase& c = cases[i];
      const double start = sg4::Engine::get_clock();
      if (c.groups == 1) {
        runner.run(CollectivePlan(group_call(c, 0), graph));
      } else {
        // One actor per group, all started now; the row ends when the last one does.
        std::vector<sg4::ActorPtr> actors;
        for (int g = 0; g < c.groups; ++g) {
          auto plan = std::make_shared<CollectivePlan>(group_call(c, g), graph);
          actors.push_back(sg4::Actor::create("group-" + std::to_string(g), platform.gpu_host(g * c.ranks),
                                              [plan, &platform] { FlowRunner(platform).run(*plan); }));
        }
        for (const auto& actor : actors) actor->join();
      }
      const double t = sg4::Engine::get_clock() - start;
      result.rows.push_back(make_row(c, t));
      if (progress) progress(static_cast<double>(i + 1) / total, sg4::Engine::get_clock());
    }
  });
  engine.run();
  result.simulated_time_s = sg4::Engine::get_clock();
  return result;
}

}  // namespace stratum::sim
