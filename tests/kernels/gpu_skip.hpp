#pragma once
// GPU tests skip, saying why, where cudaGetDeviceCount fails (no GPU or no driver: error 35 on
// the build machines, BUILD-NOTES.md).
#include <gtest/gtest.h>

#include <string>

#include "stratum/kernels/device_info.hpp"

#define STRATUM_REQUIRE_GPU()                                                          \
  do {                                                                                 \
    std::string stratum_why_;                                                          \
    if (::stratum::kernels::cuda_device_count(&stratum_why_) == 0)                     \
      GTEST_SKIP() << "needs a CUDA GPU: " << stratum_why_;                            \
  } while (0)
