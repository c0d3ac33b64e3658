#include "stratum/calibration/training_memory.hpp"

#include <gtest/gtest.h>

#include "stratum/calibration/pipeline_schedule.hpp"
#include "training_fixtures.hpp"

namespace stratum::calibration {
namespace {

// Korthikanti et al. 2022's accounting is for unfused attention (its 5 a s / h term): these tests
// check its formulas; FlashAttention's own accounting is the last test.
const TrainingMemoryOptions kUnfused = [] {
  TrainingMemoryOptions o;
  o.flash_attention = false;
  return o;
}();

TEST(TrainingMemory, ZeroPaperExample7_5bOn64Gpus) {
  // Rajbhandari et al. SC'20 Figure 1: 7.5 B parameters, Nd = 64: 120 GB, 31.4 GB, 16.6 GB, 1.9 GB.
  const double phi = 7.5e9;
  EXPECT_DOUBLE_EQ(zero_model_state_bytes(phi, 64, 0).total(), 120e9);
  EXPECT_DOUBLE_EQ(zero_model_state_bytes(phi, 64, 1).total(), 31.40625e9);
  EXPECT_DOUBLE_EQ(zero_model_state_bytes(phi, 64, 2).total(), 16.640625e9);
  EXPECT_DOUBLE_EQ(zero_model_state_bytes(phi, 64, 3).total(), 1.875e9);
  const ModelStateBytes z2 = zero_model_state_bytes(phi, 64, 2);
  EXPECT_DOUBLE_EQ(z2.weights, 15e9);
  EXPECT_DOUBLE_EQ(z2.gradients, 15e9 / 64);
  EXPECT_DOUBLE_EQ(z2.optimizer, 90e9 / 64);
  EXPECT_THROW(zero_model_state_bytes(phi, 0, 1), std::invalid_argument);
  // FP32 gradient buffers (--accumulate-allreduce-grads-in-fp32): 4 bytes per gradient, sharded
  // from ZeRO 2 on like the 16-bit ones.
  EXPECT_DOUBLE_EQ(zero_model_state_bytes(phi, 64, 1, 4.0).gradients, 30e9);
  EXPECT_DOUBLE_EQ(zero_model_state_bytes(phi, 64, 2, 4.0).gradients, 30e9 / 64);
  EXPECT_DOUBLE_EQ(zero_model_state_bytes(phi, 64, 2, 4.0).optimizer, z2.optimizer);
}

// GPT-3 175B shapes (Korthikanti 2022 Table 3): h 12288, a 96, s 2048, micro-batch 1, t 8.
TrainingLayout gpt3_layout(bool sp, Recompute r) {
  TrainingLayout l;
  l.tp = 8;
  l.pp = 8;
  l.dp = 1;
  l.global_batch = 64;
  l.micro_batch = 1;
  l.seq_len = 2048;
  l.sequence_parallel = sp;
  l.recompute = r;
  return l;
}

TEST(TrainingMemory, ActivationsPerLayerAreKorthikantiFormulas) {
  const auto m = testing::gpt("gpt-3", 96, 12288, 96);
  const double s = 2048, b = 1, h = 12288, a = 96, t = 8;
  const double sbh = s * b * h;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, gpt3_layout(false, Recompute::kNone), kUnfused),
                   sbh * (10 + 24 / t + 5 * a * s / (h * t)));
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, gpt3_layout(true, Recompute::kNone), kUnfused), sbh * (34 + 5 * a * s / h) / t);
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, gpt3_layout(false, Recompute::kSelective), kUnfused), sbh * (10 + 24 / t));
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, gpt3_layout(true, Recompute::kSelective), kUnfused), 34 * sbh / t);
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, gpt3_layout(false, Recompute::kFull), kUnfused), 2 * sbh);
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, gpt3_layout(true, Recompute::kFull), kUnfused), 2 * sbh / t);
  // Without dropout: two 1-byte masks (2 s b h, sharded only with SP) and the attention mask and
  // dropout output (3 a s^2 b / t) fewer.
  TrainingMemoryOptions no_dropout = kUnfused;
  no_dropout.dropout = false;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, gpt3_layout(false, Recompute::kNone), no_dropout),
                   sbh * (8 + 24 / t + 2 * a * s / (h * t)));
  // Context parallelism halves the tokens per rank; the score matrix keeps all s keys.
  TrainingLayout cp = gpt3_layout(true, Recompute::kNone);
  cp.cp = 2;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, cp, kUnfused), (s / 2) * b * h * (34 + 5 * a * s / h) / t);
  // 175B at t 8 with SP and selective recomputation: 34 x 2048 x 12288 / 8 = 107 MB per layer.
  EXPECT_DOUBLE_EQ(34 * sbh / t, 106954752.0);
}

