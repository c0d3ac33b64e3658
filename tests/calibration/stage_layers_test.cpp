// Uneven pipeline splits (calibration/stage_layers.hpp): Megatron-Core's first/last-stage layer
// counts and its embedding/loss-as-a-layer accounting, their validation, and their use by the
// memory accounting and the step's pipeline.
#include "stratum/calibration/stage_layers.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "stratum/calibration/roofline.hpp"
#include "stratum/calibration/training_flops.hpp"
#include "stratum/calibration/training_memory.hpp"
#include "stratum/calibration/training_step.hpp"
#include "training_fixtures.hpp"

namespace stratum::calibration {
namespace {

using scenarios::Precision;

// The Llama 3 405B layout of the Llama 3 paper (arXiv 2407.21783) Table 4, 16,384-GPU row.
TrainingLayout llama3_layout() {
  TrainingLayout l;
  l.tp = 8;
  l.pp = 16;
  l.dp = 128;
  l.virtual_stages = 8;
  l.schedule = PipelineSchedule::kInterleaved;
  l.account_for_embedding = true;
  l.account_for_loss = true;
  l.sequence_parallel = true;
  l.zero_stage = 1;
  l.recompute = Recompute::kSelective;
  l.global_batch = 2048;
  l.seq_len = 8192;
  return l;
}

TEST(StageLayers, EvenSplitIsLayersOverChunks) {
  TrainingLayout l;
  l.pp = 4;
  l.virtual_stages = 2;
  l.schedule = PipelineSchedule::kInterleaved;
  const auto chunks = chunk_layers(l, 48);
  ASSERT_EQ(chunks.size(), 8u);
  for (int64_t n : chunks) EXPECT_EQ(n, 6);
  EXPECT_EQ(stage_layers(chunks, 4, 0), 12);
  EXPECT_FALSE(uneven_stage_layers(l));
  EXPECT_TRUE(validate_stage_layers(l, 48).empty());
  EXPECT_THROW(chunk_layers(l, 47), std::invalid_argument);
}

TEST(StageLayers, Llama3FirstAndLastChunkHoldOnlyEmbeddingAndOutput) {
  // Llama 3 paper section 3.3.2: one layer fewer on the first and on the last stage; "the first
  // model chunk on the first stage has only the embedding, and the last model chunk on the last
  // stage has only output projection and loss calculation": 126 + 2 = 16 x 8 chunks of one.
  const TrainingLayout l = llama3_layout();
  const auto chunks = chunk_layers(l, 126);
  ASSERT_EQ(chunks.size(), 128u);
  EXPECT_EQ(chunks.front(), 0);  // chunk 0 of stage 0
  EXPECT_EQ(chunks.back(), 0);   // chunk 7 of stage 15
  EXPECT_EQ(std::accumulate(chunks.begin(), chunks.end(), int64_t{0}), 126);
  for (size_t k = 1; k + 1 < chunks.size(); ++k) EXPECT_EQ(chunks[k], 1) << k;
  EXPECT_EQ(stage_layers(chunks, 16, 0), 7);
  EXPECT_EQ(stage_layers(chunks, 16, 1), 8);
  EXPECT_EQ(stage_layers(chunks, 16, 15), 7);
  EXPECT_TRUE(validate_layout(l, testing::llama31_405b(), 16384).empty());
  // Without the uneven split the layout is rejected, as before.
  TrainingLayout even = l;
  even.account_for_embedding = even.account_for_loss = false;
  const auto problems = validate_layout(even, testing::llama31_405b(), 16384);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "model 'llama-3.1-405b' has 126 layers, not divisible by pp x virtual_stages = 16 x 8 = 128; expected the "
            "same number of layers in every pipeline chunk");
}

TEST(StageLayers, FirstAndLastStageCountsSplitTheRestEvenly) {
  // The 40-layer, pp 4 example of lightening the ends: 5 / 15 / 15 / 5.
  TrainingLayout l;
  l.pp = 4;
  l.first_stage_layers = 5;
  l.last_stage_layers = 5;
  auto chunks = chunk_layers(l, 40);
  EXPECT_EQ(chunks, (std::vector<int64_t>{5, 15, 15, 5}));
  // Only the first given: the other three share the remaining 33.
  l.last_stage_layers = -1;
  l.first_stage_layers = 7;
  EXPECT_EQ(chunk_layers(l, 40), (std::vector<int64_t>{7, 11, 11, 11}));
  // With virtual stages every stage's layers split over its chunks (chunk-major order).
  l.first_stage_layers = 4;
  l.last_stage_layers = 4;
  l.virtual_stages = 2;
  l.schedule = PipelineSchedule::kInterleaved;
  EXPECT_EQ(chunk_layers(l, 36), (std::vector<int64_t>{2, 7, 7, 2, 2, 7, 7, 2}));
}

TEST(StageLayers, BadSplitsAreRejectedWithWhy) {
  TrainingLayout l;
  l.pp = 4;
  l.first_stage_layers = 6;
  l.last_stage_layers = 5;
  EXPECT_EQ(validate_stage_layers(l, 40),
            (std::vector<std::string>{"first_stage_layers: the 29 layers left after the first and last stage are not "
                                      "divisible by the 2 other stages; expected the remaining layers to divide evenly "
                                      "over the middle stages"}));
  l.first_stage_layers = 30;
  l.last_stage_layers = 10;
  EXPECT_EQ(validate_stage_layers(l, 40),
            (std::vector<std::string>{"first_stage_layers: the first and last stage take 40 of the model's 40 layers, "
                                      "leaving 0 for 2 other stages; expected at least one layer for each other stage "
                                      "(exactly none when pp is 2)"}));
  l.first_stage_layers = 6;
  l.last_stage_layers = 6;
  l.virtual_stages = 4;
  l.schedule = PipelineSchedule::kInterleaved;
  EXPECT_EQ(validate_stage_layers(l, 40),
            (std::vector<std::string>{
                "first_stage_layers: the first stage holds 6 layers, not divisible by virtual_stages 4; expected every "
                "stage's layers to divide over its virtual chunks",
                "last_stage_layers: the last stage holds 6 layers, not divisible by virtual_stages 4; expected every "
                "stage's layers to divide over its virtual chunks",
                "first_stage_layers: each middle stage holds 14 layers, not divisible by virtual_stages 4; expected "
                "every stage's layers to divide over its virtual chunks"}));
  l.account_for_loss = true;
  EXPECT_EQ(validate_stage_layers(l, 40),
            (std::vector<std::string>{"first_stage_layers / last_stage_layers cannot be combined with "
                                      "account_for_embedding / account_for_loss; expected one way of splitting the "
                                      "layers unevenly, as Megatron-Core allows"}));
  TrainingLayout one;
  one.last_stage_layers = 3;
  EXPECT_EQ(validate_stage_layers(one, 40),
            (std::vector<std::string>{"last_stage_layers is set but pp is 1; expected pp >= 2 (a first or last stage "
                                      "distinct from the others)"}));
  TrainingLayout counted;
  counted.pp = 4;
  counted.account_for_embedding = true;
  EXPECT_EQ(validate_stage_layers(counted, 40),
            (std::vector<std::string>{"account_for_embedding: 40 layers plus the embedding and/or loss counted as "
                                      "layers make 41, not divisible by pp x virtual_stages = 4 x 1 = 4; expected the "
                                      "counted layers to divide evenly over the pipeline chunks"}));
  counted.account_for_loss = true;  // 42: still not divisible by 4
  EXPECT_EQ(validate_stage_layers(counted, 40).size(), 1u);
  EXPECT_TRUE(validate_stage_layers(counted, 42).empty());  // 44 = 4 x 11
  EXPECT_EQ(chunk_layers(counted, 42), (std::vector<int64_t>{10, 11, 11, 10}));
}

TEST(StageLayers, PipelineStagesCostTheirOwnLayers) {
  // 6 layers, pp 2, embedding and loss counted: 3 decoder layers per stage; the first stage adds
  // the embedding (no GEMM), the last the output layer.
  const auto m = testing::gpt("gpt-small", 6, 512, 8);
  TrainingLayout l;
  l.pp = 2;
  l.seq_len = 256;
  l.global_batch = 4;
  l.account_for_embedding = l.account_for_loss = true;
  const testing::GemmFlopCounter counter;
  TrainingLinks links;
  links.pp = {1e12, 0, nullptr};  // priced at zero by the counter, but a p2p link must exist
  const TrainingStep s = estimate_training_step(counter, m, testing::a100(), l, links);
  const ForwardFlopsPerToken f = forward_flops_per_token(m, l.seq_len);
  const double tokens_per_micro_batch = 256;
  const double per_layer = 3.0 * f.layer_matmul / 6.0 * tokens_per_micro_batch;  // forward + backward, one layer
  ASSERT_EQ(s.pipeline.busy_s.size(), 2u);
  EXPECT_DOUBLE_EQ(s.pipeline.busy_s[0], 4.0 * 3.0 * per_layer);
  EXPECT_DOUBLE_EQ(s.pipeline.busy_s[1], 4.0 * (3.0 * per_layer + 3.0 * f.head * tokens_per_micro_batch));
  // The same 3 / 3 split through first_stage_layers / last_stage_layers prices the same.
  TrainingLayout same = l;
  same.account_for_embedding = same.account_for_loss = false;
  same.first_stage_layers = 3;
  EXPECT_DOUBLE_EQ(estimate_training_step(counter, m, testing::a100(), same, links).step_time_s, s.step_time_s);
  // And the even split of 6 layers (3 / 3) is the same split once more.
  TrainingLayout even = same;
  even.first_stage_layers = -1;
  EXPECT_DOUBLE_EQ(estimate_training_step(counter, m, testing::a100(), even, links).step_time_s, s.step_time_s);
  // Moving a layer from the last stage to the first: 4 / 2 layers.
  same.first_stage_layers = 4;
  const TrainingStep moved = estimate_training_step(counter, m, testing::a100(), same, links);
  EXPECT_DOUBLE_EQ(moved.pipeline.busy_s[0], 4.0 * 4.0 * per_layer);
  EXPECT_DOUBLE_EQ(moved.pipeline.busy_s[1], 4.0 * (2.0 * per_layer + 3.0 * f.head * tokens_per_micro_batch));
}

TEST(StageLayers, MemoryCountsEachStagesOwnLayers) {
  const auto m = testing::gpt("gpt-small", 6, 512, 8);
  TrainingLayout l;
  l.pp = 2;
  l.seq_len = 256;
  l.global_batch = 4;
  l.first_stage_layers = 4;  // 4 / 2 layers
  const TrainingMemory mem = training_memory(m, testing::a100(), l);
  TrainingLayout even = l;
  even.first_stage_layers = -1;  // 3 / 3 layers
  const TrainingMemory base = training_memory(m, testing::a100(), even);
  // Per layer: attention 4 h^2, MLP 8 h^2, two norms 2 h (GPT, tp 1).
  const double h = 512, per_layer_params = 12.0 * h * h + 2.0 * h;
  ASSERT_EQ(mem.stage_total.size(), 2u);
  // Stage 0 gains one layer's 16 bytes per parameter and, in 1F1B, its activations for the two
  // micro-batches it holds (min(p - i, m) = 2).
  const double act = activation_bytes_per_layer(m, l);
  EXPECT_NEAR(mem.stage_total[0] - base.stage_total[0], 16.0 * per_layer_params + 2.0 * act, 1e-3);
  // Stage 1 loses one layer and one micro-batch's worth (it holds min(p - 1, m) = 1).
  EXPECT_NEAR(base.stage_total[1] - mem.stage_total[1], 16.0 * per_layer_params + 1.0 * act, 1e-3);
  // Parameters per stage: its layers, the input embedding on stage 0, the final norm and the
  // (untied copy of the) output layer on the last.
  const double vh = static_cast<double>(m.vocab) * h;
  ASSERT_EQ(mem.stage_parameters.size(), 2u);
  EXPECT_DOUBLE_EQ(mem.stage_parameters[0], 4.0 * per_layer_params + vh);
  EXPECT_DOUBLE_EQ(mem.stage_parameters[1], 2.0 * per_layer_params + h + vh);
}

TEST(StageLayers, EachStageReducesAndUpdatesItsOwnParameters) {
  // 4 / 2 layers over two stages with data parallelism: the optimizer of each stage updates its
  // own parameters (28 bytes each through the element-wise cost), not the fullest stage's.
  const auto m = testing::gpt("gpt-small", 6, 512, 8);
  TrainingLayout l;
  l.pp = 2;
  l.dp = 4;
  l.seq_len = 256;
  l.global_batch = 8;
  l.first_stage_layers = 4;
  const RooflineCostModel roofline(testing::a100());
  TrainingLinks links;
  links.pp = links.dp = {25e9, 5e-6, nullptr};
  const TrainingStep s = estimate_training_step(roofline, m, testing::a100(), l, links);
  ASSERT_EQ(s.stage_optimizer_s.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_DOUBLE_EQ(s.stage_optimizer_s[i], roofline.elementwise(s.memory.stage_parameters[i] * 28.0).seconds);
  }
  EXPECT_GT(s.stage_optimizer_s[0], s.stage_optimizer_s[1]);
}

}  // namespace
}  // namespace stratum::calibration
