// The Megatron-LM 2021 software choices of the training step (issue 7): the unfused core
// attention's FLOPs and bytes kernel by kernel, the 2021 gradient handling's bytes per parameter,
// and what each changes in a step.
#include <gtest/gtest.h>

#include <algorithm>

#include "stratum/calibration/core_attention_cost.hpp"
#include "stratum/calibration/megatron2021_gradients.hpp"
#include "stratum/calibration/roofline.hpp"
#include "stratum/calibration/training_step.hpp"
#include "training_fixtures.hpp"

namespace stratum::calibration {
namespace {

using scenarios::Precision;

TEST(UnfusedAttention, WorkOfEachKernelForTheSmallestTable1Model) {
  // SC'21 Table 1's 1.7 B model: 24 heads of 96 on one GPU (tp 1), s = 2048, one sequence.
  const UnfusedAttentionShape x{1, 2048, 24, 96, true};
  const UnfusedAttentionWork w = unfused_attention_work(x);
  const double g = 24, s = 2048, hd = 96;
  // Q K^T over the full score matrix: 2 s^2 hd per head; reads Q and K, writes s^2 16-bit scores.
  EXPECT_DOUBLE_EQ(w.scores.flops, g * 2 * s * s * hd);
  EXPECT_DOUBLE_EQ(w.scores.bytes, g * (2 * s * hd + s * s) * 2);
  // Softmax: reads the s (s + 1) / 2 unmasked scores of each head, writes all s^2.
  EXPECT_DOUBLE_EQ(w.softmax.flops, 0);
  EXPECT_DOUBLE_EQ(w.softmax.bytes, g * (s * (s + 1) / 2 + s * s) * 2);
  // Dropout: 2 + 2 + 1 bytes per score forward, 2 + 1 + 2 backward.
  EXPECT_DOUBLE_EQ(w.dropout.bytes, g * s * s * 5);
  EXPECT_DOUBLE_EQ(w.dropout_bwd.bytes, g * s * s * 5);
  // P V: 2 s^2 hd, reads P and V, writes the context.
  EXPECT_DOUBLE_EQ(w.context.flops, g * 2 * s * s * hd);
  EXPECT_DOUBLE_EQ(w.context.bytes, g * (s * s + 2 * s * hd) * 2);
  // Forward matmuls 4 s^2 h per layer (h = heads x hd), as eq. (3) counts them; backward twice that.
  EXPECT_DOUBLE_EQ(w.forward().flops, 4 * s * s * (g * hd));
  EXPECT_DOUBLE_EQ(w.backward().flops, 2 * w.forward().flops);
  // Softmax backward: reads the gradient and the output over the causal half, writes full rows.
  EXPECT_DOUBLE_EQ(w.softmax_bwd.bytes, g * (2 * s * (s + 1) / 2 + s * s) * 2);
  // Without dropout its kernels vanish.
  const UnfusedAttentionWork nd = unfused_attention_work({1, 2048, 24, 96, false});
  EXPECT_DOUBLE_EQ(nd.dropout.bytes + nd.dropout_bwd.bytes, 0);
  EXPECT_DOUBLE_EQ(nd.scores.bytes, w.scores.bytes);
}

TEST(UnfusedAttention, FusedSoftmaxOnlyForItsShapes) {
  // fused_softmax.py at aed2f75e: 16 < s <= 2048, s % 4 == 0, b x heads per GPU % 4 == 0.
  EXPECT_TRUE(megatron2021_fused_softmax({1, 2048, 24, 96, true}));   // 1.7 B, tp 1
  EXPECT_TRUE(megatron2021_fused_softmax({1, 2048, 12, 128, true}));  // 145.6 B, 96 heads / tp 8
  EXPECT_FALSE(megatron2021_fused_softmax({1, 2048, 6, 128, true}));  // 18.4 B, 48 heads / tp 8
  EXPECT_FALSE(megatron2021_fused_softmax({1, 2048, 10, 128, true})); // 76.1 B, 80 heads / tp 8
  EXPECT_TRUE(megatron2021_fused_softmax({2, 2048, 10, 128, true}));  // micro-batch 2: 20 rows
  EXPECT_FALSE(megatron2021_fused_softmax({1, 4096, 12, 128, true})); // longer than 2,048
  EXPECT_FALSE(megatron2021_fused_softmax({1, 16, 12, 128, true}));
  // The FP32 fallback moves 36 bytes per score forward (cast 2 + 4, scale 8, mask 8, softmax 8,
  // cast back 4 + 2) and 40 backward (6, softmax 12, 8, 8, 6), whatever the causal mask.
  const UnfusedAttentionWork w = unfused_attention_work({1, 2048, 10, 128, true});
  const double scores = 10.0 * 2048 * 2048;
  EXPECT_DOUBLE_EQ(w.softmax.bytes, scores * 36);
  EXPECT_DOUBLE_EQ(w.softmax_bwd.bytes, scores * 40);
  // Two sequences make 20 rows of heads: the fused kernel runs; the other kernels just double.
  const UnfusedAttentionWork f = unfused_attention_work({2, 2048, 10, 128, true});
  EXPECT_DOUBLE_EQ(f.scores.bytes, 2 * w.scores.bytes);
  EXPECT_DOUBLE_EQ(f.dropout.bytes, 2 * w.dropout.bytes);
  EXPECT_DOUBLE_EQ(f.softmax.bytes, 2 * scores * (2049.0 / 4096 + 1) * 2);
  EXPECT_DOUBLE_EQ(f.softmax_bwd.bytes, 2 * scores * (2 * 2049.0 / 4096 + 1) * 2);
}

TEST(UnfusedAttention, TimeIsTheKernelsOnTheRoofline) {
  const RooflineCostModel roofline(testing::a100());
  const UnfusedAttentionShape x{2, 2048, 12, 128, true};
  const UnfusedAttentionWork w = unfused_attention_work(x);
  const UnfusedAttentionTime t = unfused_attention_time(roofline, x, Precision::kFp16);
  const double g = 24;
  const auto bmm = [&](int64_t m, int64_t n, int64_t k) {
    return roofline.grouped_gemm(g, m, n, k, Precision::kFp16, Precision::kFp16).seconds;
  };
  const auto ew = [&](double bytes) { return roofline.elementwise(bytes).seconds; };
  EXPECT_DOUBLE_EQ(t.forward_s, bmm(2048, 2048, 128) + ew(w.softmax.bytes) + ew(w.dropout.bytes) + bmm(2048, 128, 2048));
  EXPECT_DOUBLE_EQ(t.backward_s, bmm(2048, 2048, 128) + 3 * bmm(2048, 128, 2048) + ew(w.dropout_bwd.bytes) +
                                     ew(w.softmax_bwd.bytes));
  // The fallback softmax: its five kernels priced one by one, forward and backward.
  const UnfusedAttentionShape y{1, 2048, 10, 128, true};
  const UnfusedAttentionWork v = unfused_attention_work(y);
  const UnfusedAttentionTime u = unfused_attention_time(roofline, y, Precision::kFp16);
  const double n = 10.0 * 2048 * 2048;
  const auto b10 = [&](int64_t m, int64_t nn, int64_t k) {
    return roofline.grouped_gemm(10, m, nn, k, Precision::kFp16, Precision::kFp16).seconds;
  };
  EXPECT_DOUBLE_EQ(u.forward_s, b10(2048, 2048, 128) + ew(n * 6) + 3 * ew(n * 8) + ew(n * 6) + ew(v.dropout.bytes) +
                                    b10(2048, 128, 2048));
  EXPECT_DOUBLE_EQ(u.backward_s, b10(2048, 2048, 128) + b10(2048, 128, 2048) + ew(v.dropout_bwd.bytes) + ew(n * 6) +
                                     ew(n * 12) + 2 * ew(n * 8) + ew(n * 6) + 2 * b10(2048, 128, 2048));
  // Slower than FlashAttention over the causal half, which is what the 2022 kernels bought.
  const PrefillChunk c{2048, 0};
  const std::vector<PrefillChunk> chunks{c, c};
  EXPECT_GT(t.forward_s, 2 * roofline.attention_prefill(chunks, AttentionShape{12, 12, 128}, Precision::kFp16).seconds);
}

TEST(Megatron2021Gradients, BytesPerParameter) {
  // FP16 (examples/pretrain_gpt3_175B.sh): 16-bit all-reduce, autograd accumulation from the second
  // micro-batch on, flatten + divide + copy back, then copy to FP32, unscale, norm, Adam, copy back.
  const Megatron2021GradientBytes f = megatron2021_gradient_bytes(Precision::kFp16, 4);
  EXPECT_DOUBLE_EQ(f.reduce_width, 2);
  EXPECT_DOUBLE_EQ(f.accumulate_per_micro_batch, 6.0 * 3 / 4);
  EXPECT_DOUBLE_EQ(f.around_reduce, 12);
  EXPECT_DOUBLE_EQ(f.optimizer, 6 + 8 + 4 + 28 + 6);
  EXPECT_DOUBLE_EQ(megatron2021_gradient_bytes(Precision::kFp16, 1).accumulate_per_micro_batch, 0);
  // BF16: FP32 main_grad buffer, accumulated every micro-batch, all-reduced in FP32; no loss scaler.
  const Megatron2021GradientBytes b = megatron2021_gradient_bytes(Precision::kBf16, 4);
  EXPECT_DOUBLE_EQ(b.reduce_width, 4);
  EXPECT_DOUBLE_EQ(b.accumulate_per_micro_batch, 10);
  EXPECT_DOUBLE_EQ(b.around_reduce, 12);
  EXPECT_DOUBLE_EQ(b.optimizer, 4 + 28 + 6);
  // PyTorch DDP (--DDP-impl torch, FP16): the FP16 accumulation and optimizer; around the
  // reduction only the reducer's copy-and-divide into its bucket and the copy back (2 + 2 each).
  const Megatron2021GradientBytes t = megatron2021_torch_ddp_bytes(4);
  EXPECT_DOUBLE_EQ(t.reduce_width, 2);
  EXPECT_DOUBLE_EQ(t.accumulate_per_micro_batch, f.accumulate_per_micro_batch);
  EXPECT_DOUBLE_EQ(t.around_reduce, 8);
  EXPECT_DOUBLE_EQ(t.optimizer, f.optimizer);
}

// The 1.7 B row's model and layout (testing::table1_layout) in FP16 on Selene's links.
struct Fp16Row1 {
  scenarios::ModelSpec m = testing::gpt(testing::kTable1[0]);
  TrainingLayout l = [] {
    TrainingLayout x = testing::table1_layout(testing::kTable1[0]);
    x.precision = Precision::kFp16;
    return x;
  }();
  RooflineCostModel roofline{testing::a100()};
  TrainingLinks links = testing::selene_links(l);
  TrainingStep step(const TrainingStepOptions& o = {}) const {
    return estimate_training_step(roofline, m, testing::a100(), l, links, o);
  }
};

TEST(Megatron2021Gradients, TorchDdpBucketsOverlapTheLastBackward) {
  // The 1.7 B row's layout in FP16: PyTorch DDP reduces 25 MB buckets of FP16 gradients while the
  // last micro-batch's backward runs, so less is exposed than with the local DDP's reduction after
  // the flush; the optimizer is the same.
  const Fp16Row1 x;
  TrainingStepOptions local, torch;
  local.software.gradients = scenarios::TrainingGradients::kMegatron2021;
  torch.software.gradients = scenarios::TrainingGradients::kMegatron2021TorchDdp;
  const GradientBuckets buckets = gradient_buckets(torch, x.l);
  EXPECT_DOUBLE_EQ(buckets.params, 25.0 * 1024 * 1024 / 2);
  EXPECT_DOUBLE_EQ(buckets.bytes_per_param, 2);
  EXPECT_EQ(buckets.kind, CollectiveKind::kAllReduce);
  const TrainingStep a = x.step(local);
  const TrainingStep b = x.step(torch);
  const double copies = x.roofline.elementwise(b.memory.parameters * 8).seconds;
  EXPECT_GE(b.dp_exposed_s, copies);
  EXPECT_LT(b.dp_exposed_s, a.dp_exposed_s);
  EXPECT_DOUBLE_EQ(b.optimizer_s, a.optimizer_s);
  EXPECT_LT(b.step_time_s, a.step_time_s);
  // Megatron-Core's buckets are unchanged by the new mode.
  const GradientBuckets core = gradient_buckets(TrainingStepOptions{}, x.l);
  EXPECT_DOUBLE_EQ(core.params, std::max(40e6, 1e6 * x.l.dp));
}

TEST(Megatron2021Gradients, ReductionAfterTheFlushIsExposed) {
  // The 1.7 B row's layout with fewer micro-batches: the 2021 all-reduce starts after the last
  // backward, so all of it is exposed, against the overlapped buckets of today's DDP.
  const Fp16Row1 x;
  const TrainingLayout& l = x.l;
  const RooflineCostModel& roofline = x.roofline;
  const TrainingStep today = x.step();
  TrainingStepOptions o;
  o.software.gradients = scenarios::TrainingGradients::kMegatron2021;
  const TrainingStep old = x.step(o);
  const double params = old.memory.parameters;
  const Megatron2021GradientBytes g = megatron2021_gradient_bytes(Precision::kFp16, l.micro_batches());
  const double reduce = roofline.collective(CollectiveKind::kAllReduce, params * 2, l.dp, 25e9, 14e-6).seconds;
  EXPECT_DOUBLE_EQ(old.dp_exposed_s, roofline.elementwise(params * g.around_reduce).seconds + reduce);
  EXPECT_DOUBLE_EQ(old.optimizer_s, roofline.elementwise(params * g.optimizer).seconds);
  EXPECT_LT(today.dp_exposed_s, old.dp_exposed_s);
  EXPECT_GT(old.step_time_s, today.step_time_s);
}

}  // namespace
}  // namespace stratum::calibration
