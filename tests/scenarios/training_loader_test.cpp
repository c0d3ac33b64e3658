// The training section of a scenario (issue 7): defaults, every field read, and the field-level
// errors the loader reports (layout-versus-model and cluster checks are sim::check_training's,
// tests/sim/training_run_test.cpp).
#include <gtest/gtest.h>


#include "../support/scenario_text.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

// Two nodes of eight A100s with a fabric, then `rest` (the training section, or more).
std::string scenario(const std::string& rest) {
  return "cluster {\n"
         "  nodes { id: \"a\" count: 2 gpu: \"a100-sxm4-80gb\" gpus_per_node: 8 }\n"
         "  fabric { fat_tree { levels: 2 radix: 64 } tier { bandwidth: \"200 Gb/s\" latency: \"130 ns\" } }\n"
         "}\n" +
         rest;
}

std::string errors(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  return testing::load_errors("stratum-training-loader-test", name, text, out);
}

TEST(TrainingLoader, DefaultsFollowMegatronLm) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("defaults.pbtxt", scenario("training { model: \"llama-3.1-8b\" global_batch: 16 }\n"), &s), "");
  ASSERT_TRUE(s.has_value());
  ASSERT_TRUE(s->training.has_value());
  EXPECT_FALSE(s->serving.has_value());
  const TrainingSpec& t = *s->training;
  EXPECT_EQ(t.model.id, "llama-3.1-8b");
  EXPECT_EQ(t.precision, Precision::kBf16);
  EXPECT_EQ(t.dp, 1);
  EXPECT_EQ(t.tp, 1);
  EXPECT_EQ(t.pp, 1);
  EXPECT_EQ(t.cp, 1);
  EXPECT_EQ(t.ep, 1);
  EXPECT_EQ(t.virtual_stages, 1);
  EXPECT_FALSE(t.sequence_parallel);
  EXPECT_EQ(t.zero_stage, 0);
  EXPECT_EQ(t.recompute, TrainingRecompute::kNone);
  EXPECT_EQ(t.schedule, TrainingSchedule::kOneFOneB);
  EXPECT_EQ(t.rank_order, RankOrder::kTpCpEpDpPp);
  EXPECT_EQ(t.micro_batch, 1);
  EXPECT_EQ(t.global_batch, 16);
  EXPECT_EQ(t.seq_len, 2048);
  EXPECT_EQ(t.steps, 1);
}

TEST(TrainingLoader, ReadsEveryField) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("all.pbtxt",
                   scenario("training {\n"
                            "  model: \"mixtral-8x7b\" precision: FP8\n"
                            "  layout { dp: 2 tp: 2 pp: 2 cp: 2 ep: 2 virtual_stages: 4 sequence_parallel: true\n"
                            "           zero_stage: 1 recompute: SELECTIVE schedule: INTERLEAVED\n"
                            "           rank_order: TP_CP_EP_PP_DP }\n"
                            "  micro_batch: 2 global_batch: 64 seq_len: 4096 steps: 5\n"
                            "}\n"),
                   &s),
            "");
  ASSERT_TRUE(s.has_value());
  const TrainingSpec& t = *s->training;
  EXPECT_EQ(t.precision, Precision::kFp8);
  EXPECT_EQ(t.dp, 2);
  EXPECT_EQ(t.tp, 2);
  EXPECT_EQ(t.pp, 2);
  EXPECT_EQ(t.cp, 2);
  EXPECT_EQ(t.ep, 2);
  EXPECT_EQ(t.virtual_stages, 4);
  EXPECT_TRUE(t.sequence_parallel);
  EXPECT_EQ(t.zero_stage, 1);
  EXPECT_EQ(t.recompute, TrainingRecompute::kSelective);
  EXPECT_EQ(t.schedule, TrainingSchedule::kInterleaved);
  EXPECT_EQ(t.rank_order, RankOrder::kTpCpEpPpDp);
  EXPECT_EQ(t.micro_batch, 2);
  EXPECT_EQ(t.global_batch, 64);
  EXPECT_EQ(t.seq_len, 4096);
  EXPECT_EQ(t.steps, 5);
}