TEST(TrainingMemory, FirstStageOf1F1BHoldsAllLayersWorthOfActivations) {
  // Korthikanti 2022 section 4.3: with 1F1B the first stage keeps p micro-batches of L/p layers,
  // i.e. L layers' worth whatever p, plus the embedding dropout mask of each (s b h p / t).
  const auto m = testing::gpt("gpt-3", 96, 12288, 96);
  const TrainingLayout l = gpt3_layout(true, Recompute::kSelective);
  const TrainingMemory mem = training_memory(m, testing::a100(), l, kUnfused);
  const double sbh = 2048.0 * 12288;
  const double stage0 = 96 * 34 * sbh / 8 + 8 * sbh / 8;
  ASSERT_EQ(mem.stage_total.size(), 8u);
  // The first stage is the fullest here (it also holds the embedding).
  EXPECT_EQ(mem.stage, 0);
  EXPECT_DOUBLE_EQ(mem.activations, stage0);
  // 12 layers per stage of 12 h^2 + 2h parameters / t, plus the vocabulary-parallel embedding.
  const double layer = (12.0 * 12288 * 12288) / 8 + 2.0 * 12288;
  EXPECT_DOUBLE_EQ(mem.parameters, 12 * layer + 51200.0 * 12288 / 8);
  EXPECT_DOUBLE_EQ(mem.weights, 2 * mem.parameters);
  EXPECT_DOUBLE_EQ(mem.gradients, 2 * mem.parameters);
  EXPECT_DOUBLE_EQ(mem.optimizer, 12 * mem.parameters);
  // Selective recomputation rematerialises one layer's attention core: 5 a s^2 b / t.
  EXPECT_DOUBLE_EQ(mem.temporary, 5.0 * 96 * 2048 * 2048 / 8);
}

TEST(TrainingMemory, SchedulesChangeMicroBatchesInFlight) {
  const auto m = testing::gpt("gpt-3", 96, 12288, 96);
  TrainingLayout l = gpt3_layout(true, Recompute::kSelective);
  const double per_layer = activation_bytes_per_layer(m, l, kUnfused);
  const double mask = 2048.0 * 12288 / 8;  // embedding dropout mask per micro-batch
  l.schedule = PipelineSchedule::kGpipe;
  const TrainingMemory gpipe = training_memory(m, testing::a100(), l, kUnfused);
  // All m = 64 micro-batches everywhere; the last stage's FP32 logits (4 s b V / t) and output-layer
  // inputs (4 s b h / t) for each of them make it the fullest.
  EXPECT_EQ(gpipe.stage, 7);
  EXPECT_DOUBLE_EQ(gpipe.activations, 64 * 12 * per_layer + 64 * 2048.0 * (4.0 * 12288 / 8 + 4.0 * 51200 / 8));
  EXPECT_GT(gpipe.stage_total[0], 64 * 12 * per_layer + 64 * mask);
  // Interleaved, v = 2: stage 0 holds 2 (p - 1) + (v - 1) p + 1 = 23 chunks of 6 layers,
  // L (1 + (p - 1)/(p v)) = 96 x (1 + 7/16) = 138 layers.
  l.schedule = PipelineSchedule::kInterleaved;
  l.virtual_stages = 2;
  const TrainingMemory inter = training_memory(m, testing::a100(), l, kUnfused);
  EXPECT_EQ(inter.stage, 0);
  const auto order = pipeline_order({8, 64, 2, PipelineSchedule::kInterleaved});
  EXPECT_EQ(peak_in_flight(order)[0], 23);
  // Embedding masks: chunk 0 of stage 0 has 12 micro-batches in flight at most.
  const double embed = inter.activations - 23 * 6 * per_layer;
  EXPECT_DOUBLE_EQ(23 * 6 * per_layer, 138 * per_layer);
  EXPECT_GT(embed, 0);
  EXPECT_LE(embed, 23 * mask);
}

