#include "stratum/kernels/cuda_check.hpp"

#include <cublasLt.h>

#include <stdexcept>
#include <string>

namespace stratum::kernels {

void throw_cuda_error(cudaError_t error, const char* expr, const char* file, int line) {
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + expr + " failed: " +
                           cudaGetErrorName(error) + " (" + cudaGetErrorString(error) + ")");
}

void throw_cublas_error(int status, const char* expr, const char* file, int line) {
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + expr + " failed: " +
                           cublasLtGetStatusName(static_cast<cublasStatus_t>(status)) + " (" +
                           cublasLtGetStatusString(static_cast<cublasStatus_t>(status)) + ")");
}

}  // namespace stratum::kernels
