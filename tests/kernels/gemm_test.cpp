#include <gtest/gtest.h>

#include "gpu_skip.hpp"
#include "stratum/kernels/cublaslt_gemm.hpp"
#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/device_buffer.hpp"
#include "stratum/kernels/reference.hpp"

namespace stratum::kernels {
namespace {

using scenarios::Precision;

struct GemmBuffers {
  DeviceBuffer x, w, y;
};

// Runs the GEMM on random inputs; returns false (and skips nothing) when cuBLASLt has no algorithm.
bool run_gemm(const GemmProblem& p, GemmBuffers& r, std::string* why) {
  r.x = DeviceBuffer(static_cast<size_t>(p.groups * p.m * p.k) * gemm_input_bytes(p.dtype));
  r.w = DeviceBuffer(static_cast<size_t>(p.groups * p.n * p.k) * gemm_input_bytes(p.dtype));
  r.y = DeviceBuffer(static_cast<size_t>(p.groups * p.m * p.n) * 2);
  fill_random(r.x.get(), p.groups * p.m * p.k, p.dtype, 1, 1.0f, nullptr);
  fill_random(r.w.get(), p.groups * p.n * p.k, p.dtype, 2, 1.0f, nullptr);
  CublasLtGemm gemm;
  if (!gemm.plan(p, why)) return false;
  gemm.run(r.x.get(), r.w.get(), r.y.get(), nullptr);
  STRATUM_CUDA_CHECK(cudaDeviceSynchronize());
  return true;
}

TEST(CublasLtGemm, MatchesReferenceForTransformerShapes) {
  STRATUM_REQUIRE_GPU();
  const bool fp8 = device_caps(0).fp8();
  for (Precision dtype : {Precision::kBf16, Precision::kFp16, Precision::kFp8}) {
    if (dtype == Precision::kFp8 && !fp8) continue;
    for (const GemmProblem& shape : {GemmProblem{1, 512, 256, 1, dtype}, GemmProblem{77, 1024, 4096, 1, dtype},
                                     GemmProblem{300, 6144, 4096, 1, dtype}, GemmProblem{16, 512, 256, 8, dtype}}) {
      GemmBuffers r;
      std::string why;
      ASSERT_TRUE(run_gemm(shape, r, &why)) << why;
      const CheckResult c = check_gemm(shape, r.x.get(), r.w.get(), r.y.get(), 2048, 5, nullptr);
      EXPECT_TRUE(c.ok()) << scenarios::to_string(dtype) << " m=" << shape.m << " n=" << shape.n << " k=" << shape.k
                          << " groups=" << shape.groups << ": " << c.summary();
    }
  }
}

TEST(CublasLtGemm, CheckCatchesAWrongResult) {
  STRATUM_REQUIRE_GPU();
  const GemmProblem p{64, 256, 512, 1, Precision::kBf16};
  GemmBuffers r;
  std::string why;
  ASSERT_TRUE(run_gemm(p, r, &why)) << why;
  fill_random(r.y.get(), p.m * p.n, Precision::kBf16, 99, 1.0f, nullptr);  // not the product
  const CheckResult c = check_gemm(p, r.x.get(), r.w.get(), r.y.get(), 256, 5, nullptr);
  EXPECT_FALSE(c.ok());
  EXPECT_GT(c.failed, 200);
}

TEST(CublasLtGemm, RejectsUnsupportedPrecision) {
  EXPECT_THROW(gemm_input_bytes(Precision::kInt4), std::invalid_argument);
  EXPECT_EQ(gemm_output_dtype(Precision::kFp8), Precision::kBf16);
  EXPECT_EQ(gemm_output_dtype(Precision::kFp16), Precision::kFp16);
}

}  // namespace
}  // namespace stratum::kernels
