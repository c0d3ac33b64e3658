#include "stratum/sim/checks.hpp"

#include <cmath>
#include <set>
#include <string>

#include "stratum/calibration/memory.hpp"
#include "stratum/sim/serving_run.hpp"

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
  if (!place_instances(scenario, placements, reason)) {
    diags.error(scenario.where("serving.replica.count"), reason + "; expected fewer replicas or more GPUs");
    return;
  }
  std::set<int> groups_checked;
  for (const InstancePlacement& place : placements) {
    if (!groups_checked.insert(place.node_group).second) continue;
    const scenarios::NodeGroup& group = scenario.cluster.nodes[place.node_group];
    const calibration::ServingMemoryPlan plan = calibration::plan_serving_memory(
        serving.model, group.gpu, serving.precision, serving.replica.tensor_parallel, serving.scheduler);
    if (plan.fits()) continue;
    const double shortfall = plan.shortfall_bytes();
    diags.error(scenario.where("serving.model"),
                serving.model.id + " in " + scenarios::to_string(serving.precision) + " does not fit on " +
                    group.gpu.id + " with tensor_parallel " + std::to_string(serving.replica.tensor_parallel) +
                    ": each GPU needs " + std::to_string(static_cast<long long>(std::ceil(shortfall))) +
                    " more bytes (" + gib(shortfall) + ") for weights " + gib(plan.weight_bytes_per_gpu) +
                    ", activations " + gib(plan.activation_bytes_per_gpu) + " and one KV block within " +
                    gib(plan.usable_bytes_per_gpu) + " usable; expected a larger tensor_parallel, a smaller "
                    "precision, or a GPU with more memory");
  }
}

}  // namespace stratum::sim
