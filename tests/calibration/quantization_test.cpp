// Quantisation (issue 6): precision plans with an explicit activation format (W8A8, weight-only
// FP8), and the dequantisation cost of weight-only GEMMs.
#include <gtest/gtest.h>

#include <cmath>

#include "fixtures.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/precision_plan.hpp"
#include "stratum/calibration/roofline.hpp"
#include "stratum/scenarios/quantization.hpp"

namespace stratum::calibration {
namespace {

using scenarios::Precision;

bool same(const PrecisionPlan& a, const PrecisionPlan& b) {
  return a.weight == b.weight && a.compute == b.compute && a.stream == b.stream && a.kv == b.kv;
}

TEST(PrecisionPlan, ExplicitActivations) {
  // W8A8 INT8 (SmoothQuant): weights and GEMM inputs INT8, stream and KV BF16.
  EXPECT_TRUE(same(plan_precision(Precision::kInt8, Precision::kInt8),
                   {Precision::kInt8, Precision::kInt8, Precision::kBf16, Precision::kBf16}));
  // Weight-only FP8 (Marlin FP8 on Ampere).
  EXPECT_TRUE(same(plan_precision(Precision::kFp8, Precision::kBf16),
                   {Precision::kFp8, Precision::kBf16, Precision::kBf16, Precision::kBf16}));
  // W4A16 with FP16 activations: stream and KV follow.
  EXPECT_TRUE(same(plan_precision(Precision::kInt4, Precision::kFp16),
                   {Precision::kInt4, Precision::kFp16, Precision::kFp16, Precision::kFp16}));
  for (const Precision p : {Precision::kBf16, Precision::kFp16, Precision::kFp8, Precision::kInt8, Precision::kInt4}) {
    EXPECT_TRUE(same(plan_precision(p, std::nullopt), plan_precision(p)));
    // The loader's default GEMM input format is the one the plan computes in.
    EXPECT_EQ(scenarios::default_activations(p), plan_precision(p).compute);
    EXPECT_TRUE(scenarios::valid_activations(p, scenarios::default_activations(p)));
    EXPECT_TRUE(same(plan_precision(p, scenarios::default_activations(p)), plan_precision(p)));
  }
  EXPECT_FALSE(scenarios::valid_activations(Precision::kInt4, Precision::kInt8));
  EXPECT_FALSE(scenarios::valid_activations(Precision::kBf16, Precision::kFp8));
}

TEST(Quantization, W8A8RunsOnInt8TensorCores) {
  const RooflineCostModel h100(testing::h100());
  const double m = 8192;
  EXPECT_DOUBLE_EQ(h100.gemm(8192, 8192, 8192, Precision::kInt8, Precision::kInt8).seconds,
                   2 * m * m * m / (1979e12 * 0.68) + 4e-6);
}

// Marlin-style dequantisation: 2 CUDA-core operations per weight and 64-row slice at peak FP32,
// added to the tensor-core time once compute-bound, hidden under the weight loads when memory-bound.
TEST(Quantization, WeightOnlyDequantisationCost) {
  const RooflineCostModel h100(testing::h100());
  const double m = 4096, n = 8192, k = 8192;
  const double tensor = 2 * m * n * k / (989e12 * 0.75);
  const double dequant = k * n * (m / 64) * 2 / 67e12;
  EXPECT_DOUBLE_EQ(h100.gemm(4096, 8192, 8192, Precision::kBf16, Precision::kInt4).seconds, tensor + dequant + 4e-6);
  // A 65-row GEMM takes two slices.
  EXPECT_DOUBLE_EQ(h100.gemm(65, 8192, 8192, Precision::kBf16, Precision::kInt8).seconds,
                   std::max(2 * 65 * n * k / (989e12 * 0.75) + k * n * 2 * 2 / 67e12,
                            (65 * k * 2 + k * n * 1 + 65 * n * 2) / (3.35e12 * 0.85)) +
                       4e-6);
  // Decode-sized: memory-bound, the dequantisation hides under the INT4 weight loads.
  EXPECT_DOUBLE_EQ(h100.gemm(1, 8192, 8192, Precision::kBf16, Precision::kInt4).seconds,
                   (k * 2 + k * n * 0.5 + n * 2) / (3.35e12 * 0.85) + 4e-6);
  // W8A8 and 16-bit GEMMs pay none.
  EXPECT_DOUBLE_EQ(h100.gemm(4096, 8192, 8192, Precision::kBf16, Precision::kBf16).seconds, tensor + 4e-6);
}

TEST(Quantization, W8A8PrefillBeatsWeightOnlyInt8AndBf16) {
  const RooflineCostModel h100(testing::h100());
  IterationBatch prefill;
  prefill.prefill.push_back({8192, 0});
  ParallelLayout layout;
  const scenarios::ModelSpec m = testing::llama31_8b();
  const double bf16 = IterationModel(h100, m, Precision::kBf16, layout).cost(prefill).seconds;
  const double w8a16 = IterationModel(h100, m, Precision::kInt8, layout).cost(prefill).seconds;
  const double w8a8 = IterationModel(h100, m, plan_precision(Precision::kInt8, Precision::kInt8), layout).cost(prefill).seconds;
  EXPECT_GT(w8a16, bf16);  // compute-bound: the dequantisation is extra work
  EXPECT_LT(w8a8, bf16);   // INT8 tensor cores at twice the BF16 rate
}

}  // namespace
}  // namespace stratum::calibration
