#include "stratum/calibration/precision_plan.hpp"

namespace stratum::calibration {

using scenarios::Precision;

PrecisionPlan plan_precision(Precision serving) {
  switch (serving) {
    case Precision::kBf16:
      return {Precision::kBf16, Precision::kBf16, Precision::kBf16, Precision::kBf16};
    case Precision::kFp16:
      return {Precision::kFp16, Precision::kFp16, Precision::kFp16, Precision::kFp16};
    case Precision::kFp8:
      return {Precision::kFp8, Precision::kFp8, Precision::kBf16, Precision::kBf16};
    case Precision::kInt8:
      return {Precision::kInt8, Precision::kBf16, Precision::kBf16, Precision::kBf16};
    case Precision::kInt4:
      return {Precision::kInt4, Precision::kBf16, Precision::kBf16, Precision::kBf16};
  }
  return {serving, serving, serving, serving};
}

PrecisionPlan plan_precision(Precision weights, std::optional<Precision> activations) {
  if (!activations.has_value()) return plan_precision(weights);
  const Precision a = *activations;
  const bool sixteen = a == Precision::kBf16 || a == Precision::kFp16;
  const Precision stream = sixteen ? a : Precision::kBf16;
  // KV follows the stream format (vLLM kv_cache_dtype "auto": the model's activation dtype).
  return {weights, a, stream, stream};
}

}  // namespace stratum::calibration
