#pragma once
// Memory accounting for serving: weights, KV cache bytes per token, activation workspace, and the
// KV blocks that fit (vLLM's profile-then-allocate rule).
#include <cstdint>

#include "stratum/scenarios/scenario.hpp"

namespace stratum::calibration {

// Parameter count from architecture fields (embeddings, attention, MLP or experts, norms, head).
double parameter_count(const scenarios::ModelSpec& model);

// KV heads each tensor-parallel rank holds: kv_heads / tp, rounded up, at least one (ranks
// replicate a head when tp exceeds kv_heads, as vLLM's QKVParallelLinear does).
int64_t kv_heads_per_gpu(const scenarios::ModelSpec& model, int tensor_parallel);

// 2 x layers x kv_heads x head_dim x bytes per element (K and V), whole model, all GPUs; for
// multi-head latent attention layers x (kv_lora_rank + rope_head_dim) x bytes per element.
double kv_bytes_per_token(const scenarios::ModelSpec& model, scenarios::Precision kv_precision);

struct ServingMemoryPlan {
  double usable_bytes_per_gpu = 0;      // memory_bytes x gpu_memory_utilization
  double weight_bytes_per_gpu = 0;
  double activation_bytes_per_gpu = 0;  // peak workspace for max_batched_tokens
  double kv_bytes_per_token_per_gpu = 0;
  double kv_bytes_per_gpu = 0;          // what is left for the KV cache (negative: does not fit)
  int64_t kv_blocks = 0;                // blocks of block_size_tokens, 0 when it does not fit
  int64_t block_size_tokens = 0;        // tokens per KV block (the scheduler's block size)
  int pipeline_parallel = 1;            // stages of the instance
  int pipeline_stage = 0;               // the stage these per-GPU figures describe (fewest blocks)
  // vLLM v0 Scheduler and CacheEngine: num_gpu_blocks //= pipeline_parallel_size, one share per
  // virtual engine.
  int64_t kv_blocks_per_virtual_engine() const { return kv_blocks / pipeline_parallel; }
  bool fits() const { return kv_blocks > 0; }
  // Bytes missing per GPU for even one KV block to fit (0 when it fits).
  double shortfall_bytes() const;
};

// Throws std::invalid_argument unless expert_parallel is 1, or divides both tensor_parallel and
// the model's experts (experts are split over the ranks of each tensor-parallel group).
void check_expert_parallel(const scenarios::ModelSpec& model, int tensor_parallel, int expert_parallel);

// expert_parallel (default 1): ranks the experts are split over inside the tensor-parallel group;
// it does not change bytes per GPU (see memory.cpp) but is checked like the iteration model does.
// pipeline_parallel (default 1): stages of the instance (pipeline_stages.hpp), each GPU holding
// its stage's layers, the first stage the embedding and the last the LM head. The plan is then
// that of the stage with the fewest KV blocks, and kv_blocks is the instance's (vLLM takes the
// minimum over its workers); each of the pipeline_parallel virtual engines gets kv_blocks /
// pipeline_parallel of them (kv_blocks_per_virtual_engine).
ServingMemoryPlan plan_serving_memory(const scenarios::ModelSpec& model, const scenarios::GpuSpec& gpu,
                                      scenarios::Precision precision, int tensor_parallel,
                                      const scenarios::SchedulerSpec& scheduler, int expert_parallel = 1,
                                      int pipeline_parallel = 1);

}  // namespace stratum::calibration
