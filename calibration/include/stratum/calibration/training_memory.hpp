#pragma once
// Per-GPU memory of one training layout: weights, gradients and optimizer state per ZeRO stage
// (Rajbhandari et al., SC'20, "ZeRO: Memory Optimizations Toward Training Trillion Parameter
// Models", section 5), activations per layer and recomputation (Korthikanti et al. 2022, arXiv
// 2205.05198, section 4) times the micro-batches the pipeline schedule keeps in flight
// (Narayanan et al. SC'21 section 2.2), and temporary buffers (assumptions, documented below);
// with an out-of-memory verdict naming the largest term and the shortfall.
#include <string>
#include <vector>

#include "stratum/calibration/training_layout.hpp"
#include "stratum/scenarios/hardware.hpp"
#include "stratum/scenarios/model.hpp"

namespace stratum::calibration {

// Bytes per GPU of weights, gradients and optimizer state for `params` parameters replicated over
// `nd` data-parallel ranks under ZeRO `stage`, with mixed-precision Adam's 2 + 2 + 12 bytes per
// parameter (16-bit weights and gradients; FP32 master weights, momentum and variance):
// stage 0: 2 + 2 + 12; stage 1: 2 + 2 + 12/nd; stage 2: 2 + (2 + 12)/nd; stage 3: (2 + 2 + 12)/nd
// (Rajbhandari et al. SC'20, section 5 and Figure 1).
struct ModelStateBytes {
  double weights = 0;
  double gradients = 0;
  double optimizer = 0;
  double total() const { return weights + gradients + optimizer; }
};
// `gradient_bytes`: 2 for 16-bit gradients, 4 for FP32 gradient buffers (Megatron-Core
// --accumulate-allreduce-grads-in-fp32), which ZeRO 2 and 3 shard like the 16-bit ones.
ModelStateBytes zero_model_state_bytes(double params, int64_t nd, int zero_stage, double gradient_bytes = 2);

struct TrainingMemoryOptions {
  // Dropout after attention probabilities, attention output and MLP output, as in GPT-3 and in
  // Korthikanti's accounting (its 34 and 5as/h terms include the 1-byte masks). Models trained
  // without dropout (Llama) hold 2 s b h + a s^2 b bytes less per layer.
  bool dropout = true;
  // FP32 gradient buffers (scenario training.software.grad_reduce_in_fp32; Megatron-Core
  // --accumulate-allreduce-grads-in-fp32): 4 bytes per gradient instead of 2. The one switch for
  // the buffer's format: the step's reduction and optimizer read it from here too.
  bool fp32_gradients = false;
  // FlashAttention (training.software.attention FLASH, the default): the attention core's scores,
  // softmax output and dropout are never stored, nor rematerialised whole for the backward (Dao et
  // al. 2022, "FlashAttention", section 3.1: the forward keeps the output and the softmax
  // statistics, the backward recomputes the scores block by block on chip). The core then holds
  // only the FP32 log-sum-exp per head and token (flash-attention's softmax_lse), the same with or
  // without selective recomputation. false: the unfused attention Korthikanti et al. 2022 account
  // for (Table 2's 5 a s / h term), as Megatron-LM 2021 ran it.
  bool flash_attention = true;
  // Share of the GPU's memory_bytes training may use. 1.0: nothing is held back for the CUDA
  // context, NCCL buffers or allocator fragmentation (assumption: none of them is modelled).
  double usable_fraction = 1.0;
};

// Bytes of activations one layer keeps for its backward, for one micro-batch on one GPU
// (Korthikanti 2022 section 4, Table 2), with s = seq_len / cp tokens per rank and b = micro_batch:
//   no recomputation:      s b h (10 + 24/t + 5 a s/(h t))  without sequence parallelism,
//                          s b h (34 + 5 a s / h) / t       with it;
//   selective:             s b h (10 + 24/t), or 34 s b h / t with sequence parallelism;
//   full:                  2 s b h (the layer input), / t with sequence parallelism.
// The "10 + 24" are derived term by term for the model's real shapes (GQA key/value width, SwiGLU's
// gate, up and product tensors, k experts per token), which gives exactly 10 + 24 for a GPT layer.
double activation_bytes_per_layer(const scenarios::ModelSpec& model, const TrainingLayout& layout,
                                  const TrainingMemoryOptions& options = {});

struct TrainingMemory {
  int stage = 0;                  // the pipeline stage these figures are for (the fullest one)
  double parameters = 0;          // parameters held by one GPU of that stage before ZeRO
  double weights = 0;             // 16-bit weights (plus FP8 copies when training in FP8)
  double gradients = 0;
  double optimizer = 0;           // FP32 master weights, momentum, variance
  double activations = 0;         // per layer x layers per chunk x chunks in flight, plus embedding/logits
  double temporary = 0;           // recomputation working set, ZeRO-3 gathered layers
  double capacity = 0;            // usable bytes per GPU
  std::vector<double> stage_total;  // total bytes per GPU of every stage
  std::vector<double> stage_parameters;  // parameters per GPU of every stage, before ZeRO
  double total() const { return weights + gradients + optimizer + activations + temporary; }
  bool fits() const { return total() <= capacity; }
  double shortfall_bytes() const { return fits() ? 0.0 : total() - capacity; }
  // "weights", "gradients", "optimizer", "activations" or "temporary": the biggest term.
  const char* largest_term() const;
  // "" when it fits; else e.g. "out of memory on pipeline stage 0: needs 91.2 GB per GPU, 85.9 GB
  // usable (5.3 GB short); the largest term is activations (61.0 GB)".
  std::string verdict() const;
};

// Memory of the fullest pipeline stage of `layout` (validated beforehand: validate_layout).
TrainingMemory training_memory(const scenarios::ModelSpec& model, const scenarios::GpuSpec& gpu,
                               const TrainingLayout& layout, const TrainingMemoryOptions& options = {});

}  // namespace stratum::calibration
