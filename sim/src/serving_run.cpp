// Sets up the SimGrid engine for a serving scenario: the platform from topology/, one actor per
// serving instance, a router actor that releases arrivals, and a sampler actor for timeseries.csv.
#include "stratum/sim/serving_run.hpp"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>

#include "serving_instance.hpp"
#include "serving_shared.hpp"
#include "stratum/calibration/memory.hpp"
#include "stratum/policies/routing.hpp"
#include "stratum/sim/platform.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace sg4 = simgrid::s4u;

namespace stratum::sim {
namespace {

// Releases each request at its arrival time to the instance the scenario's routing policy picks
// (policies/routing.hpp), from every instance's load at that instant.
void route_arrivals(ServingShared& shared, std::vector<std::unique_ptr<ServingInstance>>& instances,
                    policies::Router& router, const RequestPrefixes* prefixes) {
  std::vector<policies::InstanceLoad> loads(instances.size());
  const policies::RouterView view{loads};
  for (auto& request : shared.requests) {
    shared.next_arrival_s = request.arrival_s;
    if (request.arrival_s > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(request.arrival_s);
    for (size_t i = 0; i < instances.size(); ++i) {
      const policies::BatcherStats stats = instances[i]->stats();
      loads[i] = {instances[i]->outstanding(), stats.kv_blocks_used, stats.kv_blocks_total};
    }
    policies::RequestView seen{request.id, request.input_tokens, {}};
    if (prefixes != nullptr) seen.prefix_hashes = prefixes->of(request.id);
    ServingInstance& target = *instances[router.pick(view, seen)];
    target.deliver(request.id);
    target.wake();
  }
  shared.arrivals_done = true;
  shared.next_arrival_s = std::numeric_limits<double>::infinity();
  for (auto& instance : instances) instance->wake();
}

TimeseriesSample sample(const ServingShared& shared, const std::vector<std::unique_ptr<ServingInstance>>& instances,
                        double now, double interval, std::vector<double>& busy_before) {
  TimeseriesSample s;
  s.time_s = now;
  s.replicas = static_cast<int>(instances.size());
  int64_t used = 0, total = 0;
  double utilization = 0;
  for (size_t i = 0; i < instances.size(); ++i) {
    const policies::BatcherStats stats = instances[i]->stats();
    s.waiting += stats.waiting;
    s.running += stats.running;
    used += stats.kv_blocks_used;
    total += stats.kv_blocks_total;
    const double busy = instances[i]->busy_until(now);
    utilization += (busy - busy_before[i]) / interval;
    busy_before[i] = busy;
  }
  s.kv_used_fraction = total > 0 ? static_cast<double>(used) / static_cast<double>(total) : 0.0;
  s.gpu_utilization = instances.empty() ? 0.0 : utilization / static_cast<double>(instances.size());
  s.completed = shared.completed;
  s.output_tokens = shared.output_tokens;
  return s;
}

void sample_until_settled(ServingShared& shared, const std::vector<std::unique_ptr<ServingInstance>>& instances,
                          double interval, const ProgressFn& progress, std::vector<TimeseriesSample>& out) {
  std::vector<double> busy_before(instances.size(), 0.0);
  const double total = static_cast<double>(shared.requests.size());
  for (int64_t k = 1; !shared.all_settled(); ++k) {
    shared.next_sample_s = static_cast<double>(k) * interval;
    sg4::this_actor::sleep_until(shared.next_sample_s);
    out.push_back(sample(shared, instances, sg4::Engine::get_clock(), interval, busy_before));
    if (progress) progress(total > 0 ? static_cast<double>(shared.settled) / total : 1.0, sg4::Engine::get_clock());
  }
}

}  // namespace

ServingRunResult run_serving(const scenarios::Scenario& scenario, std::vector<RequestRecord> requests,
                             const ServingRunOptions& options) {
  const scenarios::ServingSpec& serving = *scenario.serving;
  if (std::getenv("STRATUM_SIMGRID_LOG") == nullptr) xbt_log_control_set("root.thresh:error");

  sg4::Engine engine("stratum");
  configure_engine(engine);
  const topology::ClusterGraph graph = topology::build_cluster(scenario.cluster, scenario.seed);

  std::vector<InstancePlacement> placements;
  std::string reason;
  if (!place_instances(scenario, placements, reason)) throw std::runtime_error(reason);

  // Serving sends no SimGrid transfers yet (tensor-parallel communication is calibration's
  // analytic cost), so the platform holds only the GPUs its actors run on: a scoped platform,
  // which stays small on fabrics of thousands of GPUs.
  PlatformScope scope;
  for (const InstancePlacement& place : placements) {
    scope.gpus.push_back(graph.vertex(graph.gpu(place.global_node, place.first_gpu)).gpu);
  }
  RouteTable routes(graph);
  const Platform platform(engine, graph, routes, scope);

  ServingShared shared;
  shared.requests = std::move(requests);
  shared.record_trace = options.trace;

  std::vector<std::unique_ptr<ServingInstance>> instances;
  ServingRunResult result;
  for (size_t i = 0; i < placements.size(); ++i) {
    const InstancePlacement& place = placements[i];
    const scenarios::NodeGroup& group = scenario.cluster.nodes[place.node_group];
    const calibration::ServingMemoryPlan memory = calibration::plan_serving_memory(
        serving.model, group.gpu, serving.precision, serving.replica.tensor_parallel, serving.scheduler);
    const calibration::ParallelLayout layout{serving.replica.tensor_parallel, group.intra_bandwidth,
                                             group.intra_latency};
    std::vector<int> gpus;
    for (int r = 0; r < place.gpus; ++r) gpus.push_back(graph.vertex(graph.gpu(place.global_node, place.first_gpu + r)).gpu);
    instances.push_back(std::make_unique<ServingInstance>(static_cast<int>(i), place, shared, serving, group.gpu,
                                                          scenario.profiles, graph, std::move(gpus), layout,
                                                          memory.kv_blocks));
    ServingInstance* instance = instances.back().get();
    sg4::Host* host = platform.gpu_host(place.global_node, place.first_gpu);
    sg4::Actor::create("instance-" + std::to_string(i), host, [instance] { instance->run(); });
    shared.trace.track_names.push_back("instance " + std::to_string(i) + " (" + group.gpu.id + " x" +
                                       std::to_string(place.gpus) + ")");
  }

  sg4::Host* router_host = platform.gpu_host(placements[0].global_node, placements[0].first_gpu);
  const std::unique_ptr<policies::Router> router = policies::make_router(serving.router, scenario.seed);
  const RequestPrefixes* prefixes = options.prefixes;
  sg4::Actor::create("router", router_host, [&shared, &instances, &router, prefixes] {
    route_arrivals(shared, instances, *router, prefixes);
  });
  const double interval = scenario.output.timeseries_interval_s;
  sg4::Actor::create("sampler", router_host, [&] {
    sample_until_settled(shared, instances, interval, options.progress, result.timeseries);
  });

  engine.run();

  for (const auto& instance : instances) {
    result.instances.push_back(instance->summary());
    result.iterations += instance->summary().iterations;
  }
  for (const auto& r : shared.requests) {
    result.simulated_time_s = std::max({result.simulated_time_s, r.arrival_s, r.finish_s});
  }
  result.requests = std::move(shared.requests);
  result.trace = std::move(shared.trace);
  result.gpu_seconds_by_provenance = shared.gpu_seconds_by_provenance;
  return result;
}

}  // namespace stratum::sim
