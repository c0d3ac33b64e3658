#pragma once
// Which numeric format each kind of tensor uses when a model is served at a given precision.
// The serving precision names the weights; activations, the residual stream and the KV cache follow
// the conventions of vLLM, the engine whose behaviour Stratum's serving model follows.
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

}  // namespace stratum::calibration
