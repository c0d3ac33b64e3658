#include "stratum/sim/checks.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <set>
#include <string>

#include "disaggregation.hpp"
#include "stratum/calibration/draft_memory.hpp"
#include "stratum/calibration/memory.hpp"
#include "stratum/sim/serving_run.hpp"
#include "stratum/topology/analysis.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace stratum::sim {
namespace {

std::string gib(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace

void check_serving(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags) {
  if (!scenario.serving) return;
  const scenarios::ServingSpec& serving = *scenario.serving;
  std::vector<InstancePlacement> placements;
  std::string reason;
  int failed = 0;
  if (!place_instances(scenario, placements, reason, &failed)) {
    diags.error(scenario.where("serving.replica[" + std::to_string(failed) + "].count"),
                reason + "; expected fewer instances, smaller ones, or more GPUs");
    return;
  }
  // An instance on several nodes talks over the fabric: without one, its nodes cannot reach each other.
  if (scenario.cluster.fabric.kind == scenarios::FabricKind::kNone) {
    for (const InstancePlacement& place : placements) {
      if (place.slots.front().global_node == place.slots.back().global_node) continue;
      const std::string p = "serving.replica[" + std::to_string(place.replica_group) + "]";
      diags.error(scenario.where(p),
                  p + ": an instance of " + std::to_string(place.gpus) + " GPUs spans nodes " +
                      std::to_string(place.slots.front().global_node) + " to " +
                      std::to_string(place.slots.back().global_node) +
                      " but the cluster has no fabric; expected cluster { fabric { ... } } or instances that fit in a node");
      return;
    }
  }
  // Disaggregation sends KV caches from every prefill instance to a decode instance it can reach.
  if (serving.disaggregated() && scenario.cluster.fabric.kind == scenarios::FabricKind::kNone) {
    const topology::ClusterGraph graph = topology::build_cluster(scenario.cluster, scenario.seed);
    if (const std::string why = disaggregation_reachability_error(scenario, placements, graph); !why.empty()) {
      diags.error(scenario.where("serving.replica"), why);
      return;
    }
  }
  std::set<std::pair<int, int>> checked;  // (replica group, node group)
  for (const InstancePlacement& place : placements) {
    if (!checked.insert({place.replica_group, place.node_group}).second) continue;
    const scenarios::ReplicaSpec& replica = serving.replicas[static_cast<size_t>(place.replica_group)];
    const scenarios::NodeGroup& group = scenario.cluster.nodes[place.node_group];
    calibration::ServingMemoryPlan plan =
        calibration::plan_serving_memory(serving.model, group.gpu, serving.precision, replica.tensor_parallel,
                                         serving.scheduler, replica.expert_parallel, replica.pipeline_parallel);
    // Speculative decoding: the draft's weights and KV share the GPUs (its weights count with the model's).
    if (serving.speculative.enabled && replica.pipeline_parallel == 1) {
      calibration::add_draft_model(plan, serving.speculative.draft, serving.precision, replica.tensor_parallel);
    }
    if (plan.fits()) continue;
    const double shortfall = plan.shortfall_bytes();
    diags.error(scenario.where("serving.model"),
                serving.model.id + " in " + scenarios::to_string(serving.precision) + " does not fit on " +
                    group.gpu.id + " with tensor_parallel " + std::to_string(replica.tensor_parallel) +
                    (replica.pipeline_parallel > 1
                         ? " and pipeline_parallel " + std::to_string(replica.pipeline_parallel) + " (stage " +
                               std::to_string(plan.pipeline_stage) + ")"
                         : std::string()) +
                    ": each GPU needs " + std::to_string(static_cast<long long>(std::ceil(shortfall))) +
                    " more bytes (" + gib(shortfall) + ") for weights " + gib(plan.weight_bytes_per_gpu) +
                    ", activations " + gib(plan.activation_bytes_per_gpu) + " and one KV block within " +
                    gib(plan.usable_bytes_per_gpu) + " usable; expected a larger tensor_parallel, a smaller "
                    "precision, or a GPU with more memory");
  }
}

namespace {

void check_rank_groups(const scenarios::Scenario& scenario, const topology::ClusterGraph& graph,
                       scenarios::Diagnostics& diags) {
  const scenarios::CollectivesSpec& spec = *scenario.collectives;
  const topology::Components components = topology::connected_components(graph);
  const int groups = std::max(1, spec.concurrent_groups);
  for (const int n : spec.ranks) {
    const long long needed = static_cast<long long>(n) * groups;
    if (n < 2 || needed > graph.gpu_count()) {
      diags.error(scenario.where("collectives.ranks"),
                  std::to_string(groups) + " group(s) of " + std::to_string(n) + " ranks need " +
                      std::to_string(needed) + " GPUs, the cluster has " + std::to_string(graph.gpu_count()) +
                      "; expected 2 <= ranks and ranks x concurrent_groups <= GPUs");
      continue;
    }
    for (int g = 0; g < groups; ++g) {
      const int first = static_cast<int>(graph.gpu(g * n));
      for (int r = 1; r < n; ++r) {
        if (components.of_vertex[graph.gpu(g * n + r)] == components.of_vertex[static_cast<std::size_t>(first)]) continue;
        diags.error(scenario.where("collectives.ranks"),
                    "ranks " + std::to_string(n) + ": GPU " + std::to_string(g * n + r) + " cannot reach GPU " +
                        std::to_string(g * n) + " (their nodes are not joined by a fabric); expected a "
                        "cluster.fabric or ranks within one node");
        return;
      }
    }
  }
}

}  // namespace

void check_collectives(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags) {
  if (!scenario.collectives) return;
  // Built in place, never copied: ClusterGraph's link index points into its own edge list.
  try {
    const topology::ClusterGraph graph = topology::build_cluster(scenario.cluster, scenario.seed);
    check_rank_groups(scenario, graph, diags);
  } catch (const std::invalid_argument& e) {
    diags.error(scenario.where("cluster"), std::string("the cluster cannot be built: ") + e.what());
  }
}

}  // namespace stratum::sim
