#pragma once
// Speculative decoding in the engine (issue 6): the draft model's share of an iteration's time,
// and the batcher's speculation settings. Off (null) unless serving.speculative is set.
#include <cstdint>
#include <memory>

#include "stratum/calibration/cost_model.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/policies/batching.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::sim {

// The draft model on the instance's GPUs, with the target's tensor-parallel layout (vLLM runs the
// draft with the target's tensor parallelism unless told otherwise). Per iteration (Leviathan et
// al. 2023, Algorithm 1; vLLM spec_decode): the draft prefills the same prompt chunks as the
// target, then runs k autoregressive decode steps for the speculative decodes, step j over the
// sequences proposing more than j tokens at context + j. The target's verification of 1 + k
// tokens per sequence is priced by the target's own IterationModel as a prefill chunk (the
// engine turns such decode entries into chunks).
class SpeculativeDraft {
 public:
  // `costs` must outlive this object.
  SpeculativeDraft(const calibration::CostModel& costs, const scenarios::ServingSpec& serving,
                   calibration::ParallelLayout layout);
  calibration::IterationCost cost(const policies::Batch& batch);

 private:
  calibration::IterationModel model_;
  calibration::IterationBatch step_;  // reused
};

// Null when serving.speculative is off.
std::unique_ptr<SpeculativeDraft> make_speculative_draft(const calibration::CostModel& costs,
                                                         const scenarios::ServingSpec& serving,
                                                         calibration::ParallelLayout layout);

// The batcher's settings: k, alpha, and an acceptance stream per instance seeded by a seed_seq of
// the run's seed, a constant and the instance index (independent of every other stream).
policies::SpeculationConfig speculation_config(const scenarios::ServingSpec& serving, uint64_t seed, int instance);

// Adds `b` into `a`: seconds, provenance shares and breakdown.
void add_cost(calibration::IterationCost& a, const calibration::IterationCost& b);

}  // namespace stratum::sim
