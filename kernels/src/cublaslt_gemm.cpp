#include "stratum/kernels/cublaslt_gemm.hpp"

#include <stdexcept>

#include "stratum/kernels/cuda_check.hpp"

namespace stratum::kernels {
namespace {

using scenarios::Precision;

cudaDataType_t cuda_type(Precision p) {
  switch (p) {
    case Precision::kBf16: return CUDA_R_16BF;
    case Precision::kFp16: return CUDA_R_16F;
    case Precision::kFp8: return CUDA_R_8F_E4M3;
    default: throw std::invalid_argument(std::string("no cuBLASLt GEMM for precision ") + scenarios::to_string(p));
  }
}

void set_batch(cublasLtMatrixLayout_t layout, int64_t groups, int64_t stride) {
  const int32_t count = static_cast<int32_t>(groups);
  STRATUM_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)));
  STRATUM_CUBLAS_CHECK(
      cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
}

}  // namespace

size_t gemm_input_bytes(Precision dtype) {
  switch (dtype) {
    case Precision::kBf16:
    case Precision::kFp16: return 2;
    case Precision::kFp8: return 1;
    default: throw std::invalid_argument(std::string("no cuBLASLt GEMM for precision ") + scenarios::to_string(dtype));
  }
}

Precision gemm_output_dtype(Precision dtype) { return dtype == Precision::kFp16 ? Precision::kFp16 : Precision::kBf16; }

CublasLtGemm::CublasLtGemm(size_t workspace_bytes) : workspace_(workspace_bytes) {
  STRATUM_CUBLAS_CHECK(cublasLtCreate(&handle_));
}

CublasLtGemm::~CublasLtGemm() {
  release_descriptors();
  if (handle_ != nullptr) cublasLtDestroy(handle_);
}

void CublasLtGemm::release_descriptors() {
  if (op_ != nullptr) cublasLtMatmulDescDestroy(op_);
  if (a_ != nullptr) cublasLtMatrixLayoutDestroy(a_);
  if (b_ != nullptr) cublasLtMatrixLayoutDestroy(b_);
  if (c_ != nullptr) cublasLtMatrixLayoutDestroy(c_);
  op_ = nullptr;
  a_ = b_ = c_ = nullptr;
  planned_ = false;
}

bool CublasLtGemm::plan(const GemmProblem& p, std::string* why) {
  release_descriptors();
  if (p.m < 1 || p.n < 1 || p.k < 1 || p.groups < 1) throw std::invalid_argument("GEMM dimensions must be positive");
  problem_ = p;
  const cudaDataType_t in = cuda_type(p.dtype);
  const cudaDataType_t out = cuda_type(gemm_output_dtype(p.dtype));
  // FP32 accumulation and scaling for every input type (what BF16/FP16 inference uses).
  STRATUM_CUBLAS_CHECK(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  const cublasOperation_t transa = CUBLAS_OP_T, transb = CUBLAS_OP_N;
  STRATUM_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &transa, sizeof(transa)));
  STRATUM_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &transb, sizeof(transb)));
  // Column-major view (header comment): A = W^T stored k x n (ld k), B = X^T stored k x m
  // (ld k), C = Y^T stored n x m (ld n).
  const auto m = static_cast<uint64_t>(p.m), n = static_cast<uint64_t>(p.n), k = static_cast<uint64_t>(p.k);
  STRATUM_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&a_, in, k, n, static_cast<int64_t>(k)));
  STRATUM_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&b_, in, k, m, static_cast<int64_t>(k)));
  STRATUM_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&c_, out, n, m, static_cast<int64_t>(n)));
  if (p.groups > 1) {
    set_batch(a_, p.groups, p.n * p.k);
    set_batch(b_, p.groups, p.m * p.k);
    set_batch(c_, p.groups, p.m * p.n);
  }
  cublasLtMatmulPreference_t pref = nullptr;
  STRATUM_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  const size_t ws = workspace_.bytes();
  STRATUM_CUBLAS_CHECK(
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(handle_, op_, a_, b_, c_, c_, pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (st != CUBLAS_STATUS_SUCCESS || found == 0) {
    if (why != nullptr) {
      *why = std::string("cuBLASLt has no algorithm for this GEMM (") +
             (st != CUBLAS_STATUS_SUCCESS ? cublasLtGetStatusName(st) : "no heuristic result") + ")";
    }
    release_descriptors();
    return false;
  }
  algo_ = result.algo;
  planned_ = true;
  return true;
}

void CublasLtGemm::run(const void* x, const void* w, void* y, cudaStream_t stream) const {
  if (!planned_) throw std::logic_error("CublasLtGemm::run before a successful plan()");
  const float alpha = 1.0f, beta = 0.0f;
  STRATUM_CUBLAS_CHECK(cublasLtMatmul(handle_, op_, &alpha, w, a_, x, b_, &beta, y, c_, y, c_, &algo_,
                                      workspace_.get(), workspace_.bytes(), stream));
}

}  // namespace stratum::kernels