TEST(TrainingLoader, ReportsEveryBadFieldAtItsPlace) {
  EXPECT_EQ(errors("bad.pbtxt",
                   scenario("training {\n"
                            "  model: \"llama-3.1-8b\" precision: INT8\n"
                            "  layout { dp: 0 tp: 2 zero_stage: 4 virtual_stages: 0 }\n"
                            "  micro_batch: 0 seq_len: 200000 steps: 0\n"
                            "}\n")),
            "F:6:25: error: training.precision INT8 cannot be trained; expected BF16, FP16 or FP8\n"
            "F:7:12: error: training.layout.dp is 0; expected an integer from 1 to 7200000\n"
            "F:7:38: error: training.layout.virtual_stages is 0; expected an integer from 1 to 1000\n"
            "F:7:24: error: training.layout.zero_stage is 4; expected an integer from 0 to 3\n"
            "F:8:3: error: training.micro_batch is 0; expected an integer from 1 to 65536\n"
            "F:5:1: error: training.global_batch is missing; expected the sequences per optimizer step, a multiple "
            "of dp x micro_batch\n"
            "F:8:18: error: training.seq_len is 200000; expected an integer from 1 to 131072\n"
            "F:8:34: error: training.steps is 0; expected an integer from 1 to 1000000\n");
}

TEST(TrainingLoader, NeedsAKnownModel) {
  EXPECT_EQ(errors("nomodel.pbtxt", scenario("training { global_batch: 8 }\n")),
            "F:5:1: error: training.model is missing; expected a model id from scenarios/catalog/models.pbtxt\n");
  const std::string unknown = errors("unknown.pbtxt", scenario("training { model: \"gpt-145b\" global_batch: 8 }\n"));
  EXPECT_EQ(unknown.rfind("F:5:12: error: training.model \"gpt-145b\" is not in scenarios/catalog/models.pbtxt; did "
                          "you mean \"gpt-145.6b\"? expected one of: ",
                          0),
            0u)
      << unknown;
}

// DeepSeek-V3's latent attention, shared experts and dense first layers are serving-only so far.
TEST(TrainingLoader, RejectsModelsTheTrainingModelDoesNotCover) {
  const std::string report = errors("mla.pbtxt", scenario("training { model: \"deepseek-v3\" global_batch: 8 }\n"));
  EXPECT_NE(report.find("error: training.model \"deepseek-v3\" uses multi-head latent attention, shared experts or "
                        "leading dense layers, which the training model does not cover yet; expected a model with "
                        "standard attention and uniform layers"),
            std::string::npos)
      << report;
}

TEST(TrainingLoader, DefaultSequenceMustFitTheModel) {
  // gpt-145.6b's max_context is 2048, so the default fits it; an explicit longer one does not.
  EXPECT_EQ(errors("seq.pbtxt", scenario("training { model: \"gpt-145.6b\" global_batch: 16 seq_len: 4096 }\n")),
            "F:5:49: error: training.seq_len is 4096; expected an integer from 1 to 2048\n");
}

TEST(TrainingLoader, IsTheOnlyWorkload) {
  EXPECT_EQ(errors("both.pbtxt", scenario("collectives { op: ALL_REDUCE }\n"
                                          "training { model: \"llama-3.1-8b\" global_batch: 16 }\n")),
            "F:6:1: error: training and collectives are both set; expected exactly one of serving, collectives and "
            "training (one workload per scenario)\n");
}

TEST(TrainingLoader, NeedsOneGpuKind) {
  EXPECT_EQ(errors("mixed.pbtxt",
                   "cluster {\n"
                   "  nodes { id: \"a\" gpu: \"a100-sxm4-80gb\" gpus_per_node: 8 }\n"
                   "  nodes { id: \"b\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 }\n"
                   "  fabric { fat_tree { levels: 2 radix: 64 } tier { bandwidth: \"200 Gb/s\" latency: \"130 ns\" } }\n"
                   "}\n"
                   "training { model: \"llama-3.1-8b\" global_batch: 16 layout { dp: 16 } }\n"),
            "F:3:19: error: cluster.nodes[1].gpu is \"h100-sxm5-80gb\" but cluster.nodes[0] has \"a100-sxm4-80gb\"; "
            "expected the same GPU in every node group of a training cluster\n");
}

TEST(TrainingLoader, NeedsOneNodeShape) {
  EXPECT_EQ(errors("shape.pbtxt",
                   "cluster {\n"
                   "  nodes { id: \"a\" gpu: \"a100-sxm4-80gb\" gpus_per_node: 8 }\n"
                   "  nodes { id: \"b\" gpu: \"a100-sxm4-80gb\" gpus_per_node: 4 }\n"
                   "  fabric { fat_tree { levels: 2 radix: 64 } tier { bandwidth: \"200 Gb/s\" latency: \"130 ns\" } }\n"
                   "}\n"
                   "training { model: \"llama-3.1-8b\" global_batch: 12 layout { dp: 12 } }\n"),
            "F:3:41: error: cluster.nodes[1].gpus_per_node is 4 but cluster.nodes[0] has 8; expected the same "
            "gpus_per_node in every node group of a training cluster\n");
}

}  // namespace
}  // namespace stratum::scenarios
