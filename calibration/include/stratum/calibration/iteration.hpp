#pragma once
// Transformer composition: the time of one serving-engine iteration for a mixed batch of prefill
// chunks and decode tokens, under tensor parallelism, built from CostModel calls per layer.
#include <array>
#include <cstdint>
#include <vector>

#include "stratum/calibration/cost_model.hpp"
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
};

// Sums per-layer costs of attention projections, attention, MLP (dense or MoE), norms and TP
// all-reduces, plus the LM head on the last token of each sequence that emits a token.
class IterationModel {
 public:
  IterationModel(const CostModel& costs, const scenarios::ModelSpec& model, Precision precision,
                 ParallelLayout layout);
  IterationCost cost(const IterationBatch& batch) const;

 private:
  Estimate collective(CollectiveKind kind, double bytes) const;

  const CostModel& costs_;
  scenarios::ModelSpec model_;
  Precision precision_;
  ParallelLayout layout_;
};

}  // namespace stratum::calibration
