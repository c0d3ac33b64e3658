#pragma once
// One training layout: how a model is split over GPUs (data, tensor with optional sequence
// parallelism, pipeline, context and expert parallelism), how the global batch is cut into
// micro-batches, which ZeRO stage, recomputation, pipeline schedule and precision it uses.
// Plain struct plus a validation that returns every problem as text (the scenario loader turns
// them into file:line:col errors). Issue 7.
#include <cstdint>
#include <string>
#include <vector>

#include "stratum/scenarios/model.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::calibration {

// Activation recomputation (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large
// Transformer Models", arXiv 2205.05198, sections 4 and 5): keep everything, recompute only the
// attention core (QK^T, softmax, dropout, attention over V), or keep only each layer's input and
// recompute the whole layer in backward.
enum class Recompute { kNone, kSelective, kFull };
const char* to_string(Recompute r);

// Pipeline schedules (Narayanan et al. SC'21, arXiv 2104.04473, section 2.2): GPipe (all
// forwards, then all backwards), 1F1B (PipeDream-Flush) and interleaved 1F1B with virtual stages.
enum class PipelineSchedule { kGpipe, kOneFOneB, kInterleaved };
const char* to_string(PipelineSchedule s);

struct TrainingLayout {
  int dp = 1;  // data-parallel degree (replicas of the model; ZeRO partitions over dp x cp)
  int tp = 1;  // tensor-parallel degree (Megatron column/row-parallel linear layers)
  int pp = 1;  // pipeline-parallel degree (stages)
  int cp = 1;  // context-parallel degree (the sequence split over ranks for attention)
  int ep = 1;  // expert-parallel degree (MoE experts split over ranks carved out of dp x cp)
  int virtual_stages = 1;      // model chunks per pipeline stage (interleaved 1F1B only)
  int64_t micro_batch = 1;     // sequences per micro-batch on one data-parallel rank
  int64_t global_batch = 1;    // sequences per optimizer step, all data-parallel ranks together
  int64_t seq_len = 2048;      // tokens per sequence
  bool sequence_parallel = false;  // Korthikanti 2022 section 4.2.2: LayerNorm/dropout sharded over tp
  int zero_stage = 0;          // 0: none; 1: optimizer state; 2: + gradients; 3: + weights (FSDP)
  Recompute recompute = Recompute::kNone;
  PipelineSchedule schedule = PipelineSchedule::kOneFOneB;
  scenarios::Precision precision = scenarios::Precision::kBf16;  // BF16, FP16 or FP8
  // Which GPUs each group's ranks sit on (sim/rank_geometry.hpp); the step's costs depend on it
  // only through the links a caller prices each group's collectives on.
  scenarios::RankOrder rank_order = scenarios::RankOrder::kTpCpEpDpPp;
  // Uneven pipeline split (stage_layers.hpp, Megatron-Core get_num_layers_to_build): decoder layers
  // of the first / last stage (-1: not set; --decoder-first/last-pipeline-num-layers), or the
  // embedding / output layer with the loss counted as one layer of the split
  // (--account-for-embedding/loss-in-pipeline-split). Default: the even split.
  int64_t first_stage_layers = -1;
  int64_t last_stage_layers = -1;
  bool account_for_embedding = false;
  bool account_for_loss = false;

  int64_t gpus() const { return int64_t{dp} * tp * pp * cp; }
  // Micro-batches per step on one pipeline (gradient accumulation steps):
  // global_batch / (dp x micro_batch).
  int64_t micro_batches() const { return global_batch / (int64_t{dp} * micro_batch); }
  int64_t tokens_per_step() const { return global_batch * seq_len; }
};

// Every problem with `layout` for `model` on `gpu_count` GPUs, in a fixed order, each a sentence
// "what is wrong; expected what". Empty when the layout is valid.
std::vector<std::string> validate_layout(const TrainingLayout& layout, const scenarios::ModelSpec& model,
                                         int64_t gpu_count);

}  // namespace stratum::calibration
