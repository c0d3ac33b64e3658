#include "stratum/policies/batching.hpp"

#include <stdexcept>

#include "stratum/policies/continuous_batcher.hpp"
#include "stratum/policies/static_batcher.hpp"

namespace stratum::policies {

std::unique_ptr<Batcher> make_batcher(const scenarios::SchedulerSpec& spec, int64_t kv_blocks, int64_t max_model_len,
                                      const SpeculationConfig& speculation) {
  switch (spec.kind) {
    case scenarios::SchedulerKind::kStatic:
      if (speculation.num_tokens > 0) throw std::invalid_argument("speculative decoding needs continuous batching");
      return std::make_unique<StaticBatcher>(spec, kv_blocks, max_model_len);
    case scenarios::SchedulerKind::kContinuous:
      break;
  }
  return std::make_unique<ContinuousBatcher>(spec, kv_blocks, max_model_len, speculation);
}

}  // namespace stratum::policies
