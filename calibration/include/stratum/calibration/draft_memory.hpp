#pragma once
// Speculative decoding's draft model in the serving memory plan (issue 6): its weights and its
// KV cache share the target's GPUs, so fewer KV blocks remain.
#include "stratum/calibration/memory.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::calibration {

// The format a draft model runs in: the target's stream format (BF16, or FP16 for an FP16 target).
// Assumption: the draft checkpoint is unquantised (Llama-3.2-1B ships in BF16) whatever the
// target's weight quantisation.
scenarios::Precision draft_precision(scenarios::Precision target);

// Adds a draft model sharded over the same `tensor_parallel` GPUs to `plan` (a single-stage plan
// from plan_serving_memory): its weights come off the KV space, and every KV block holds the
// draft's K and V for its tokens next to the target's, so
//   blocks = floor((KV space - draft weights) / (block x (target + draft KV bytes per token)))
// — vLLM v0 gives the draft and target caches the same number of blocks this way
// (vllm/spec_decode/spec_decode_worker.py determine_num_available_blocks,
// split_num_cache_blocks_evenly). The draft's activation workspace is not added (assumption: it
// runs between the target's passes and reuses that workspace).
void add_draft_model(ServingMemoryPlan& plan, const scenarios::ModelSpec& draft, scenarios::Precision target_precision,
                     int tensor_parallel);

}  // namespace stratum::calibration
