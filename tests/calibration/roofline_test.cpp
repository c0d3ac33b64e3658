#include "stratum/calibration/roofline.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "fixtures.hpp"

namespace stratum::calibration {
namespace {

using scenarios::Precision;

// An ideal device (efficiency 1, no launch cost) with round numbers: ridge point 1,000 FLOP/byte.
RooflineCostModel ideal() {
  scenarios::GpuSpec g;
  g.id = "ideal";
  g.memory_bandwidth = 1e12;
  g.peak_bf16_flops = 1e15;
  g.peak_fp8_flops = 2e15;
  g.pcie_bandwidth = 50e9;
  RooflineEfficiency e;
  e.gemm_16bit = e.gemm_fp8 = e.gemm_int = e.attention = e.memory = e.host_link = 1.0;
  e.launch_overhead_s = 0;
  return RooflineCostModel(g, e);
}

TEST(Roofline, GemmCrossesFromMemoryToComputeBoundAtTheRidgePoint) {
  const RooflineCostModel model = ideal();
  const int64_t k = 65536, n = 65536;
  // Equal times when 2mnk / 1e15 = 2(mk + kn + mn) / 1e12, i.e. m = 1000 K / (K - 2000) = 1031.5.
  const auto flops = [&](int64_t m) { return 2.0 * m * n * k / 1e15; };
  const auto bytes = [&](int64_t m) { return 2.0 * (double(m) * k + double(k) * n + double(m) * n) / 1e12; };
  EXPECT_DOUBLE_EQ(model.gemm(1031, n, k, Precision::kBf16, Precision::kBf16).seconds, bytes(1031));
  EXPECT_GT(bytes(1031), flops(1031));
  EXPECT_DOUBLE_EQ(model.gemm(1032, n, k, Precision::kBf16, Precision::kBf16).seconds, flops(1032));
  EXPECT_GT(flops(1032), bytes(1032));
}

TEST(Roofline, SmallBatchGemmBarelyGrowsLargeBatchScalesLinearly) {
  const RooflineCostModel model(testing::h100());
  const auto t = [&](int64_t m) { return model.gemm(m, 8192, 8192, Precision::kBf16, Precision::kBf16).seconds; };
  EXPECT_LT(t(16) / t(8), 1.05);  // weights dominate the bytes, far below the ridge
  EXPECT_NEAR(t(16384) / t(8192), 2.0, 0.01);
}

TEST(Roofline, LargeGemmRunsAtThePublishedEfficiencyOfPeak) {
  const RooflineCostModel model(testing::h100());
  const double m = 8192;
  const double expected = 2 * m * m * m / (989e12 * 0.75) + 4e-6;
  EXPECT_DOUBLE_EQ(model.gemm(8192, 8192, 8192, Precision::kBf16, Precision::kBf16).seconds, expected);
  // FP8 tensor cores: 1,979 TFLOP/s at 68 %.
  EXPECT_DOUBLE_EQ(model.gemm(8192, 8192, 8192, Precision::kFp8, Precision::kFp8).seconds,
                   2 * m * m * m / (1979e12 * 0.68) + 4e-6);
  EXPECT_EQ(model.gemm(8192, 8192, 8192, Precision::kBf16, Precision::kBf16).provenance, Provenance::kRoofline);
}

TEST(Roofline, WeightOnlyInt4ReadsQuarterBytesButComputesAtActivationRate) {
  const RooflineCostModel model = ideal();
  // Decode-sized GEMM: bytes dominated by the weight matrix, 0.5 instead of 2 bytes each.
  const double bf16 = model.gemm(1, 8192, 8192, Precision::kBf16, Precision::kBf16).seconds;
  const double int4 = model.gemm(1, 8192, 8192, Precision::kBf16, Precision::kInt4).seconds;
  const double expected_int4 = (8192.0 * 2 + 8192.0 * 8192 * 0.5 + 8192.0 * 2) / 1e12;
  EXPECT_DOUBLE_EQ(int4, expected_int4);
  EXPECT_NEAR(int4 / bf16, 0.25, 0.001);
  // Compute-bound: identical, the dequantised weights go through BF16 tensor cores.
  EXPECT_DOUBLE_EQ(model.gemm(65536, 8192, 8192, Precision::kBf16, Precision::kInt4).seconds,
                   model.gemm(65536, 8192, 8192, Precision::kBf16, Precision::kBf16).seconds);
}

TEST(Roofline, Fp8FallsBackToSixteenBitRateWithoutFp8TensorCores) {
  const RooflineCostModel a100(testing::a100());
  EXPECT_DOUBLE_EQ(a100.gemm_flops(Precision::kFp8), 312e12 * 0.75);
  const RooflineCostModel h100(testing::h100());
  EXPECT_DOUBLE_EQ(h100.gemm_flops(Precision::kFp8), 1979e12 * 0.68);
}

TEST(Roofline, GroupedGemmChargesOneLaunch) {
  const RooflineCostModel model(testing::h100());
  const Estimate one = model.gemm(4, 14336, 4096, Precision::kBf16, Precision::kBf16);
  const Estimate two = model.grouped_gemm(2.0, 4, 14336, 4096, Precision::kBf16, Precision::kBf16);
  EXPECT_NEAR(two.seconds, 2 * (one.seconds - 4e-6) + 4e-6, 1e-15);
  EXPECT_EQ(model.grouped_gemm(0.0, 4, 4, 4, Precision::kBf16, Precision::kBf16).seconds, 0.0);
}

TEST(Roofline, RingAllReduceMatchesAlphaBetaFormulaExactly) {
  const RooflineCostModel model(testing::h100());
  const double s = 1e9, beta = 450e9, alpha = 5e-6;
  const int n = 8;
  EXPECT_DOUBLE_EQ(model.collective(CollectiveKind::kAllReduce, s, n, beta, alpha).seconds,
                   2.0 * (n - 1) * (alpha + s / (n * beta)));
  EXPECT_DOUBLE_EQ(model.collective(CollectiveKind::kAllGather, s, n, beta, alpha).seconds,
                   (n - 1) * (alpha + s / (n * beta)));
  EXPECT_DOUBLE_EQ(model.collective(CollectiveKind::kReduceScatter, s, n, beta, alpha).seconds,
                   (n - 1) * (alpha + s / (n * beta)));
  EXPECT_DOUBLE_EQ(model.collective(CollectiveKind::kSendRecv, s, 2, beta, alpha).seconds, alpha + s / beta);
  EXPECT_DOUBLE_EQ(model.collective(CollectiveKind::kBroadcast, s, n, beta, alpha).seconds,
                   (n - 1) * alpha + s / beta);
  EXPECT_EQ(model.collective(CollectiveKind::kAllReduce, s, 1, beta, alpha).seconds, 0.0);
  EXPECT_THROW((void)model.collective(CollectiveKind::kAllReduce, s, 2, 0.0, alpha), std::invalid_argument);
  // Bus bandwidth of the ring (nccl-tests): algbw x 2(n-1)/n approaches beta for large messages.
  const double t = model.collective(CollectiveKind::kAllReduce, 1e12, n, beta, 0).seconds;
  EXPECT_NEAR(1e12 / t * 2.0 * (n - 1) / n, beta, 1e-6 * beta);
}

TEST(Roofline, DecodeAttentionIsBoundByKvBytes) {
  const RooflineCostModel model(testing::h100());
  const std::vector<int64_t> contexts{1000, 3000};
  const AttentionShape shape{32, 8, 128};
  const double keys = 1001 + 3001;
  const double bytes = keys * 8 * 128 * 2 * 2 + 2.0 * 2 * 32 * 128 * 2;
  const double flops = 4.0 * 128 * 32 * keys;
  ASSERT_LT(flops / (989e12 * 0.34), bytes / (3.35e12 * 0.85));
  EXPECT_DOUBLE_EQ(model.attention_decode(contexts, shape, Precision::kBf16).seconds,
                   bytes / (3.35e12 * 0.85) + 4e-6);
  // FP8 KV cache halves the dominant bytes.
  EXPECT_LT(model.attention_decode(contexts, shape, Precision::kFp8).seconds,
            0.51 * model.attention_decode(contexts, shape, Precision::kBf16).seconds + 4e-6);
  EXPECT_EQ(model.attention_decode({}, shape, Precision::kBf16).seconds, 0.0);
}

TEST(Roofline, PrefillAttentionCountsCausalFlops) {
  const RooflineCostModel model(testing::h100());
  const std::vector<PrefillChunk> chunks{{4096, 0}, {1024, 2048}};
  const AttentionShape shape{64, 8, 128};
  const double flops = 4.0 * 128 * 64 * (4096 * (0 + 4097 / 2.0) + 1024 * (2048 + 1025 / 2.0));
  EXPECT_DOUBLE_EQ(model.attention_prefill(chunks, shape, Precision::kBf16).seconds,
                   flops / (989e12 * 0.34) + 4e-6);
}

TEST(Roofline, CopiesUseTheirLink) {
  const RooflineCostModel model(testing::h100());
  EXPECT_DOUBLE_EQ(model.copy(CopyKind::kHostToDevice, 55e9).seconds, 1.0 + 4e-6);
  EXPECT_DOUBLE_EQ(model.copy(CopyKind::kDeviceToDevice, 1e9).seconds, 2e9 / (3.35e12 * 0.85) + 4e-6);
  EXPECT_DOUBLE_EQ(model.copy(CopyKind::kPeer, 450e9).seconds, 1.0 + 4e-6);
}

TEST(Roofline, NormAndElementwiseAreMemoryBound) {
  const RooflineCostModel model = ideal();
  EXPECT_DOUBLE_EQ(model.elementwise(1e12).seconds, 1.0);
  EXPECT_DOUBLE_EQ(model.norm(1000, 4096, Precision::kBf16).seconds, (2.0 * 1000 * 4096 + 4096) * 2 / 1e12);
}

TEST(Roofline, RejectsGpuWithoutPeaks) {
  scenarios::GpuSpec g;
  g.id = "empty";
  EXPECT_THROW(RooflineCostModel{g}, std::invalid_argument);
  EXPECT_STREQ(to_string(Provenance::kRoofline), "roofline");
  EXPECT_STREQ(to_string(Provenance::kMeasured), "measured");
}

}  // namespace
}  // namespace stratum::calibration
