#include "stratum/calibration/memory.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "fixtures.hpp"

namespace stratum::calibration {
namespace {

using scenarios::Precision;

TEST(Memory, ParameterCountsMatchPublishedFiguresWithinTwoPercent) {
  for (const scenarios::ModelSpec& m : {testing::llama31_8b(), testing::llama31_70b(), testing::llama31_405b(),
                                        testing::mixtral_8x7b(), testing::qwen25_7b()}) {
    EXPECT_NEAR(parameter_count(m) / m.params, 1.0, 0.02) << m.id << ": " << parameter_count(m);
  }
  // Exact for Llama-3.1-8B from its config: 8,030,261,248.
  EXPECT_DOUBLE_EQ(parameter_count(testing::llama31_8b()), 8030261248.0);
}

TEST(Memory, KvBytesPerTokenOfLlama3_70bIsExact) {
  // 2 x 80 layers x 8 KV heads x 128 x 2 bytes (Kwon et al., SOSP 2023).
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(testing::llama31_70b(), Precision::kBf16), 327680.0);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(testing::llama31_70b(), Precision::kFp8), 163840.0);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(testing::llama31_8b(), Precision::kBf16), 131072.0);
}

TEST(Memory, Llama8bOnOneH100) {
  const scenarios::SchedulerSpec sched;  // vLLM defaults: 0.9 utilisation, 8192 tokens, 256 seqs
  const ServingMemoryPlan p =
      plan_serving_memory(testing::llama31_8b(), testing::h100(), Precision::kBf16, 1, sched);
  EXPECT_DOUBLE_EQ(p.usable_bytes_per_gpu, 0.9 * 80.0 * (1ull << 30));
  EXPECT_NEAR(p.weight_bytes_per_gpu, 16.06e9, 0.01e9);
  EXPECT_DOUBLE_EQ(p.kv_bytes_per_token_per_gpu, 131072.0);
  EXPECT_GT(p.activation_bytes_per_gpu, 0.5e9);
  EXPECT_LT(p.activation_bytes_per_gpu, 4e9);
  EXPECT_DOUBLE_EQ(p.kv_bytes_per_gpu, p.usable_bytes_per_gpu - p.weight_bytes_per_gpu - p.activation_bytes_per_gpu);
  EXPECT_EQ(p.kv_blocks, static_cast<int64_t>(std::floor(p.kv_bytes_per_gpu / (16 * 131072.0))));
  EXPECT_GT(p.kv_blocks, 25000);  // about 450k tokens of cache
  EXPECT_TRUE(p.fits());
  EXPECT_EQ(p.shortfall_bytes(), 0.0);
}

TEST(Memory, TensorParallelSplitsWeightsAndKvHeadsAndReplicatesBeyondKvHeads) {
  const scenarios::SchedulerSpec sched;
  const auto m = testing::llama31_70b();
  const ServingMemoryPlan one = plan_serving_memory(m, testing::h100(), Precision::kBf16, 1, sched);
  const ServingMemoryPlan eight = plan_serving_memory(m, testing::h100(), Precision::kBf16, 8, sched);
  EXPECT_NEAR(eight.weight_bytes_per_gpu * 8, one.weight_bytes_per_gpu, 1.0);
  EXPECT_DOUBLE_EQ(eight.kv_bytes_per_token_per_gpu, 327680.0 / 8);
  EXPECT_TRUE(eight.fits());
  // 16 ranks, 8 KV heads: each rank keeps one head.
  const ServingMemoryPlan sixteen = plan_serving_memory(m, testing::h100(), Precision::kBf16, 16, sched);
  EXPECT_DOUBLE_EQ(sixteen.kv_bytes_per_token_per_gpu, 2.0 * 80 * 1 * 128 * 2);
}

TEST(Memory, ReportsShortfallWhenTheModelDoesNotFit) {
  const scenarios::SchedulerSpec sched;
  const ServingMemoryPlan p =
      plan_serving_memory(testing::llama31_405b(), testing::h100(), Precision::kBf16, 1, sched);
  EXPECT_FALSE(p.fits());
  EXPECT_EQ(p.kv_blocks, 0);
  EXPECT_LT(p.kv_bytes_per_gpu, 0);
  EXPECT_DOUBLE_EQ(p.shortfall_bytes(), 16 * p.kv_bytes_per_token_per_gpu - p.kv_bytes_per_gpu);
  EXPECT_GT(p.shortfall_bytes(), 700e9);
}

TEST(Memory, QuantisedWeightsShrinkLinearLayersOnly) {
  const scenarios::SchedulerSpec sched;
  const auto m = testing::llama31_70b();
  const double bf16 = plan_serving_memory(m, testing::h100(), Precision::kBf16, 1, sched).weight_bytes_per_gpu;
  const ServingMemoryPlan int4 = plan_serving_memory(m, testing::h100(), Precision::kInt4, 1, sched);
  // Linear layers at 0.5 bytes; 2.1 B embedding and head parameters stay at 2 bytes.
  const double embeddings = 2.0 * 128256 * 8192 + (80.0 * 2 + 1) * 8192;  // and norms
  EXPECT_NEAR(int4.weight_bytes_per_gpu, (parameter_count(m) - embeddings) * 0.5 + embeddings * 2.0,
              1e-6 * bf16);
  EXPECT_TRUE(int4.fits());
  EXPECT_DOUBLE_EQ(int4.kv_bytes_per_token_per_gpu, 327680.0);  // KV stays BF16
}

}  // namespace
}  // namespace stratum::calibration
