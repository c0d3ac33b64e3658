// The draft model of speculative decoding in the serving memory plan (calibration/draft_memory.hpp).
#include "stratum/calibration/draft_memory.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "fixtures.hpp"
#include "stratum/scenarios/catalog.hpp"

namespace stratum::calibration {
namespace {

using scenarios::Precision;

const scenarios::ModelSpec& llama32_1b() {
  const scenarios::ModelSpec* m = scenarios::Catalog::builtin().find_model("llama-3.2-1b");
  EXPECT_NE(m, nullptr);
  return *m;
}

TEST(DraftMemory, Llama32_1bParametersAndKvMatchItsConfig) {
  // Tied embeddings: 16 x (2048 x 48 x 64 + 2048 x 2048 + 3 x 2048 x 8192) + 128256 x 2048 + 33 x 2048.
  EXPECT_DOUBLE_EQ(parameter_count(llama32_1b()), 1235814400.0);
  // 2 x 16 layers x 8 KV heads x 64 x 2 bytes.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(llama32_1b(), Precision::kBf16), 32768.0);
}

TEST(DraftMemory, DraftWeightsAndKvShareTheCacheWithTheTarget) {
  const scenarios::SchedulerSpec sched;
  const ServingMemoryPlan target = plan_serving_memory(testing::llama31_8b(), testing::h100(), Precision::kBf16, 1, sched);
  ServingMemoryPlan both = target;
  add_draft_model(both, llama32_1b(), Precision::kBf16, 1);
  EXPECT_DOUBLE_EQ(both.weight_bytes_per_gpu, target.weight_bytes_per_gpu + 1235814400.0 * 2);
  EXPECT_DOUBLE_EQ(both.kv_bytes_per_token_per_gpu, 131072.0 + 32768.0);
  EXPECT_DOUBLE_EQ(both.kv_bytes_per_gpu, target.kv_bytes_per_gpu - 1235814400.0 * 2);
  EXPECT_EQ(both.kv_blocks, static_cast<int64_t>(std::floor(both.kv_bytes_per_gpu / (16 * 163840.0))));
  // About 2.5 GB of weights and 25 % more bytes per token: roughly a fifth fewer blocks.
  EXPECT_LT(both.kv_blocks, target.kv_blocks * 0.8);
  EXPECT_GT(both.kv_blocks, target.kv_blocks * 0.7);
}

TEST(DraftMemory, ShardsOverTensorParallelAndFollowsTheStreamFormat) {
  const scenarios::SchedulerSpec sched;
  ServingMemoryPlan p = plan_serving_memory(testing::llama31_70b(), testing::h100(), Precision::kInt4, 4, sched);
  const double before = p.weight_bytes_per_gpu;
  add_draft_model(p, llama32_1b(), Precision::kInt4, 4);
  // An INT4 target's draft runs in BF16 (unquantised checkpoint), a quarter on each GPU.
  EXPECT_EQ(draft_precision(Precision::kInt4), Precision::kBf16);
  EXPECT_EQ(draft_precision(Precision::kFp16), Precision::kFp16);
  EXPECT_DOUBLE_EQ(p.weight_bytes_per_gpu - before, 1235814400.0 * 2 / 4);
  EXPECT_THROW(add_draft_model(p, llama32_1b(), Precision::kBf16, 0), std::invalid_argument);
}

}  // namespace
}  // namespace stratum::calibration
