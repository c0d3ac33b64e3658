#include "training_software_loader.hpp"

#include <string>

namespace stratum::scenarios::detail {

void load_training_software(const pb::Training& m, Checker& c, TrainingSpec& spec) {
  if (!m.has_software()) return;
  const pb::TrainingSoftware& s = m.software();
  if (s.has_attention()) {
    switch (s.attention()) {
      case pb::FLASH: spec.software.attention = TrainingAttention::kFlash; break;
      case pb::UNFUSED: spec.software.attention = TrainingAttention::kUnfused; break;
    }
  }
  if (s.has_gradients()) {
    switch (s.gradients()) {
      case pb::OVERLAPPED: spec.software.gradients = TrainingGradients::kOverlapped; break;
      case pb::MEGATRON_LM_2021: spec.software.gradients = TrainingGradients::kMegatron2021; break;
    }
  }
  // Megatron-LM 2021 had neither context parallelism (Megatron-Core, 2023) nor the distributed
  // optimizer (Megatron-LM, late 2021): the 2021 kernels are not defined for such layouts.
  if (spec.software.attention == TrainingAttention::kUnfused && spec.cp > 1) {
    c.error("training.software.attention",
            "training.software.attention UNFUSED with training.layout.cp " + std::to_string(spec.cp) +
                "; expected cp 1 (the unfused Megatron-LM 2021 attention has no context parallelism) or attention "
                "FLASH");
  }
  if (spec.software.gradients == TrainingGradients::kMegatron2021 && spec.zero_stage > 0) {
    c.error("training.software.gradients",
            "training.software.gradients MEGATRON_LM_2021 with training.layout.zero_stage " +
                std::to_string(spec.zero_stage) +
                "; expected zero_stage 0 (Megatron-LM 2021's local DDP has no ZeRO) or gradients OVERLAPPED");
  }
}

}  // namespace stratum::scenarios::detail
