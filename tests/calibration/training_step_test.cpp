#include "stratum/calibration/training_step.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "stratum/calibration/roofline.hpp"
#include "stratum/calibration/training_flops.hpp"
#include "training_fixtures.hpp"

namespace stratum::calibration {
namespace {

using scenarios::Precision;

TEST(TrainingStep, GemmWorkIsThreeForwardsPlusRecomputation) {
  // One GPU, one micro-batch: the step's seconds are the GEMM FLOPs, which must be the model's
  // matmul FLOPs (eq. (3) without the attention terms, which this counter does not charge).
  const auto m = testing::gpt("gpt-small", 4, 512, 8);
  TrainingLayout l;
  l.seq_len = 256;
  l.global_batch = 2;
  l.micro_batch = 2;
  const ForwardFlopsPerToken f = forward_flops_per_token(m, l.seq_len);
  const double tokens = 512;
  const testing::GemmFlopCounter counter;
  const TrainingStep none = estimate_training_step(counter, m, testing::a100(), l, {});
  EXPECT_DOUBLE_EQ(none.step_time_s, 3.0 * (f.layer_matmul + f.head) * tokens);
  l.recompute = Recompute::kFull;
  const TrainingStep full = estimate_training_step(counter, m, testing::a100(), l, {});
  EXPECT_DOUBLE_EQ(full.step_time_s, (4.0 * f.layer_matmul + 3.0 * f.head) * tokens);
  // Tensor parallelism splits every GEMM: same total over 2 GPUs, half the time.
  l.tp = 2;
  l.dp = 1;
  const TrainingLinks links{{1e12, 0, nullptr}, {}, {}, {}, {}};
  const TrainingStep tp2 = estimate_training_step(counter, m, testing::a100(), l, links);
  EXPECT_DOUBLE_EQ(tp2.step_time_s, full.step_time_s / 2);
  EXPECT_DOUBLE_EQ(tp2.bubble_fraction, 0.0);
}

TEST(TrainingStep, PipelineAndDataParallelismAddBubbleAndExposedReduction) {
  const auto m = testing::gpt("gpt-1.7b", 24, 2304, 24);
  const RooflineCostModel roofline(testing::a100());
  TrainingLayout l;
  l.pp = 4;
  l.dp = 2;
  l.global_batch = 16;
  l.seq_len = 2048;
  const TrainingLinks links = testing::selene_links(l);
  const TrainingStep s = estimate_training_step(roofline, m, testing::a100(), l, links);
  // 8 micro-batches over 4 stages; the output layer makes the last stage the slowest, so the
  // bubble is at most (p - 1) / m.
  EXPECT_GT(s.bubble_fraction, 0.0);
  EXPECT_LE(s.bubble_fraction, 3.0 / 8 + 1e-12);
  EXPECT_GT(s.p2p_s, 0.0);
  EXPECT_GE(s.step_time_s, s.pipeline.makespan_s + s.optimizer_s);
  EXPECT_GT(s.optimizer_s, 0.0);
  // Turning the bucket overlap off can only expose more of the reduction.
  TrainingStepOptions serial;
  serial.overlap_grad_reduce = false;
  const TrainingStep t = estimate_training_step(roofline, m, testing::a100(), l, links, serial);
  EXPECT_GE(t.dp_exposed_s, s.dp_exposed_s);
  EXPECT_GT(t.step_time_s, s.step_time_s);
  EXPECT_DOUBLE_EQ(s.tokens_per_s, 16.0 * 2048 / s.step_time_s);
  EXPECT_NEAR(s.mfu, s.model_flops / (s.step_time_s * 8 * 312e12), 1e-15);
  EXPECT_DOUBLE_EQ(s.hfu, s.mfu);  // no recomputation
}

TEST(TrainingStep, Fp32GradientBuffersDoubleTheReductionAndTheGradientMemory) {
  const auto m = testing::gpt("gpt-1.7b", 24, 2304, 24);
  const RooflineCostModel roofline(testing::a100());
  TrainingLayout l;
  l.dp = 4;
  l.global_batch = 16;
  l.seq_len = 2048;
  const TrainingLinks links = testing::selene_links(l);
  TrainingStepOptions bf16, fp32;
  bf16.overlap_grad_reduce = fp32.overlap_grad_reduce = false;  // the whole reduction exposed
  fp32.memory.fp32_gradients = true;
  EXPECT_DOUBLE_EQ(gradient_buckets(bf16, l).bytes_per_param, 2.0);
  EXPECT_DOUBLE_EQ(gradient_buckets(fp32, l).bytes_per_param, 4.0);
  const TrainingStep a = estimate_training_step(roofline, m, testing::a100(), l, links, bf16);
  const TrainingStep b = estimate_training_step(roofline, m, testing::a100(), l, links, fp32);
  EXPECT_DOUBLE_EQ(b.memory.gradients, 2.0 * a.memory.gradients);
  EXPECT_DOUBLE_EQ(b.memory.weights, a.memory.weights);
  // Twice the bytes on the same ring: more than the 16-bit reduction, at most twice it (the
  // per-step latency terms do not double).
  EXPECT_GT(b.dp_exposed_s, a.dp_exposed_s);
  EXPECT_LE(b.dp_exposed_s, 2.0 * a.dp_exposed_s);
  EXPECT_GT(b.optimizer_s, a.optimizer_s);  // Adam reads 4 bytes per gradient instead of 2
  EXPECT_DOUBLE_EQ(b.pipeline.makespan_s, a.pipeline.makespan_s);
}

TEST(TrainingStep, Table1RowsLandInAPlausibleBand) {
  // Megatron-LM on Selene, Narayanan et al. SC'21 Table 1: achieved TFLOP/s per GPU (eq. (3), with
  // recomputation). The roofline's A100 GEMM efficiency (0.75 of 312 TFLOP/s) is a prior taken from
  // H100 reports and nothing here is tuned to the table, so the band is wide: the estimate must not
  // exceed what the GEMMs alone could reach, and not fall below half the published figure. The
  // figures are printed for the validation report.
  const RooflineCostModel roofline(testing::a100());
  for (const auto& r : testing::kTable1) {
    const TrainingLayout l = testing::table1_layout(r);
    const TrainingStep s = estimate_training_step(roofline, testing::gpt(r), testing::a100(), l, testing::selene_links(l));
    std::printf("table1 %7.1fB tp %d pp %2d dp %3d: %.1f TFLOP/s per GPU (published %.0f, %+.1f %%), step %.2f s, "
                "bubble %.3f, MFU %.3f, HFU %.3f, memory %.1f GB (%s)\n",
                r.params_b, l.tp, l.pp, l.dp, s.tflops_per_gpu, r.tflops_per_gpu,
                100.0 * (s.tflops_per_gpu / r.tflops_per_gpu - 1.0), s.step_time_s, s.bubble_fraction, s.mfu, s.hfu,
                s.memory.total() / 1e9, s.memory.largest_term());
    EXPECT_LE(s.tflops_per_gpu, 0.75 * 312.0) << r.params_b;
    EXPECT_GE(s.tflops_per_gpu, 0.5 * r.tflops_per_gpu) << r.params_b;
    EXPECT_TRUE(s.fits()) << r.params_b << ": " << s.memory.verdict();
    EXPECT_NEAR(s.hfu, s.tflops_per_gpu * 1e12 / 312e12, 1e-12);
  }
}

TEST(TrainingStep, InvalidLayoutIsRejected) {
  const RooflineCostModel roofline(testing::a100());
  TrainingLayout l;
  l.tp = 5;
  EXPECT_THROW(estimate_training_step(roofline, testing::llama31_8b(), testing::a100(), l, {}), std::invalid_argument);
}

}  // namespace
}  // namespace stratum::calibration
