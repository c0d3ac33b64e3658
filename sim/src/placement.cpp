// Instance placement. Tensor-parallel ranks sit on consecutive GPUs of one node, where NVLink or
// PCIe joins them (vLLM and SGLang place a TP group inside a node unless it is larger than one);
// the stages of a pipeline follow one another, crossing nodes when they must, as vLLM's
// pipeline-parallel ranks do over the network.
#include <string>
#include <vector>

#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {
namespace {

// Free GPUs of one node group, handed out in node-major order.
struct GroupCursor {
  int group = 0;
  int first_global_node = 0;
  int nodes = 0;
  int gpus_per_node = 0;
  int node = 0;  // next node with free GPUs
  int gpu = 0;   // first free GPU on it

  // Takes one stage of `tp` GPUs; false (taking nothing) when the group has no room for it.
  bool take_stage(int tp, std::vector<GpuSlot>& slots) {
    if (tp <= gpus_per_node) {
      if (gpus_per_node - gpu < tp) next_node();
      if (node >= nodes) return false;
      for (int r = 0; r < tp; ++r) slots.push_back({first_global_node + node, gpu + r});
      gpu += tp;
      if (gpu == gpus_per_node) next_node();
      return true;
    }
    // Across nodes: whole nodes only, so each node's share of the stage is one NVLink domain.
    if (tp % gpus_per_node != 0) return false;
    if (gpu != 0) next_node();
    const int span = tp / gpus_per_node;
    if (node + span > nodes) return false;
    for (int n = 0; n < span; ++n) {
      for (int r = 0; r < gpus_per_node; ++r) slots.push_back({first_global_node + node + n, r});
    }
    node += span;
    return true;
  }
  void next_node() {
    ++node;
    gpu = 0;
  }
};

}  // namespace

bool place_instances(const scenarios::Scenario& scenario, std::vector<InstancePlacement>& out,
                     std::string& reason, int* failed_group) {
  out.clear();
  std::vector<GroupCursor> cursors;
  int global_node = 0;
  for (size_t g = 0; g < scenario.cluster.nodes.size(); ++g) {
    const auto& group = scenario.cluster.nodes[g];
    cursors.push_back({static_cast<int>(g), global_node, group.count, group.gpus_per_node, 0, 0});
    global_node += group.count;
  }
  const auto& replicas = scenario.serving->replicas;
  for (size_t rg = 0; rg < replicas.size(); ++rg) {
    const scenarios::ReplicaSpec& spec = replicas[rg];
    for (int i = 0; i < spec.count; ++i) {
      InstancePlacement place;
      place.replica_group = static_cast<int>(rg);
      place.gpus = spec.gpus();
      bool placed = false;
      for (GroupCursor& cursor : cursors) {
        if (!spec.nodes.empty() && scenario.cluster.nodes[cursor.group].id != spec.nodes) continue;
        // All stages in one group: a pipeline over two GPU kinds would run at the slower one's pace.
        const GroupCursor saved = cursor;
        place.slots.clear();
        bool all = true;
        for (int s = 0; s < spec.pipeline_parallel && all; ++s) all = cursor.take_stage(spec.tensor_parallel, place.slots);
        if (all) {
          place.node_group = cursor.group;
          placed = true;
          break;
        }
        cursor = saved;
      }
      if (!placed) {
        const std::string where = spec.nodes.empty() ? "the cluster" : "node group \"" + spec.nodes + "\"";
        reason = "serving.replica[" + std::to_string(rg) + "]: instance " + std::to_string(i + 1) + " of " +
                 std::to_string(spec.count) + " (" + std::to_string(spec.pipeline_parallel) + " stage(s) of " +
                 std::to_string(spec.tensor_parallel) + " GPUs, each stage inside one node or on whole nodes) " +
                 "does not fit in what " + where + " has left";
        if (failed_group != nullptr) *failed_group = static_cast<int>(rg);
        return false;
      }
      const GpuSlot first = place.slots.front();
      place.global_node = first.global_node;
      place.first_gpu = first.local_gpu;
      place.node = first.global_node - cursors[static_cast<size_t>(place.node_group)].first_global_node;
      out.push_back(std::move(place));
    }
  }
  return true;
}

}  // namespace stratum::sim
