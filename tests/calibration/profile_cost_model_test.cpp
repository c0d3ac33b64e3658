// The profile cost model on synthetic profiles: measured points come back exactly, points between
// them are interpolated in log space, points beyond are extrapolated along the fitted curve, and
// anything the profile lacks falls back to the roofline - each with its provenance.
#include <gtest/gtest.h>

#include <cmath>

#include "fixtures.hpp"
#include "stratum/calibration/interpolation.hpp"
#include "stratum/calibration/profile_cost_model.hpp"
#include "stratum/calibration/profile_report.hpp"

namespace stratum::calibration {
namespace {

scenarios::Timing t(double seconds) { return {seconds, seconds * 0.98, seconds * 1.03, 50}; }

TEST(LogLogSeries, MeasuredInterpolatedExtrapolated) {
  // y = 2e-6 x^1.5 sampled at 1, 4, 16, 64.
  std::vector<Point> pts;
  for (double x : {1.0, 4.0, 16.0, 64.0}) pts.push_back({x, 2e-6 * std::pow(x, 1.5)});
  const LogLogSeries s(pts);
  EXPECT_EQ(s.at(16).provenance, Provenance::kMeasured);
  EXPECT_DOUBLE_EQ(s.at(16).seconds, 2e-6 * 64);
  const Estimate mid = s.at(8);
  EXPECT_EQ(mid.provenance, Provenance::kInterpolated);
  EXPECT_NEAR(mid.seconds, 2e-6 * std::pow(8.0, 1.5), 1e-15);  // exact for a power law
  const Estimate far = s.at(1024);
  EXPECT_EQ(far.provenance, Provenance::kExtrapolated);
  EXPECT_NEAR(far.seconds / (2e-6 * std::pow(1024.0, 1.5)), 1.0, 1e-9);
  EXPECT_EQ(s.at(0.25).provenance, Provenance::kExtrapolated);
}

TEST(LogLogSeries, DuplicatesAreAveragedInLogSpace) {
  const LogLogSeries s({{10, 1e-3}, {10, 4e-3}, {20, 2e-3}});
  EXPECT_EQ(s.size(), 2u);
  EXPECT_NEAR(s.at(10).seconds, 2e-3, 1e-15);  // geometric mean
}

TEST(AlphaBeta, RecoversTheLineAndClampsNegativeAlpha) {
  std::vector<Point> pts;
  for (double b = 1e3; b <= 1e9; b *= 10) pts.push_back({b, 5e-6 + b / 200e9});
  AlphaBeta fit;
  ASSERT_TRUE(fit_alpha_beta(pts, fit));
  EXPECT_NEAR(fit.alpha_s, 5e-6, 1e-9);
  EXPECT_NEAR(fit.beta_Bps / 200e9, 1.0, 1e-6);
  EXPECT_DOUBLE_EQ(fit.min_bytes, 1e3);
  AlphaBeta origin;
  ASSERT_TRUE(fit_alpha_beta(std::vector<Point>{{1e6, 1e-6}, {2e6, 3e-6}}, origin));  // line crosses below 0
  EXPECT_EQ(origin.alpha_s, 0.0);
  EXPECT_GT(origin.beta_Bps, 0.0);
  EXPECT_FALSE(fit_alpha_beta(std::vector<Point>{{1e6, 1e-6}}, origin));
}

scenarios::Profile synthetic_profile() {
  scenarios::Profile p;
  p.header.gpu_id = "h100-sxm5-80gb";
  for (int64_t m : {1, 16, 256, 4096}) {
    p.gemm.push_back({m, 4096, 4096, Precision::kBf16, 1, t(1e-5 + 2.0 * m * 4096 * 4096 / 700e12)});
  }
  p.attention_prefill.push_back({1, 1024, 0, 32, 8, 128, Precision::kBf16, t(1e-4)});
  p.attention_prefill.push_back({4, 1024, 0, 32, 8, 128, Precision::kBf16, t(4e-4)});
  p.attention_decode.push_back({8, 1024, 32, 8, 128, 16, Precision::kBf16, t(2e-5)});
  p.attention_decode.push_back({64, 1024, 32, 8, 128, 16, Precision::kBf16, t(1.2e-4)});
  for (double b : {1e6, 1e7, 1e8}) {
    p.collectives.push_back({scenarios::CollectiveOp::kAllReduce, b, 8, "ring", t(20e-6 + b / 150e9)});
    p.copies.push_back({scenarios::CopyDirection::kHostToDevice, true, b, t(8e-6 + b / 50e9)});
  }
  return p;
}

TEST(ProfileCostModel, GemmFromProfileOrRoofline) {
  const ProfileCostModel model(synthetic_profile(), testing::h100());
  const Estimate measured = model.gemm(256, 4096, 4096, Precision::kBf16, Precision::kBf16);
  EXPECT_EQ(measured.provenance, Provenance::kMeasured);
  EXPECT_DOUBLE_EQ(measured.seconds, 1e-5 + 2.0 * 256 * 4096 * 4096 / 700e12);
  EXPECT_EQ(model.gemm(1000, 4096, 4096, Precision::kBf16, Precision::kBf16).provenance, Provenance::kInterpolated);
  EXPECT_EQ(model.gemm(16384, 4096, 4096, Precision::kBf16, Precision::kBf16).provenance, Provenance::kExtrapolated);
  // Another shape, precision or a weight-only quantised GEMM is not covered.
  EXPECT_EQ(model.gemm(256, 4096, 1024, Precision::kBf16, Precision::kBf16).provenance, Provenance::kRoofline);
  EXPECT_EQ(model.gemm(256, 4096, 4096, Precision::kFp8, Precision::kFp8).provenance, Provenance::kRoofline);
  EXPECT_EQ(model.gemm(256, 4096, 4096, Precision::kBf16, Precision::kInt4).provenance, Provenance::kRoofline);
}

TEST(ProfileCostModel, AttentionAlongFlopsAndKvTokens) {
  const ProfileCostModel model(synthetic_profile(), testing::h100());
  const AttentionShape shape{32, 8, 128};
  const std::vector<PrefillChunk> two{{1024, 0}, {1024, 0}};
  const Estimate prefill = model.attention_prefill(two, shape, Precision::kBf16);
  EXPECT_EQ(prefill.provenance, Provenance::kInterpolated);
  EXPECT_NEAR(prefill.seconds, 2e-4, 1e-12);  // 1e-4 and 4e-4 at 1x and 4x the FLOPs: power law 1
  const std::vector<int64_t> contexts(8, 1024);
  const Estimate decode = model.attention_decode(contexts, shape, Precision::kBf16);
  EXPECT_EQ(decode.provenance, Provenance::kMeasured);
  EXPECT_DOUBLE_EQ(decode.seconds, 2e-5);
  EXPECT_EQ(model.attention_decode(contexts, AttentionShape{64, 8, 128}, Precision::kBf16).provenance,
            Provenance::kRoofline);
}

TEST(ProfileCostModel, CollectivesAndCopiesUseTheirAlphaBetaFits) {
  const ProfileCostModel model(synthetic_profile(), testing::h100());
  const Estimate ar = model.collective(CollectiveKind::kAllReduce, 5e7, 8, 450e9, 3.4e-6);
  EXPECT_EQ(ar.provenance, Provenance::kInterpolated);
  EXPECT_NEAR(ar.seconds, 20e-6 + 5e7 / 150e9, 1e-12);
  EXPECT_EQ(model.collective(CollectiveKind::kAllReduce, 1e10, 8, 450e9, 3.4e-6).provenance, Provenance::kExtrapolated);
  EXPECT_EQ(model.collective(CollectiveKind::kAllReduce, 5e7, 4, 450e9, 3.4e-6).provenance, Provenance::kRoofline);
  const Estimate h2d = model.copy(CopyKind::kHostToDevice, 1e7);
  EXPECT_NEAR(h2d.seconds, 8e-6 + 1e7 / 50e9, 1e-12);
  EXPECT_EQ(model.copy(CopyKind::kPeer, 1e7).provenance, Provenance::kRoofline);
  // Two algorithms measured for one op and rank count: each size gets the faster fit.
  scenarios::Profile two = synthetic_profile();
  for (double b : {1e6, 1e7, 1e8}) {
    two.collectives.push_back({scenarios::CollectiveOp::kAllReduce, b, 8, "tree", t(8e-6 + b / 100e9)});
  }
  const ProfileCostModel both(two, testing::h100());
  EXPECT_NEAR(both.collective(CollectiveKind::kAllReduce, 1e6, 8, 450e9, 3.4e-6).seconds, 8e-6 + 1e6 / 100e9, 1e-12);
  EXPECT_NEAR(both.collective(CollectiveKind::kAllReduce, 1e8, 8, 450e9, 3.4e-6).seconds, 20e-6 + 1e8 / 150e9, 1e-12);
  const auto coverage = model.coverage();
  EXPECT_EQ(coverage.gemm_series, 1);
  EXPECT_EQ(coverage.collective_fits, 1);
  EXPECT_EQ(coverage.copy_fits, 1);
}

}  // namespace
}  // namespace stratum::calibration

