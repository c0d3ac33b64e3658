// training.software (issue 7, SC'21 Table 1): defaults, the 2021 choices read, and the layouts
// they cannot run reported at the field.
#include <gtest/gtest.h>

#include "../support/scenario_text.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

std::string scenario(const std::string& training) {
  return "cluster {\n"
         "  nodes { id: \"a\" count: 2 gpu: \"a100-sxm4-80gb\" gpus_per_node: 8 }\n"
         "  fabric { fat_tree { levels: 2 radix: 64 } tier { bandwidth: \"200 Gb/s\" latency: \"130 ns\" } }\n"
         "}\n"
         "training {\n"
         "  model: \"gpt-1.7b\" global_batch: 16\n" +
         training + "}\n";
}

std::string errors(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  return testing::load_errors("stratum-training-software-test", name, text, out);
}

TEST(TrainingSoftwareLoader, DefaultIsTodaysMegatronCore) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("default.pbtxt", scenario(""), &s), "");
  EXPECT_EQ(s->training->software.attention, TrainingAttention::kFlash);
  EXPECT_EQ(s->training->software.gradients, TrainingGradients::kOverlapped);
  ASSERT_EQ(errors("explicit.pbtxt", scenario("  software { attention: FLASH gradients: OVERLAPPED }\n"), &s), "");
  EXPECT_EQ(s->training->software.attention, TrainingAttention::kFlash);
  EXPECT_EQ(s->training->software.gradients, TrainingGradients::kOverlapped);
  EXPECT_FALSE(s->training->software.grad_reduce_in_fp32);
}

TEST(TrainingSoftwareLoader, Fp32GradientBuffersOnlyWithTodaysReduction) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("fp32.pbtxt", scenario("  software { grad_reduce_in_fp32: true }\n"), &s), "");
  EXPECT_TRUE(s->training->software.grad_reduce_in_fp32);
  EXPECT_EQ(errors("fp32-2021.pbtxt", scenario("  software { gradients: MEGATRON_LM_2021 grad_reduce_in_fp32: true }\n")),
            "F:7:42: error: training.software.grad_reduce_in_fp32 with gradients other than OVERLAPPED; expected "
            "gradients OVERLAPPED (the Megatron-LM 2021 modes reduce in the width their code fixed) or "
            "grad_reduce_in_fp32 false\n");
}

TEST(TrainingSoftwareLoader, ReadsThe2021Choices) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("old.pbtxt", scenario("  software { attention: UNFUSED gradients: MEGATRON_LM_2021 }\n"), &s), "");
  EXPECT_EQ(s->training->software.attention, TrainingAttention::kUnfused);
  EXPECT_EQ(s->training->software.gradients, TrainingGradients::kMegatron2021);
}

TEST(TrainingSoftwareLoader, LayoutsThe2021CodeCannotRunAreRejectedAtTheField) {
  EXPECT_EQ(errors("bad.pbtxt", scenario("  layout { dp: 4 cp: 4 zero_stage: 1 }\n"
                                         "  software { attention: UNFUSED gradients: MEGATRON_LM_2021 }\n")),
            "F:8:14: error: training.software.attention UNFUSED with training.layout.cp 4; expected cp 1 "
            "(the unfused Megatron-LM 2021 attention has no context parallelism) or attention FLASH\n"
            "F:8:33: error: training.software.gradients MEGATRON_LM_2021 with training.layout.zero_stage 1; "
            "expected zero_stage 0 (Megatron-LM 2021's local DDP has no ZeRO) or gradients OVERLAPPED\n");
  // PyTorch DDP as the 2021 code ran it: pipeline-free (no_sync), no ZeRO, FP16 only.
  EXPECT_EQ(errors("torch.pbtxt", scenario("  precision: BF16\n"
                                           "  layout { dp: 2 pp: 8 zero_stage: 1 }\n"
                                           "  software { gradients: MEGATRON_LM_2021_TORCH_DDP }\n")),
            "F:8:18: error: training.software.gradients MEGATRON_LM_2021_TORCH_DDP with training.layout.pp 8; "
            "expected pp 1 (Megatron-LM 2021 deferred torch DDP's reduction only without pipelining) or gradients "
            "MEGATRON_LM_2021\n"
            "F:8:24: error: training.software.gradients MEGATRON_LM_2021_TORCH_DDP with training.layout.zero_stage 1; "
            "expected zero_stage 0 (PyTorch DDP has no ZeRO) or gradients OVERLAPPED\n"
            "F:7:3: error: training.software.gradients MEGATRON_LM_2021_TORCH_DDP with training.precision BF16; "
            "expected FP16 (Megatron-LM 2021 required the local DDP under --bf16)\n");
  std::optional<Scenario> s;
  ASSERT_EQ(errors("torch-ok.pbtxt", scenario("  precision: FP16\n  layout { dp: 16 }\n"
                                              "  software { gradients: MEGATRON_LM_2021_TORCH_DDP }\n"),
                   &s),
            "");
  EXPECT_EQ(s->training->software.gradients, TrainingGradients::kMegatron2021TorchDdp);
  EXPECT_EQ(errors("enum.pbtxt", scenario("  software { attention: FUSED }\n")),
            "F:7:25: error: unknown value \"FUSED\" for attention; did you mean \"UNFUSED\"? expected one of: FLASH, "
            "UNFUSED\n");
}

}  // namespace
}  // namespace stratum::scenarios
