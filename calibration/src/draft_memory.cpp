#include "stratum/calibration/draft_memory.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "stratum/calibration/precision_plan.hpp"

namespace stratum::calibration {

scenarios::Precision draft_precision(scenarios::Precision target) { return plan_precision(target).stream; }

void add_draft_model(ServingMemoryPlan& plan, const scenarios::ModelSpec& draft, scenarios::Precision target_precision,
                     int tensor_parallel) {
  if (tensor_parallel < 1) throw std::invalid_argument("tensor_parallel must be >= 1");
  if (plan.pipeline_parallel != 1) throw std::invalid_argument("a draft model needs a single-stage instance");
  const PrecisionPlan target = plan_precision(target_precision);
  const double weight_b = scenarios::bytes_per_element(draft_precision(target_precision));
  const double draft_weights = parameter_count(draft) * weight_b / tensor_parallel;
  // The draft's KV cache is kept in the target's KV format (one cache dtype per engine).
  const double draft_kv = 2.0 * static_cast<double>(draft.layers) *
                          static_cast<double>(kv_heads_per_gpu(draft, tensor_parallel)) *
                          static_cast<double>(draft.head_dim) * scenarios::bytes_per_element(target.kv);
  plan.weight_bytes_per_gpu += draft_weights;
  plan.kv_bytes_per_gpu -= draft_weights;
  plan.kv_bytes_per_token_per_gpu += draft_kv;
  const double block_bytes = static_cast<double>(plan.block_size_tokens) * plan.kv_bytes_per_token_per_gpu;
  plan.kv_blocks = plan.kv_bytes_per_gpu > 0 ? static_cast<int64_t>(std::floor(plan.kv_bytes_per_gpu / block_bytes)) : 0;
}

}  // namespace stratum::calibration
