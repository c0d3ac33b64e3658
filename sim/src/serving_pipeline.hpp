#pragma once
// A pipeline-parallel serving instance's costs and stage occupancy (serving.replica
// pipeline_parallel > 1), modelled on vLLM's pipeline parallelism: stages of consecutive layers
// (get_pp_indices), and pipeline_parallel "virtual engines", each with its own scheduler and
// 1/pp of the KV blocks, so that up to pp batches are in flight, one per stage
// (vllm/engine/llm_engine.py: one Scheduler per virtual_engine; docs.vllm.ai "Distributed
// inference and serving"). docs/models.md section 6 has the rule and its limits.
#include <memory>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/route_table.hpp"
#include "stratum/sim/tp_collectives.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::sim {

class ServingPipeline {
 public:
  // `gpus`: global GPU indices of the instance, stage after stage (tensor_parallel each).
  // `costs` and `graph` must outlive this object.
  ServingPipeline(const calibration::CostModel& costs, const scenarios::ServingSpec& serving,
                  const topology::ClusterGraph& graph, const std::vector<int>& gpus,
                  const calibration::ParallelLayout& layout);

  int stages() const { return static_cast<int>(models_.size()); }
  // Stage s's time for one iteration's batch (its layers, plus the embedding on the first stage
  // and the LM head on the last).
  calibration::IterationCost stage_cost(int s, const calibration::IterationBatch& batch) const;
  // Seconds to hand a batch of `tokens` tokens' activations from stage s to stage s + 1.
  double send_seconds(int s, int64_t tokens) const;

  struct Timing {
    double seconds = 0;       // from issue to the last stage's end (the virtual engine's iteration)
    double busy_seconds = 0;  // the stages' compute seconds / stages: mean GPU busy time of the instance
    calibration::IterationCost cost;  // the stages' costs summed (GPU seconds per provenance)
  };
  // Runs one virtual engine's iteration issued at `start`: stage s starts when the activations of
  // stage s - 1 have arrived and stage s has finished the work issued before (first come, first
  // served per stage, in issue order), and holds it for its stage time. Calls must come in
  // non-decreasing `start` order (the engine issues at SimGrid's clock, never ahead of it).
  Timing issue(const calibration::IterationBatch& batch, double start);

 private:
  int64_t tensor_parallel_ = 1;
  double activation_bytes_per_token_ = 0;
  std::vector<std::unique_ptr<TensorParallelCollectives>> collectives_;  // per stage; null at TP 1
  std::vector<calibration::IterationModel> models_;                       // per stage
  std::vector<RouteTable::Entry> sends_;  // rank 0 of stage s to rank 0 of stage s + 1
  std::vector<double> free_s_;            // when each stage finishes the work issued so far
};

}  // namespace stratum::sim
