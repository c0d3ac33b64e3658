#pragma once
// Which GEMM input (activation) formats go with which weight formats, and whether a GPU has the
// tensor cores a serving precision needs. Used by the loader (load-time rejection) and by tests;
// calibration/precision_plan.hpp turns the pair into the formats of every tensor.
#include <string>

#include "stratum/scenarios/hardware.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios {

// The GEMM input format when serving.activations is not set, as calibration::plan_precision
// chooses it: FP8 weights compute in FP8 (W8A8, vLLM's FP8 linear method with dynamic activation
// scales); INT8 and INT4 weights are weight-only (W8A16 / W4A16: AWQ, GPTQ, Marlin) with BF16
// activations; BF16 and FP16 compute in themselves.
Precision default_activations(Precision weights);

// Pairs Stratum models: BF16 / FP16 with themselves; FP8 with FP8 (W8A8) or BF16 / FP16 (weight-only
// FP8, vLLM's fp8_marlin); INT8 with INT8 (W8A8, SmoothQuant, Xiao et al. ICML 2023; vLLM's
// CUTLASS scaled_mm) or BF16 / FP16 (W8A16); INT4 with BF16 / FP16 only (W4A16; W4A8 kernels such
// as QServe are not modelled).
bool valid_activations(Precision weights, Precision activations);

// Dense tensor-core peak of `gpu` for GEMM inputs in `format` (FLOP/s or OP/s; 0 = no tensor-core
// support). INT4 inputs are never a GEMM input format here (see valid_activations).
double tensor_peak(const GpuSpec& gpu, Precision format);

}  // namespace stratum::scenarios
