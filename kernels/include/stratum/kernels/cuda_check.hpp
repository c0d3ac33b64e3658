#pragma once
// Errors from the CUDA runtime and cuBLASLt become exceptions naming the call, file and line:
// a calibration run stops at the first failed call instead of timing garbage.
#include <cuda_runtime_api.h>

namespace stratum::kernels {

[[noreturn]] void throw_cuda_error(cudaError_t error, const char* expr, const char* file, int line);
[[noreturn]] void throw_cublas_error(int status, const char* expr, const char* file, int line);

}  // namespace stratum::kernels

#define STRATUM_CUDA_CHECK(expr)                                                       \
  do {                                                                                 \
    const cudaError_t stratum_err_ = (expr);                                           \
    if (stratum_err_ != cudaSuccess)                                                   \
      ::stratum::kernels::throw_cuda_error(stratum_err_, #expr, __FILE__, __LINE__);   \
  } while (0)

#define STRATUM_CUBLAS_CHECK(expr)                                                                  \
  do {                                                                                              \
    const int stratum_status_ = static_cast<int>(expr);                                             \
    if (stratum_status_ != 0) ::stratum::kernels::throw_cublas_error(stratum_status_, #expr, __FILE__, __LINE__); \
  } while (0)
