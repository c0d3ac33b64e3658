#include "stratum/calibration/training_flops.hpp"

#include <gtest/gtest.h>

#include "stratum/calibration/memory.hpp"
#include "training_fixtures.hpp"

namespace stratum::calibration {
namespace {

// Relative agreement to round-off: the general form and eq. (3) add the same terms in another
// order.
void expect_same(double a, double b) { EXPECT_NEAR(a / b, 1.0, 1e-12) << a << " vs " << b; }

TEST(TrainingFlops, Eq3LiteralValues) {
  // B = 1, s = 6, l = 1, h = 1, V = 16: 96 x 6 x (1 + 1 + 1) and 72 x 6 x (1 + 1 + 16/12).
  EXPECT_DOUBLE_EQ(megatron_flops_full_recompute(1, 6, 1, 1, 16), 1728.0);
  EXPECT_DOUBLE_EQ(megatron_flops_no_recompute(1, 6, 1, 1, 16), 1440.0);
}

TEST(TrainingFlops, GeneralFormEqualsNarayananEq3ForEveryTable1Row) {
  for (const auto& r : testing::kTable1) {
    const auto m = testing::gpt(r);
    const double B = double(r.batch), s = 2048, l = double(r.layers), h = double(r.hidden), V = 51200;
    const TrainingFlops full = training_flops(m, r.batch, 2048, Recompute::kFull);
    const TrainingFlops none = training_flops(m, r.batch, 2048, Recompute::kNone);
    const TrainingFlops sel = training_flops(m, r.batch, 2048, Recompute::kSelective);
    expect_same(full.hardware, megatron_flops_full_recompute(B, s, l, h, V));
    expect_same(full.model, megatron_flops_no_recompute(B, s, l, h, V));
    expect_same(none.model, none.hardware);
    expect_same(none.model, full.model);
    // Selective recomputation adds one forward of QK^T and attention over V: 4 B s^2 h per layer,
    // i.e. 72 B s l h^2 (1 + s/(6h) + s/(18h) + V/(12 l h)).
    expect_same(sel.hardware, 72.0 * B * s * l * h * h * (1.0 + s / (6 * h) + s / (18 * h) + V / (12 * l * h)));
    expect_same(sel.model, full.model);
  }
}

TEST(TrainingFlops, OneTrillionRowWrittenOut) {
  // The 1 T row (B 3072, s 2048, l 128, h 25600, V 51200) with eq. (3) written out by hand.
  const auto& r = testing::kTable1[9];
  const double flops = training_flops(testing::gpt(r), r.batch, 2048, Recompute::kFull).hardware;
  const double h = 25600, s = 2048, l = 128;
  expect_same(flops, 96.0 * 3072 * s * l * h * h * (1 + s / (6 * h) + 51200 / (16 * l * h)));
  // 5.1e19 FLOPs: at the published 163 TFLOP/s on 3,072 GPUs, about 102 s per iteration.
  EXPECT_NEAR(flops / (163e12 * 3072), 102.6, 0.1);
}

TEST(TrainingFlops, GqaSwigluModelsUseSixNPlusAttention) {
  // Llama 3.1 405B (GQA, SwiGLU, untied): matmul parameters are everything except the input
  // embedding and the norm vectors, so forward FLOPs per token are 2 N' + 4 l s (heads x hd).
  const auto m = testing::llama31_405b();
  const ForwardFlopsPerToken f = forward_flops_per_token(m, 8192);
  const double norms = double(m.layers) * 2.0 * m.hidden + m.hidden;
  const double n_matmul = parameter_count(m) - double(m.vocab) * m.hidden - norms;
  expect_same(f.layer_matmul + f.head, 2.0 * n_matmul);
  EXPECT_DOUBLE_EQ(f.attention, 126.0 * 4.0 * 8192 * 128 * 128);
  // PaLM's 6 N + 12 L H Q T per token.
  const TrainingFlops t = training_flops(m, 1, 8192, Recompute::kNone);
  expect_same(t.model, 8192.0 * (6.0 * n_matmul + 12.0 * 126 * 128 * 128 * 8192));
}

TEST(TrainingFlops, MoeCountsActiveExpertsAndRouter) {
  const auto m = testing::mixtral_8x7b();
  const ForwardFlopsPerToken f = forward_flops_per_token(m, 4096);
  const double h = 4096, attention = h * (4096 + 2 * 1024) + 4096 * h, expert = 3 * h * 14336;
  EXPECT_DOUBLE_EQ(f.layer_matmul, 32 * 2 * (attention + 2 * expert + h * 8));
  EXPECT_DOUBLE_EQ(f.head, 2.0 * 32000 * h);
}

TEST(TrainingFlops, UtilisationIsFlopsOverTimeGpusAndPeak) {
  EXPECT_DOUBLE_EQ(flops_utilisation(3.0e18, 10.0, 1000, 1.0e15), 0.3);
  EXPECT_EQ(flops_utilisation(1.0, 0.0, 1, 1.0), 0.0);
}

}  // namespace
}  // namespace stratum::calibration