namespace stratum::calibration {
namespace {

TEST(ProfileReport, LeaveOneOutIsExactForPowerLawsAndCountsEverything) {
  scenarios::Profile p;
  for (int64_t m : {1, 4, 16, 64, 256}) {
    p.gemm.push_back({m, 1024, 1024, Precision::kBf16, 1, {3e-6 * std::pow(static_cast<double>(m), 0.8), 0, 0, 50}});
  }
  for (double b : {1e6, 1e7, 1e8}) {
    p.collectives.push_back({scenarios::CollectiveOp::kAllGather, b, 4, "ring", {5e-6 + b / 1e11, 0, 0, 50}});
  }
  const ProfileReport r = analyze_profile(p);
  ASSERT_EQ(r.categories.size(), 5u);
  const CategoryReport& gemm = r.categories[0];
  EXPECT_EQ(gemm.samples, 5);
  EXPECT_EQ(gemm.series, 1);
  EXPECT_EQ(gemm.fit.count, 3);  // interior points only
  EXPECT_LT(gemm.fit.max_abs, 1e-12);
  EXPECT_DOUBLE_EQ(gemm.min_x, 1);
  EXPECT_DOUBLE_EQ(gemm.max_x, 256);
  const CategoryReport& coll = r.categories[3];
  EXPECT_EQ(coll.series, 1);
  EXPECT_EQ(coll.fit.count, 3);
  EXPECT_LT(coll.fit.max_abs, 1e-9);
  const std::string text = format_report(p, r);
  EXPECT_NE(text.find("gemm"), std::string::npos);
  EXPECT_NE(text.find("leave-one-out"), std::string::npos);
}

TEST(ProfileReport, LeaveOneOutMeasuresACurvedSeries) {
  scenarios::Profile p;
  // A launch-bound plateau then a linear region: log-log interpolation across the knee errs.
  for (int64_t m : {1, 2, 4, 8, 16, 32, 64, 128}) {
    p.gemm.push_back({m, 4096, 4096, Precision::kBf16, 1, {1e-5 + 1e-7 * static_cast<double>(m), 0, 0, 50}});
  }
  const ProfileReport r = analyze_profile(p);
  // The worst leave-one-out is m = 64 predicted from 32 and 128: their geometric mean.
  auto t = [](double m) { return 1e-5 + 1e-7 * m; };
  EXPECT_NEAR(r.categories[0].fit.max_abs, std::sqrt(t(32) * t(128)) / t(64) - 1.0, 1e-12);
  EXPECT_EQ(r.categories[0].fit.count, 6);
}

}  // namespace
}  // namespace stratum::calibration
