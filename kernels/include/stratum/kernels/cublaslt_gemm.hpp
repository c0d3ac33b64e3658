#pragma once
// cuBLASLt GEMM in the layout transformer layers use: activations X[m, k] and weights W[n, k]
// row-major (PyTorch's Linear layout), Y[m, n] = X W^T, optionally `groups` independent products
// stored back to back (MoE experts, strided batch). In cuBLAS's column-major terms this is
// Y^T = W X^T with op(A) = T, op(B) = N: the "TN" layout FP8 matmuls require (cuBLAS
// documentation, cublasLtMatmul, "FP8 data types" restrictions).
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "stratum/kernels/device_buffer.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::kernels {

struct GemmProblem {
  int64_t m = 0, n = 0, k = 0, groups = 1;
  scenarios::Precision dtype = scenarios::Precision::kBf16;  // of X and W
};

// Element size of X and W (BF16 / FP16 2 bytes, FP8 E4M3 1 byte); throws for other precisions.
size_t gemm_input_bytes(scenarios::Precision dtype);
// Y's precision: FP16 for FP16 inputs, otherwise BF16 (FP8 GEMMs in inference write BF16).
scenarios::Precision gemm_output_dtype(scenarios::Precision dtype);

class CublasLtGemm {
 public:
  // cuBLAS recommends a 32 MiB workspace on Hopper (cuBLAS documentation, cublasSetWorkspace).
  static constexpr size_t kDefaultWorkspace = size_t{32} << 20;

  explicit CublasLtGemm(size_t workspace_bytes = kDefaultWorkspace);
  ~CublasLtGemm();
  CublasLtGemm(const CublasLtGemm&) = delete;
  CublasLtGemm& operator=(const CublasLtGemm&) = delete;

  // Describes `problem` and takes cuBLASLt's first heuristic algorithm (what a framework calling
  // cuBLASLt without autotuning gets). False, with `why`, when cuBLASLt has none (e.g. FP8 on a
  // GPU without FP8 tensor cores or with k not a multiple of 16).
  bool plan(const GemmProblem& problem, std::string* why);

  // Enqueues Y = X W^T for the planned problem. X: groups x m x k, W: groups x n x k,
  // Y: groups x m x n, all row-major and contiguous.
  void run(const void* x, const void* w, void* y, cudaStream_t stream) const;

  const GemmProblem& problem() const { return problem_; }

 private:
  void release_descriptors();

  cublasLtHandle_t handle_ = nullptr;
  DeviceBuffer workspace_;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, c_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  bool planned_ = false;
  GemmProblem problem_;
};

}  // namespace stratum::kernels
