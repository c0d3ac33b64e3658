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
      case pb::MEGATRON_LM_2021_TORCH_DDP: spec.software.gradients = TrainingGradients::kMegatron2021TorchDdp; break;
    }
  }
  spec.software.grad_reduce_in_fp32 = s.grad_reduce_in_fp32();
  if (spec.software.grad_reduce_in_fp32 && spec.software.gradients != TrainingGradients::kOverlapped) {
    c.error("training.software.grad_reduce_in_fp32",
            "training.software.grad_reduce_in_fp32 with gradients other than OVERLAPPED; expected gradients OVERLAPPED "
            "(the Megatron-LM 2021 modes reduce in the width their code fixed) or grad_reduce_in_fp32 false");
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
  if (spec.software.gradients == TrainingGradients::kMegatron2021TorchDdp) {
    // What the 2021 code supports and this model prices: no_sync() is used only by the schedule
    // without pipelining (megatron/schedules.py at aed2f75e); --bf16 asserted the local DDP
    // (megatron/arguments.py); torch DDP has no ZeRO.
    const std::string what = "training.software.gradients MEGATRON_LM_2021_TORCH_DDP with ";
    if (spec.pp > 1) {
      c.error("training.layout.pp",
              what + "training.layout.pp " + std::to_string(spec.pp) +
                  "; expected pp 1 (Megatron-LM 2021 deferred torch DDP's reduction only without pipelining) or "
                  "gradients MEGATRON_LM_2021");
    }
    if (spec.zero_stage > 0) {
      c.error("training.layout.zero_stage",
              what + "training.layout.zero_stage " + std::to_string(spec.zero_stage) +
                  "; expected zero_stage 0 (PyTorch DDP has no ZeRO) or gradients OVERLAPPED");
    }
    if (spec.precision != Precision::kFp16) {
      c.error("training.precision",
              what + "training.precision " + std::string(to_string(spec.precision)) +
                  "; expected FP16 (Megatron-LM 2021 required the local DDP under --bf16)");
    }
  }
}

}  // namespace stratum::scenarios::detail
