#include "speculative_draft.hpp"

#include <algorithm>
#include <random>

#include "stratum/calibration/draft_memory.hpp"

namespace stratum::sim {

SpeculativeDraft::SpeculativeDraft(const calibration::CostModel& costs, const scenarios::ServingSpec& serving,
                                   calibration::ParallelLayout layout)
    : model_(costs, serving.speculative.draft, calibration::draft_precision(serving.precision), layout) {}

calibration::IterationCost SpeculativeDraft::cost(const policies::Batch& batch) {
  calibration::IterationCost total;
  int64_t steps = 0;
  for (const policies::BatchEntry& e : batch.entries) steps = std::max(steps, e.draft_tokens);
  for (int64_t j = 0; j < std::max<int64_t>(steps, 1); ++j) {
    step_.prefill.clear();
    step_.decode_contexts.clear();
    for (const policies::BatchEntry& e : batch.entries) {
      // The draft keeps its own KV cache of every prompt: it prefills the same chunks (first step).
      if (e.prefill) {
        if (j == 0) step_.prefill.push_back({e.new_tokens, e.context_before});
      } else if (e.draft_tokens > j) {
        step_.decode_contexts.push_back(e.context_before + j);
      }
    }
    if (step_.prefill.empty() && step_.decode_contexts.empty()) continue;
    add_cost(total, model_.cost(step_));
  }
  return total;
}

std::unique_ptr<SpeculativeDraft> make_speculative_draft(const calibration::CostModel& costs,
                                                         const scenarios::ServingSpec& serving,
                                                         calibration::ParallelLayout layout) {
  if (!serving.speculative.enabled) return nullptr;
  return std::make_unique<SpeculativeDraft>(costs, serving, layout);
}

policies::SpeculationConfig speculation_config(const scenarios::ServingSpec& serving, uint64_t seed, int instance) {
  if (!serving.speculative.enabled) return {};
  // "spec" in ASCII as a seed word, then the instance: one independent stream per instance.
  std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), 0x73706563u,
                         static_cast<uint32_t>(instance)};
  uint32_t words[2];
  sequence.generate(words, words + 2);
  return {serving.speculative.num_tokens, serving.speculative.acceptance_rate,
          (static_cast<uint64_t>(words[0]) << 32) | words[1]};
}

void add_cost(calibration::IterationCost& a, const calibration::IterationCost& b) {
  a.seconds += b.seconds;
  for (size_t p = 0; p < a.seconds_by_provenance.size(); ++p) a.seconds_by_provenance[p] += b.seconds_by_provenance[p];
  a.gemm_s += b.gemm_s;
  a.attention_s += b.attention_s;
  a.other_s += b.other_s;
  a.communication_s += b.communication_s;
}

}  // namespace stratum::sim
