#include "stratum/calibration/training_layout.hpp"

#include <gtest/gtest.h>

#include "training_fixtures.hpp"

namespace stratum::calibration {
namespace {

TEST(TrainingLayout, EveryTable1RowIsValid) {
  for (const auto& r : testing::kTable1) {
    const TrainingLayout l = testing::table1_layout(r);
    EXPECT_TRUE(validate_layout(l, testing::gpt(r), r.gpus).empty()) << r.params_b;
    EXPECT_EQ(l.gpus(), r.gpus);
  }
  const TrainingLayout l = testing::table1_layout(testing::kTable1[6]);
  EXPECT_EQ(l.dp, 24);
  EXPECT_EQ(l.micro_batches(), 96);
  EXPECT_EQ(l.tokens_per_step(), 2304 * 2048);
}

TEST(TrainingLayout, ReportsEveryProblemAtOnce) {
  const auto m = testing::gpt("gpt-175b", 96, 12288, 96);
  TrainingLayout l;
  l.tp = 5;
  l.pp = 7;
  l.dp = 4;
  l.global_batch = 1000;
  l.micro_batch = 3;
  l.zero_stage = 4;
  l.virtual_stages = 2;
  const auto problems = validate_layout(l, m, 128);
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "zero_stage is 4; expected 0, 1, 2 or 3",
                          "tp x pp x cp x dp = 5 x 7 x 1 x 4 = 140 GPUs, but the cluster has 128; expected the "
                          "parallel degrees to multiply to the GPU count",
                          "global_batch 1000 is not divisible by dp x micro_batch = 4 x 3 = 12; expected a whole "
                          "number of micro-batches per data-parallel rank",
                          "model 'gpt-175b' has 96 attention heads, not divisible by tp 5; expected tp to divide the "
                          "head count",
                          "model 'gpt-175b' has 96 key/value heads, not divisible by tp 5; expected tp to divide the "
                          "key/value head count",
                          "model 'gpt-175b' has an MLP width of 49152, not divisible by tp 5; expected tp to divide "
                          "ffn_hidden",
                          "model 'gpt-175b' has 96 layers, not divisible by pp x virtual_stages = 7 x 2 = 14; expected "
                          "the same number of layers in every pipeline chunk",
                          "virtual_stages is 2 but the schedule is 1f1b; expected virtual_stages 1, or the "
                          "interleaved schedule",
                      }));
}

TEST(TrainingLayout, NonPositiveDegreesStopBeforeDivisibility) {
  TrainingLayout l;
  l.tp = 0;
  l.precision = scenarios::Precision::kInt4;
  EXPECT_EQ(validate_layout(l, testing::llama31_8b(), 1),
            (std::vector<std::string>{"tp is 0; expected a whole number >= 1",
                                      "precision INT4 cannot be trained; expected BF16, FP16 or FP8"}));
}

TEST(TrainingLayout, InterleavedContextAndExpertRules) {
  auto m = testing::mixtral_8x7b();
  TrainingLayout l;
  l.schedule = PipelineSchedule::kInterleaved;
  l.virtual_stages = 2;
  l.pp = 4;
  l.dp = 3;
  l.cp = 1;
  l.ep = 3;
  l.global_batch = 18;  // 6 micro-batches per pipeline, not a multiple of 4
  l.micro_batch = 1;
  const auto problems = validate_layout(l, m, 12);
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "model 'mixtral-8x7b' has 8 experts, not divisible by ep 3; expected ep to divide the expert count",
                          "the interleaved schedule needs the micro-batches per step (6) to be a multiple of pp 4; "
                          "expected global_batch / (dp x micro_batch) divisible by pp",
                      }));
  TrainingLayout c;
  c.cp = 3;
  c.seq_len = 8000;
  c.ep = 2;
  c.global_batch = 4;
  EXPECT_EQ(validate_layout(c, testing::llama31_8b(), 3),
            (std::vector<std::string>{
                "ep is 2 but model 'llama-3.1-8b' has no experts; expected ep 1 for a dense model",
                "dp x cp = 3 is not divisible by ep 2; expected the expert-parallel ranks to divide the data- and "
                "context-parallel ranks",
                "seq_len 8000 is not divisible by 2 x cp = 6; expected 2 x cp equal chunks per sequence",
            }));
  TrainingLayout one;
  one.schedule = PipelineSchedule::kInterleaved;
  EXPECT_EQ(validate_layout(one, testing::llama31_8b(), 1),
            (std::vector<std::string>{
                "the interleaved schedule needs virtual_stages >= 2, got 1; expected 2 or more model chunks per stage",
                "the interleaved schedule needs pp >= 2, got 1; expected a pipeline",
            }));
}

TEST(TrainingLayout, Llama3_405bPublishedLayoutNeedsUnevenStages) {
  // Llama 3 paper: TP 8, CP 1, PP 16, DP 128 on 16,384 GPUs; 126 layers do not split over 16 stages
  // (Meta removed one layer from the first and the last stage), which this layout cannot express.
  TrainingLayout l;
  l.tp = 8;
  l.pp = 16;
  l.dp = 128;
  l.seq_len = 8192;
  l.global_batch = 2048;
  const auto problems = validate_layout(l, testing::llama31_405b(), 16384);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "model 'llama-3.1-405b' has 126 layers, not divisible by pp x virtual_stages = 16 x 1 = 16; "
                         "expected the same number of layers in every pipeline chunk");
}

}  // namespace
}  // namespace stratum::calibration
