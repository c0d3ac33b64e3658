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

#include "disaggregation.hpp"
#include "kv_offload_plan.hpp"
#include "admission_gate.hpp"
#include "autoscaler_actor.hpp"
#include "replica_fleet.hpp"
#include "serving_faults.hpp"
#include "serving_instance.hpp"
#include "serving_shared.hpp"
#include "stratum/calibration/draft_memory.hpp"
#include "stratum/calibration/memory.hpp"
#include "stratum/policies/routing.hpp"
#include "stratum/calibration/cost_energy.hpp"
#include "stratum/sim/platform.hpp"
#include "stratum/sim/storage.hpp"
#include "stratum/topology/blast_radius.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace sg4 = simgrid::s4u;

namespace stratum::sim {
namespace {

// Releases each request at its arrival time to the instance the scenario's routing policy picks
// (policies/routing.hpp), from every instance's load at that instant.
// Disaggregated (`disagg` set): over the prefill pool only, after its check that a decode
// instance can hold the request.
void route_arrivals(ServingShared& shared, std::vector<std::unique_ptr<ServingInstance>>& instances,
                    policies::Router& router, const RequestPrefixes* prefixes, Disaggregation* disagg,
                    AdmissionGate* gate) {
  std::vector<int> pool;
  if (disagg != nullptr) {
    pool = disagg->prefill_pool();
  } else {
    for (size_t i = 0; i < instances.size(); ++i) pool.push_back(static_cast<int>(i));
  }
  std::vector<policies::InstanceLoad> loads(pool.size());
  const policies::RouterView view{loads};
  if (gate != nullptr) gate->set_pool(pool);
  for (auto& request : shared.requests) {
    shared.next_arrival_s = request.arrival_s;
    if (gate != nullptr) {
      gate->wait_until(request.arrival_s);  // retries deferred requests meanwhile
    } else if (request.arrival_s > sg4::Engine::get_clock()) {
      sg4::this_actor::sleep_until(request.arrival_s);
    }
    if (disagg != nullptr && !disagg->admit_arrival(request, sg4::Engine::get_clock())) continue;
    if (gate != nullptr) {  // admission control (serving.admission): routes, rejects or defers
      gate->arrive(request);
      continue;
    }
    for (size_t i = 0; i < pool.size(); ++i) {
      const ServingInstance& instance = *instances[static_cast<size_t>(pool[i])];
      const policies::BatcherStats stats = instance.stats();
      loads[i] = {instance.outstanding(), stats.kv_blocks_used, stats.kv_blocks_total};
    }
    policies::RequestView seen{request.id, request.input_tokens, {}};
    if (prefixes != nullptr) seen.prefix_hashes = prefixes->of(request.id);
    ServingInstance& target = *instances[static_cast<size_t>(pool[router.pick(view, seen)])];
    target.deliver(request.id);
    target.wake();
  }
  if (gate != nullptr) gate->drain();
  shared.arrivals_done = true;
  shared.next_arrival_s = std::numeric_limits<double>::infinity();
  for (auto& instance : instances) instance->wake();
  if (disagg != nullptr) disagg->arrivals_done();
}

// Issue 8: with an autoscaler, the replicas by state and the spend so far (held GPU time priced by
// cluster.market through calibration::account). Null `fleet`: every instance runs throughout.
struct FleetView {
  const ReplicaFleet* fleet = nullptr;
  const scenarios::ClusterSpec* cluster = nullptr;
  std::vector<int> gpus;  // per instance
  std::vector<const scenarios::GpuSpec*> gpu;  // per instance
};

void sample_fleet(const FleetView& view, const std::vector<std::unique_ptr<ServingInstance>>& instances, double now,
                  double utilization, TimeseriesSample& s) {
  const ReplicaFleet& fleet = *view.fleet;
  s.replicas_ready = fleet.ready();
  s.replicas_starting = fleet.starting();
  s.replicas_draining = fleet.draining();
  s.replicas = s.replicas_ready + s.replicas_starting + s.replicas_draining;
  s.held_at_router = fleet.held_at_router();
  s.gpu_utilization = s.replicas > 0 ? std::min(1.0, utilization / s.replicas) : 0.0;
  int64_t kv_used = 0, kv_total = 0;  // KV use over the held instances only
  for (size_t i = 0; i < instances.size(); ++i) {
    if (fleet.state(static_cast<int>(i)) == ReplicaFleet::State::kStopped) continue;
    const policies::BatcherStats stats = instances[i]->stats();
    kv_used += stats.kv_blocks_used;
    kv_total += stats.kv_blocks_total;
  }
  s.kv_used_fraction = kv_total > 0 ? static_cast<double>(kv_used) / static_cast<double>(kv_total) : 0.0;
  if (!view.cluster->market) return;
  calibration::CostEnergy total;
  for (size_t i = 0; i < instances.size(); ++i) {
    const double gpus = view.gpus[i];
    const double held = fleet.held_s(static_cast<int>(i), now) * gpus;
    const double busy = std::min(held, instances[i]->busy_until(now) * gpus);
    total += calibration::account({busy, held - busy, -1}, *view.cluster->market, view.gpu[i]->tdp_watts,
                                  view.gpu[i]->idle_power_watts);
  }
  s.spend_usd = total.cost_usd;
}

TimeseriesSample sample(const ServingShared& shared, const std::vector<std::unique_ptr<ServingInstance>>& instances,
                        double now, double interval, std::vector<double>& busy_before, const FleetView& view) {
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
  if (view.fleet != nullptr) sample_fleet(view, instances, now, utilization, s);
  s.completed = shared.completed;
  s.output_tokens = shared.output_tokens;
  return s;
}

void sample_until_settled(ServingShared& shared, const std::vector<std::unique_ptr<ServingInstance>>& instances,
                          double interval, const ProgressFn& progress, std::vector<TimeseriesSample>& out,
                          const FleetView& view) {
  std::vector<double> busy_before(instances.size(), 0.0);
  const double total = static_cast<double>(shared.requests.size());
  for (int64_t k = 1; !shared.all_settled(); ++k) {
    shared.next_sample_s = static_cast<double>(k) * interval;
    sg4::this_actor::sleep_until(shared.next_sample_s);
    out.push_back(sample(shared, instances, sg4::Engine::get_clock(), interval, busy_before, view));
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
  // Disaggregation sends KV caches between the pools: their GPUs and routes join the platform.
  std::unique_ptr<Disaggregation> disagg;
  if (serving.disaggregated()) {
    disagg = std::make_unique<Disaggregation>(scenario, placements, graph, routes);
    disagg->extend_scope(scope);
  }
  // Flow fidelity: an instance whose tensor-parallel group spans nodes sends its collectives
  // through SimGrid (flow_tensor_parallel.hpp); its GPUs and their routes join the platform.
  // Single-node groups stay analytic (their NVLink or PCIe links are theirs alone).
  const auto flow_ranks = [&](const InstancePlacement& place) {
    const scenarios::ReplicaSpec& replica = serving.replicas[static_cast<size_t>(place.replica_group)];
    std::vector<int> ranks;
    if (scenario.fidelity != scenarios::CommFidelity::kFlow || replica.pipeline_parallel != 1 ||
        replica.tensor_parallel < 2 || place.slots.front().global_node == place.slots.back().global_node) {
      return ranks;
    }
    for (const GpuSlot& slot : place.slots) ranks.push_back(graph.vertex(graph.gpu(slot.global_node, slot.local_gpu)).gpu);
    return ranks;
  };
  for (const InstancePlacement& place : placements) {
    if (const std::vector<int> ranks = flow_ranks(place); !ranks.empty()) FlowTensorParallel::add_to_scope(graph, ranks, scope);
  }
  const Platform platform(engine, graph, routes, scope);

  ServingShared shared;
  shared.requests = std::move(requests);
  shared.record_trace = options.trace;
  shared.seed = scenario.seed;
  shared.prefixes = options.prefixes;

  std::vector<std::unique_ptr<ServingInstance>> instances;
  ServingRunResult result;
  for (size_t i = 0; i < placements.size(); ++i) {
    const InstancePlacement& place = placements[i];
    const scenarios::NodeGroup& group = scenario.cluster.nodes[place.node_group];
    const scenarios::ReplicaSpec& replica = serving.replicas[static_cast<size_t>(place.replica_group)];
    calibration::ServingMemoryPlan memory =
        calibration::plan_serving_memory(serving.model, group.gpu, serving.precision, replica.tensor_parallel,
                                         serving.scheduler, replica.expert_parallel, replica.pipeline_parallel);
    // Speculative decoding's draft model shares the GPUs and the KV blocks (draft_memory.hpp).
    if (serving.speculative.enabled) {
      calibration::add_draft_model(memory, serving.speculative.draft, serving.precision, replica.tensor_parallel);
    }
    calibration::ParallelLayout layout{replica.tensor_parallel, group.intra_bandwidth, group.intra_latency};
    layout.expert_parallel = replica.expert_parallel;
    layout.expert_zipf_skew = serving.moe.zipf_skew;
    // Every rank, stage after stage: each stage's tensor-parallel ranks price its TP collectives
    // (over the fabric when a stage spans nodes), consecutive stages' ranks their activation sends.
    std::vector<int> gpus;
    for (const GpuSlot& slot : place.slots) gpus.push_back(graph.vertex(graph.gpu(slot.global_node, slot.local_gpu)).gpu);
    instances.push_back(std::make_unique<ServingInstance>(static_cast<int>(i), place, shared, serving, group.gpu,
                                                          scenario.profiles, graph, std::move(gpus), layout,
                                                          memory.kv_blocks));
    if (!serving.kv_tiers.empty()) instances.back()->set_kv_offload(plan_kv_offload(serving, group, replica, memory));
    if (std::vector<int> ranks = flow_ranks(place); !ranks.empty()) {
      instances.back()->use_flow_collectives(std::make_unique<FlowTensorParallel>(graph, platform, std::move(ranks)));
    }
    sg4::Host* host = platform.gpu_host(place.global_node, place.first_gpu);
    // One actor per virtual engine (one without pipeline parallelism, named as before).
    const std::vector<ServingInstance*> engines = instances.back()->virtual_engines();
    for (size_t v = 0; v < engines.size(); ++v) {
      ServingInstance* instance = engines[v];
      sg4::Actor::create("instance-" + std::to_string(i) + (v == 0 ? "" : "-ve" + std::to_string(v)), host,
                         [instance] { instance->run(); });
    }
    shared.trace.track_names.push_back("instance " + std::to_string(i) + " (" + group.gpu.id + " x" +
                                       std::to_string(place.gpus) + ")");
  }

  sg4::Host* router_host = platform.gpu_host(placements[0].global_node, placements[0].first_gpu);
  const std::unique_ptr<policies::Router> router = policies::make_router(serving.router, scenario.seed);
  const RequestPrefixes* prefixes = options.prefixes;
  if (disagg) disagg->start(platform, shared, instances, router_host);
  Disaggregation* disagg_ptr = disagg.get();
  // Admission control (serving.admission); none by default, and the router routes as before.
  std::unique_ptr<AdmissionGate> gate;
  if (serving.admission.kind != scenarios::AdmissionKind::kNone) {
    gate = std::make_unique<AdmissionGate>(shared, instances, *router, prefixes, serving);
  }
  AdmissionGate* gate_ptr = gate.get();
  // Autoscaling (issue 8): the fleet routes over the ready instances and starts and stops them;
  // an autoscaler actor decides how many (replica_fleet.hpp, autoscaler_actor.hpp).
  std::unique_ptr<StorageSystem> storage;
  std::unique_ptr<ReplicaFleet> fleet;
  std::unique_ptr<ServingFaults> faults;
  FleetView view;
  // Issue 8: replicas lost to cluster.spot / cluster.failures go through the fleet too, with or
  // without an autoscaler (serving_faults.hpp).
  const bool autoscaled = serving.autoscaler.kind != scenarios::AutoscalerKind::kNone;
  const bool faulty = serving_has_faults(scenario) || options.faults != nullptr;
  if (faulty) {
    // Assumption (not modelled yet): a lost pipeline stage, KV transfers in flight between
    // disaggregated pools, requests deferred by admission control and flow collectives in flight.
    bool unsupported = disagg != nullptr || gate != nullptr;
    for (const InstancePlacement& place : placements) {
      unsupported = unsupported || serving.replicas[static_cast<size_t>(place.replica_group)].pipeline_parallel > 1 ||
                    !flow_ranks(place).empty();
    }
    if (unsupported) {
      throw std::runtime_error(
          "cluster.spot / cluster.failures with serving need co-located replicas without pipeline parallelism, "
          "serving.admission or cross-node flow collectives");
    }
  }
  if (autoscaled || faulty) {
    std::vector<int> nodes;
    std::vector<sg4::Host*> node_hosts(graph.node_count(), router_host);
    for (size_t i = 0; i < placements.size(); ++i) {
      nodes.push_back(placements[i].global_node);
      node_hosts[static_cast<size_t>(placements[i].global_node)] =
          platform.gpu_host(placements[i].global_node, placements[i].first_gpu);
      view.gpus.push_back(placements[i].gpus);
      view.gpu.push_back(&scenario.cluster.nodes[placements[i].node_group].gpu);
    }
    if (!serving.lifecycle.weights_tier.empty()) {
      storage = std::make_unique<StorageSystem>(scenario.cluster.storage, node_hosts);
    }
    fleet = std::make_unique<ReplicaFleet>(shared, instances, *router, prefixes, serving, storage.get(), nodes,
                                           router_host);
    // A fixed fleet (faults without an autoscaler): every instance ready at time 0.
    fleet->start_ready(autoscaled ? serving.autoscaler.initial_replicas : static_cast<int>(instances.size()));
    shared.on_instance_idle = [f = fleet.get()](int index) { f->instance_idle(index); };
    view.fleet = fleet.get();
    view.cluster = &scenario.cluster;
    ReplicaFleet* f = fleet.get();
    if (faulty) {
      fleet->enable_faults(!autoscaled);
      std::vector<std::vector<int>> behind;
      if (scenario.cluster.failures && scenario.cluster.fabric.kind != scenarios::FabricKind::kNone) {
        behind = topology::nodes_behind_leaves(graph);
      }
      faults = std::make_unique<ServingFaults>(scenario, placements, *fleet, shared, std::move(behind), options.faults);
      ServingFaults* fs = faults.get();
      sg4::Actor::create("faults", router_host, [fs] { fs->run(); })->daemonize();
    }
    sg4::Actor::create("router", router_host, [f] { f->route_arrivals(); });
    if (autoscaled) {
      sg4::Actor::create("autoscaler", router_host, [&shared, f, &instances, &serving] {
        run_autoscaler(shared, *f, instances, serving.autoscaler);
      });
    }
  } else {
    sg4::Actor::create("router", router_host, [&shared, &instances, &router, prefixes, disagg_ptr, gate_ptr] {
      route_arrivals(shared, instances, *router, prefixes, disagg_ptr, gate_ptr);
    });
  }
  const double interval = scenario.output.timeseries_interval_s;
  sg4::Actor::create("sampler", router_host, [&] {
    sample_until_settled(shared, instances, interval, options.progress, result.timeseries, view);
  });

  engine.run();

  result.autoscaled = fleet != nullptr;
  for (const auto& instance : instances) {
    result.instances.push_back(instance->summary());
    if (fleet) result.instances.back().held_s = fleet->held_s(static_cast<int>(result.instances.size() - 1), sg4::Engine::get_clock());
    result.instances.back().prefix_cache = instance->prefix_cache_stats();
    result.iterations += instance->summary().iterations;
  }
  for (const auto& r : shared.requests) {
    result.simulated_time_s = std::max({result.simulated_time_s, r.arrival_s, r.finish_s});
  }
  result.requests = std::move(shared.requests);
  result.trace = std::move(shared.trace);
  result.gpu_seconds_by_provenance = shared.gpu_seconds_by_provenance;
  result.speculative = shared.speculative;
  if (gate != nullptr) result.admission = gate->totals();
  if (faults != nullptr) result.faults = faults->totals(result.requests);
  return result;
}

}  // namespace stratum::sim
