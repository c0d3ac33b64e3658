#include "stratum/scenarios/quantization.hpp"

namespace stratum::scenarios {

Precision default_activations(Precision weights) {
  switch (weights) {
    case Precision::kBf16:
    case Precision::kFp16:
    case Precision::kFp8:
      return weights;
    case Precision::kInt8:
    case Precision::kInt4:
      return Precision::kBf16;
  }
  return Precision::kBf16;
}

bool valid_activations(Precision weights, Precision activations) {
  const bool sixteen = activations == Precision::kBf16 || activations == Precision::kFp16;
  switch (weights) {
    case Precision::kBf16:
    case Precision::kFp16:
      return activations == weights;
    case Precision::kFp8:
      return sixteen || activations == Precision::kFp8;
    case Precision::kInt8:
      return sixteen || activations == Precision::kInt8;
    case Precision::kInt4:
      return sixteen;
  }
  return false;
}

double tensor_peak(const GpuSpec& gpu, Precision format) {
  switch (format) {
    case Precision::kBf16: return gpu.peak_bf16_flops;
    case Precision::kFp16: return gpu.peak_fp16_flops;
    case Precision::kFp8: return gpu.peak_fp8_flops;
    case Precision::kInt8: return gpu.peak_int8_ops;
    case Precision::kInt4: return 0;
  }
  return 0;
}

}  // namespace stratum::scenarios