TEST(TrainingMemory, ZeroStagesPartitionOverDataAndContextRanks) {
  const auto m = testing::llama31_8b();
  TrainingLayout l;
  l.dp = 4;
  l.cp = 2;
  l.global_batch = 8;
  l.seq_len = 8192;
  l.recompute = Recompute::kFull;
  TrainingMemory z[4];
  for (int stage = 0; stage < 4; ++stage) {
    l.zero_stage = stage;
    z[stage] = training_memory(m, testing::h100(), l, kUnfused);
  }
  const double P = z[0].parameters;
  EXPECT_DOUBLE_EQ(z[0].optimizer, 12 * P);
  EXPECT_DOUBLE_EQ(z[1].optimizer, 12 * P / 8);
  EXPECT_DOUBLE_EQ(z[1].gradients, 2 * P);
  EXPECT_DOUBLE_EQ(z[2].gradients, 2 * P / 8);
  EXPECT_DOUBLE_EQ(z[2].weights, 2 * P);
  EXPECT_DOUBLE_EQ(z[3].weights, 2 * P / 8);
  EXPECT_GT(z[3].temporary, z[2].temporary);  // gathered layers
  // FP8 keeps an FP8 weight and its transpose for every linear parameter.
  l.zero_stage = 1;
  l.precision = scenarios::Precision::kFp8;
  const TrainingMemory fp8 = training_memory(m, testing::h100(), l, kUnfused);
  EXPECT_GT(fp8.weights, z[1].weights);
  EXPECT_LT(fp8.weights, 2 * z[1].weights);
}

TEST(TrainingMemory, OutOfMemoryNamesTheLargestTermAndTheShortfall) {
  // GPT-3 175B on one 8-GPU pipeline without ZeRO: 175 B x 16 bytes / 64 GPUs = 44 GB of model
  // state per GPU, and without recomputation 1F1B's first stage holds 8 micro-batches of 12 layers.
  const auto m = testing::gpt("gpt-3", 96, 12288, 96);
  const TrainingMemory mem = training_memory(m, testing::a100(), gpt3_layout(false, Recompute::kNone), kUnfused);
  EXPECT_FALSE(mem.fits());
  EXPECT_STREQ(mem.largest_term(), "activations");
  EXPECT_DOUBLE_EQ(mem.shortfall_bytes(), mem.total() - 80.0 * (1ull << 30));
  EXPECT_EQ(mem.verdict().rfind("out of memory on pipeline stage 0: needs ", 0), 0u) << mem.verdict();
  EXPECT_NE(mem.verdict().find("the largest term is activations"), std::string::npos);
  // Full recomputation fits.
  const TrainingMemory full = training_memory(m, testing::a100(), gpt3_layout(true, Recompute::kFull), kUnfused);
  EXPECT_TRUE(full.fits()) << full.verdict();
  EXPECT_EQ(full.verdict(), "");
  EXPECT_EQ(full.shortfall_bytes(), 0.0);
}

TEST(TrainingMemory, FlashAttentionKeepsNoScoresWithOrWithoutSelectiveRecomputation) {
  // FlashAttention stores the output and one FP32 log-sum-exp per head and token instead of the
  // 5 a s bytes per token of scores, masks and dropout output; selective recomputation has nothing
  // left to drop, and no layer rematerialises a score matrix in the backward.
  const auto m = testing::gpt("gpt-3", 96, 12288, 96);
  const double s = 2048, h = 12288, a = 96, t = 8;
  const TrainingMemoryOptions flash;  // the default
  const double selective = activation_bytes_per_layer(m, gpt3_layout(true, Recompute::kSelective), flash);
  EXPECT_DOUBLE_EQ(selective, s * h * 34 / t + s * 4 * a / t);
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, gpt3_layout(true, Recompute::kNone), flash), selective);
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(m, gpt3_layout(true, Recompute::kFull), flash), 2 * s * h / t);
  const TrainingMemory mem = training_memory(m, testing::a100(), gpt3_layout(true, Recompute::kSelective), flash);
  EXPECT_DOUBLE_EQ(mem.temporary, 0.0);
}

}  // namespace
}  // namespace stratum::calibration
