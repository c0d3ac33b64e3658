#pragma once
// What each pipeline stage's data-parallel gradient reduction, weight gather and optimizer step
// move and cost, planned once per step: the analytic step (training_step.cpp) schedules these
// prices against its pipeline run, and the flow step (sim/training_flow.cpp) sends the same bytes
// through SimGrid with these prices as its analytic part. Each stage has its own parameters
// (training_memory's stage_parameters). Issue 7.
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/calibration/training_step.hpp"

namespace stratum::calibration {

struct StageReduction {
  // Overlapped buckets (Megatron-Core DDP, PyTorch DDP): each of the stage's virtual_stages chunks
  // reduces its parameters in `buckets_per_chunk` buckets of `bucket_bytes` per GPU, each a
  // collective of `bucket_s` on the data-parallel link.
  int buckets_per_chunk = 0;
  double bucket_bytes = 0;
  double bucket_s = 0;
  double after_buckets_s = 0;  // PyTorch DDP's copies into and out of its buckets
  // Megatron-LM 2021 local DDP, after the pipeline flush: passes over the gradient buffer, one
  // all-reduce of every gradient, and on the first and last stage the tied embedding's.
  double legacy_local_s = 0;
  double legacy_reduce_bytes = 0;
  double legacy_reduce_s = 0;
  double embedding_bytes = 0;
  double embedding_s = 0;
  // ZeRO 1 and 2: the updated 16-bit weights all-gathered from their owners.
  double gather_bytes = 0;
  double gather_s = 0;
  double optimizer_s = 0;  // the local share of the FP32 state updated
};

struct ReductionPlan {
  bool legacy = false;  // Megatron-LM 2021 local DDP (zero_stage 0), nothing overlapped
  CollectiveKind bucket_kind = CollectiveKind::kAllReduce;
  std::vector<StageReduction> stages;  // per pipeline stage
};

// `stage_parameters` per GPU of each stage (training_memory); `links.dp` and, for the 2021 tied
// embedding, `links.pp` price the collectives.
ReductionPlan plan_stage_reductions(const CostModel& costs, const scenarios::ModelSpec& model,
                                    const TrainingLayout& layout, const std::vector<double>& stage_parameters,
                                    const TrainingLinks& links, const TrainingStepOptions& options);

// One collective of `bytes` among `ranks` on `link`: its group's own pricing when it has one,
// else the cost model's alpha-beta on the link; 0 for one rank or no bytes.
double price_collective(const CostModel& costs, const GroupLink& link, CollectiveKind kind, double bytes, int ranks);

}  // namespace stratum::calibration
