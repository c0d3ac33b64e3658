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

struct ParallelLayout {
  int tensor_parallel = 1;
  double link_bandwidth = 0;  // bytes/s per GPU per direction between TP ranks
  double link_latency = 0;    // seconds
};

// Sums per-layer costs of attention projections, attention, MLP (dense or MoE), norms and TP
// all-reduces, plus the LM head on the last token of each sequence that emits a token.
class IterationModel {
 public:
  IterationModel(const CostModel& costs, const scenarios::ModelSpec& model, Precision precision,
                 ParallelLayout layout);
  IterationCost cost(const IterationBatch& batch) const;

 private:
  const CostModel& costs_;
  scenarios::ModelSpec model_;
  Precision precision_;
  ParallelLayout layout_;
};

}  // namespace stratum::calibration
