#pragma once
// Which numeric format each kind of tensor uses when a model is served at a given precision.
// The serving precision names the weights; activations, the residual stream and the KV cache follow
// the conventions of vLLM, the engine whose behaviour Stratum's serving model follows.
#include <optional>

#include "stratum/scenarios/scenario.hpp"

namespace stratum::calibration {

struct PrecisionPlan {
  scenarios::Precision weight;   // stored weights of the linear layers
  scenarios::Precision compute;  // GEMM input activations and tensor-core compute format
  scenarios::Precision stream;   // residual stream, norms, TP collectives, attention Q and O
  scenarios::Precision kv;       // KV cache
};

// BF16 / FP16: everything in that format.
// FP8: W8A8 (weights and GEMM inputs FP8, as vLLM's FP8 linear method with dynamic activation
//   scales); residual stream and KV stay BF16 because vLLM's kv_cache_dtype "auto" follows the
//   model's activation dtype.
// INT8 / INT4: weight-only (W8A16 / W4A16, as AWQ, GPTQ and Marlin kernels): weights are read at
//   their width and dequantised, compute and KV are BF16.
PrecisionPlan plan_precision(scenarios::Precision serving);

// With an explicit GEMM input format (serving.activations): INT8 weights with INT8 activations are
// W8A8 (SmoothQuant, Xiao et al., ICML 2023; vLLM's CUTLASS scaled_mm W8A8 path): GEMMs run on the
// INT8 tensor cores; FP8 weights with BF16/FP16 activations are weight-only FP8 (W8A16, vLLM's
// fp8_marlin on GPUs without FP8 tensor cores); INT4 / INT8 weights with FP16 activations compute
// in FP16. The residual stream follows the activations when they are 16-bit, else BF16; KV as above.
// Without a value, the defaults of plan_precision(serving). The loader accepts only the pairs
// scenarios::valid_activations() allows (scenarios/quantization.hpp).
PrecisionPlan plan_precision(scenarios::Precision weights, std::optional<scenarios::Precision> activations);

}  // namespace stratum::calibration
