#pragma once
// Transformer composition: the time of one serving-engine iteration for a mixed batch of prefill
// chunks and decode tokens, under tensor and expert parallelism, built from CostModel calls per layer.
#include <array>
#include <cstdint>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/calibration/precision_plan.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::calibration {

struct IterationBatch {
  std::vector<PrefillChunk> prefill;     // one entry per sequence being prefilled this iteration
  std::vector<int64_t> decode_contexts;  // one entry per decoding sequence: tokens already cached
};

struct IterationCost {
  double seconds = 0;
  // Seconds of this iteration attributed to each provenance (indexed by Provenance).
  std::array<double, kProvenanceCount> seconds_by_provenance{};
  // Breakdown for traces and explanations.
  double gemm_s = 0, attention_s = 0, other_s = 0, communication_s = 0;
  // The tensor-parallel group's collectives in this iteration, for a simulator that sends them as
  // transfers (flow fidelity): tp_all_reduces all-reduces of tp_all_reduce_bytes each (two per
  // layer) and one all-gather of tp_all_gather_bytes (the logits; 0 off the last pipeline stage).
  // Their prices are inside communication_s. None at tensor_parallel 1.
  double tp_all_reduce_bytes = 0, tp_all_reduces = 0, tp_all_gather_bytes = 0;
};

// Prices the collectives of one tensor-parallel group on its actual GPUs and links. The
// simulator provides one built on its collective API (the same decomposition and routes its
// collectives use); without one, CostModel::collective prices them from the link figures below.
class GroupCollectives {
 public:
  virtual ~GroupCollectives() = default;
  virtual Estimate price(CollectiveKind kind, double bytes) const = 0;
};

struct ParallelLayout {
  int tensor_parallel = 1;
  double link_bandwidth = 0;  // bytes/s per GPU per direction between TP ranks
  double link_latency = 0;    // seconds
  const GroupCollectives* group = nullptr;  // not owned; must outlive the IterationModel
  // Expert parallelism inside the tensor-parallel group (serving.replica.expert_parallel): the
  // routed experts are split over `expert_parallel` ranks (dividing tensor_parallel and the
  // experts), each group of tensor_parallel / expert_parallel ranks holding experts /
  // expert_parallel whole experts sharded over those ranks; tokens reach them by all-to-all
  // dispatch and return by all-to-all combine. 1: every rank holds a TP shard of every expert.
  int expert_parallel = 1;
  // Zipf exponent of routed-expert popularity (serving.moe.zipf_skew); 0 = uniform routing. Under
  // expert parallelism the busiest rank's share of the tokens sets the MoE layer's time.
  double expert_zipf_skew = 0;
  // Pipeline stage this model prices (serving.replica.pipeline_parallel; pipeline_stages.hpp):
  // decoder layers [first_layer, first_layer + stage_layers). 0 stage_layers: every layer, no
  // pipeline. As in vLLM's pipeline-parallel models (PPMissingLayer), only the stage holding layer 0
  // embeds the tokens and only the stage holding the last layer runs the final norm, the LM head
  // and the logit gather.
  int first_layer = 0;
  int stage_layers = 0;
};

// Sums per-layer costs of attention projections, attention, MLP (dense or MoE), norms and TP
// all-reduces, plus the LM head on the last token of each sequence that emits a token.
class IterationModel {
 public:
  IterationModel(const CostModel& costs, const scenarios::ModelSpec& model, Precision precision,
                 ParallelLayout layout);
  // With an explicit precision plan (plan_precision(weights, activations): W8A8, weight-only FP8).
  IterationModel(const CostModel& costs, const scenarios::ModelSpec& model, const PrecisionPlan& plan,
                 ParallelLayout layout);
  IterationCost cost(const IterationBatch& batch) const;

  // Share of a MoE layer's routed token-copies on the busiest expert-parallel rank (1 / expert_parallel
  // when balanced; expert_load.hpp). 1 without expert parallelism.
  double busiest_expert_rank_share() const { return busiest_share_; }

 private:
  Estimate collective(CollectiveKind kind, double bytes) const;
  // Collective among the expert-parallel ranks: the TP group's own pricing when EP spans it.
  Estimate expert_collective(CollectiveKind kind, double bytes) const;

  const CostModel& costs_;
  scenarios::ModelSpec model_;
  PrecisionPlan plan_;
  ParallelLayout layout_;
  double busiest_share_ = 1.0;
};

}  // namespace stratum::calibration
