// Pipeline parallelism in calibration: vLLM's layer split, per-stage iteration costs and the
// per-stage memory plan.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "fixtures.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/memory.hpp"
#include "stratum/calibration/pipeline_stages.hpp"
#include "stratum/calibration/roofline.hpp"

namespace stratum::calibration {
namespace {

using scenarios::Precision;

std::vector<int> layers_of(int layers, int stages) {
  std::vector<int> out;
  int next = 0;
  for (const PipelineStageLayers& s : pipeline_stage_layers(layers, stages)) {
    EXPECT_EQ(s.first_layer, next);
    next += s.layers;
    out.push_back(s.layers);
  }
  EXPECT_EQ(next, layers);
  return out;
}

TEST(PipelineStages, SplitAsVllmGetPpIndices) {
  // vLLM's documented examples (get_pp_indices; tests/distributed/test_pipeline_partition.py).
  EXPECT_EQ(layers_of(61, 2), (std::vector<int>{31, 30}));
  EXPECT_EQ(layers_of(61, 4), (std::vector<int>{15, 15, 16, 15}));
  EXPECT_EQ(layers_of(80, 2), (std::vector<int>{40, 40}));
  EXPECT_EQ(layers_of(32, 3), (std::vector<int>{11, 11, 10}));
  EXPECT_EQ(layers_of(7, 7), (std::vector<int>{1, 1, 1, 1, 1, 1, 1}));
  EXPECT_THROW(pipeline_stage_layers(4, 5), std::invalid_argument);
  EXPECT_THROW(pipeline_stage_layers(4, 0), std::invalid_argument);
}

ParallelLayout stage(int first, int layers) {
  ParallelLayout l{1, 0, 0};
  l.first_layer = first;
  l.stage_layers = layers;
  return l;
}

TEST(PipelineStages, StagesSumToTheWholeModelPlusWhatOnlyOneStageDoes) {
  const scenarios::ModelSpec m = testing::llama31_8b();
  const RooflineCostModel costs(testing::h100());
  IterationBatch batch;
  batch.prefill.push_back({1000, 0});
  batch.decode_contexts = {300, 700};
  const IterationModel whole(costs, m, Precision::kBf16, {1, 0, 0});
  const IterationModel first(costs, m, Precision::kBf16, stage(0, 16));
  const IterationModel last(costs, m, Precision::kBf16, stage(16, 16));
  const IterationModel middle(costs, m, Precision::kBf16, stage(8, 16));  // no embedding, no LM head
  const double w = whole.cost(batch).seconds;
  EXPECT_NEAR(first.cost(batch).seconds + last.cost(batch).seconds, w, 1e-12 * w);
  // The LM head, final norm and logit gather are on the last stage only, the embedding on the first.
  EXPECT_GT(last.cost(batch).seconds, middle.cost(batch).seconds);
  EXPECT_GT(first.cost(batch).seconds, middle.cost(batch).seconds);
  EXPECT_THROW(IterationModel(costs, m, Precision::kBf16, stage(20, 16)), std::invalid_argument);
}

TEST(PipelineMemory, OneStageIsThePlanWithoutPipeline) {
  const scenarios::SchedulerSpec sched;
  const ServingMemoryPlan a = plan_serving_memory(testing::llama31_70b(), testing::h100(), Precision::kBf16, 4, sched);
  const ServingMemoryPlan b =
      plan_serving_memory(testing::llama31_70b(), testing::h100(), Precision::kBf16, 4, sched, 1, 1);
  EXPECT_EQ(a.weight_bytes_per_gpu, b.weight_bytes_per_gpu);
  EXPECT_EQ(a.kv_blocks, b.kv_blocks);
  EXPECT_EQ(b.kv_blocks_per_virtual_engine(), b.kv_blocks);
}

TEST(PipelineMemory, StagesHoldTheirLayersTheFirstTheEmbeddingTheLastTheHead) {
  const scenarios::ModelSpec m = testing::llama31_70b();  // 80 layers, untied embeddings
  const scenarios::SchedulerSpec sched;
  const ServingMemoryPlan whole = plan_serving_memory(m, testing::h100(), Precision::kBf16, 4, sched);
  const ServingMemoryPlan pp = plan_serving_memory(m, testing::h100(), Precision::kBf16, 4, sched, 1, 2);
  const double embedding = static_cast<double>(m.vocab * m.hidden) * 2.0 / 4.0;  // BF16, vocabulary-parallel over 4
  // Two equal stages of 40 layers: each holds half the decoder and one embedding-sized matrix
  // (input embedding on the first, LM head on the last), so half the TP-4 weights exactly.
  EXPECT_NEAR(pp.weight_bytes_per_gpu, (whole.weight_bytes_per_gpu - 2 * embedding) / 2 + embedding,
              1e-6 * whole.weight_bytes_per_gpu);
  EXPECT_NEAR(pp.weight_bytes_per_gpu, whole.weight_bytes_per_gpu / 2, 1e-6 * whole.weight_bytes_per_gpu);
  EXPECT_DOUBLE_EQ(pp.kv_bytes_per_token_per_gpu, whole.kv_bytes_per_token_per_gpu / 2);
  // The last stage also holds the FP32 logits workspace, so it has the fewer blocks.
  EXPECT_EQ(pp.pipeline_stage, 1);
  EXPECT_DOUBLE_EQ(pp.activation_bytes_per_gpu, whole.activation_bytes_per_gpu);
  const double block = 16 * pp.kv_bytes_per_token_per_gpu;
  EXPECT_EQ(pp.kv_blocks,
            static_cast<int64_t>(std::floor((pp.usable_bytes_per_gpu - pp.weight_bytes_per_gpu - pp.activation_bytes_per_gpu) / block)));
  EXPECT_EQ(pp.kv_blocks_per_virtual_engine(), pp.kv_blocks / 2);
  // Per GPU, TP 8 caches one of the 8 KV heads of all 80 layers, TP 4 x PP 2 two heads of 40 layers.
  const ServingMemoryPlan tp8 = plan_serving_memory(m, testing::h100(), Precision::kBf16, 8, sched);
  EXPECT_DOUBLE_EQ(tp8.kv_bytes_per_token_per_gpu, pp.kv_bytes_per_token_per_gpu);
}

TEST(PipelineMemory, TiedEmbeddingsAreCopiedOntoTheLastStage) {
  scenarios::ModelSpec m = testing::llama31_8b();
  m.tied_embeddings = true;
  const scenarios::SchedulerSpec sched;
  const ServingMemoryPlan whole = plan_serving_memory(m, testing::h100(), Precision::kBf16, 1, sched);
  const ServingMemoryPlan pp = plan_serving_memory(m, testing::h100(), Precision::kBf16, 1, sched, 1, 2);
  const double embedding = static_cast<double>(m.vocab * m.hidden) * 2.0;
  // vLLM builds embed_tokens on the last rank too when the embeddings are tied.
  EXPECT_NEAR(pp.weight_bytes_per_gpu, (whole.weight_bytes_per_gpu - embedding) / 2 + embedding,
              1e-6 * whole.weight_bytes_per_gpu);
  EXPECT_THROW(plan_serving_memory(m, testing::h100(), Precision::kBf16, 1, sched, 1, 33), std::invalid_argument);
}

}  // namespace
}  // namespace stratum::calibration
