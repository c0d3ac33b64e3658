#include "stratum/calibration/training_layout.hpp"

#include <string>
#include <utility>

#include "stratum/calibration/stage_layers.hpp"

namespace stratum::calibration {

const char* to_string(Recompute r) {
  switch (r) {
    case Recompute::kNone: return "none";
    case Recompute::kSelective: return "selective";
    case Recompute::kFull: return "full";
  }
  return "?";
}

const char* to_string(PipelineSchedule s) {
  switch (s) {
    case PipelineSchedule::kGpipe: return "gpipe";
    case PipelineSchedule::kOneFOneB: return "1f1b";
    case PipelineSchedule::kInterleaved: return "interleaved";
  }
  return "?";
}

namespace {

std::string s(int64_t v) { return std::to_string(v); }

}  // namespace

std::vector<std::string> validate_layout(const TrainingLayout& l, const scenarios::ModelSpec& m, int64_t gpu_count) {
  std::vector<std::string> out;
  const auto positive = [&](const char* name, int64_t v) {
    if (v < 1) out.push_back(std::string(name) + " is " + s(v) + "; expected a whole number >= 1");
    return v >= 1;
  };
  bool degrees_ok = positive("dp", l.dp);
  degrees_ok = positive("tp", l.tp) && degrees_ok;
  degrees_ok = positive("pp", l.pp) && degrees_ok;
  degrees_ok = positive("cp", l.cp) && degrees_ok;
  degrees_ok = positive("ep", l.ep) && degrees_ok;
  degrees_ok = positive("virtual_stages", l.virtual_stages) && degrees_ok;
  const bool micro_ok = positive("micro_batch", l.micro_batch);
  const bool global_ok = positive("global_batch", l.global_batch);
  const bool seq_ok = positive("seq_len", l.seq_len);
  if (l.zero_stage < 0 || l.zero_stage > 3) {
    out.push_back("zero_stage is " + s(l.zero_stage) + "; expected 0, 1, 2 or 3");
  }
  // Training keeps weights and gradients in a floating-point format: Megatron-LM trains in BF16 or
  // FP16, and in FP8 through Transformer Engine (master weights stay in higher precision).
  if (l.precision != scenarios::Precision::kBf16 && l.precision != scenarios::Precision::kFp16 &&
      l.precision != scenarios::Precision::kFp8) {
    out.push_back(std::string("precision ") + scenarios::to_string(l.precision) +
                  " cannot be trained; expected BF16, FP16 or FP8");
  }
  if (!degrees_ok) return out;  // the divisibility checks below need positive degrees

  // Megatron-LM's world is tp x pp x cp x dp (megatron/core/parallel_state.py,
  // initialize_model_parallel); expert parallelism is carved out of the dp x cp ranks.
  if (l.gpus() != gpu_count) {
    out.push_back("tp x pp x cp x dp = " + s(l.tp) + " x " + s(l.pp) + " x " + s(l.cp) + " x " + s(l.dp) + " = " +
                  s(l.gpus()) + " GPUs, but the cluster has " + s(gpu_count) +
                  "; expected the parallel degrees to multiply to the GPU count");
  }
  if (micro_ok && global_ok && l.global_batch % (int64_t{l.dp} * l.micro_batch) != 0) {
    out.push_back("global_batch " + s(l.global_batch) + " is not divisible by dp x micro_batch = " + s(l.dp) + " x " +
                  s(l.micro_batch) + " = " + s(int64_t{l.dp} * l.micro_batch) +
                  "; expected a whole number of micro-batches per data-parallel rank");
  }
  // Megatron shards query heads, key/value groups and the MLP width evenly over TP ranks
  // (megatron/core/utils.py divide(), used by the attention and MLP layers).
  if (m.heads > 0 && m.heads % l.tp != 0) {
    out.push_back("model '" + m.id + "' has " + s(m.heads) + " attention heads, not divisible by tp " + s(l.tp) +
                  "; expected tp to divide the head count");
  }
  if (m.kv_heads > 0 && m.kv_heads % l.tp != 0) {
    out.push_back("model '" + m.id + "' has " + s(m.kv_heads) + " key/value heads, not divisible by tp " + s(l.tp) +
                  "; expected tp to divide the key/value head count");
  }
  if (m.ffn_hidden > 0 && m.ffn_hidden % l.tp != 0) {
    out.push_back("model '" + m.id + "' has an MLP width of " + s(m.ffn_hidden) + ", not divisible by tp " +
                  s(l.tp) + "; expected tp to divide ffn_hidden");
  }
  // Every pipeline stage (and every virtual chunk of an interleaved stage) holds the same number of
  // layers (Narayanan et al. SC'21 section 2.2; Megatron-LM asserts it), unless the layout splits
  // them unevenly (stage_layers.cpp, Megatron-Core's rules).
  const int64_t chunks = int64_t{l.pp} * l.virtual_stages;
  if (uneven_stage_layers(l)) {
    for (std::string& p : validate_stage_layers(l, m.layers)) out.push_back(std::move(p));
  } else if (m.layers > 0 && m.layers % chunks != 0) {
    out.push_back("model '" + m.id + "' has " + s(m.layers) + " layers, not divisible by pp x virtual_stages = " +
                  s(l.pp) + " x " + s(l.virtual_stages) + " = " + s(chunks) +
                  "; expected the same number of layers in every pipeline chunk");
  }
  // Expert parallelism: experts split evenly over ep ranks, and the ep ranks are a subset of the
  // dp x cp ranks (megatron/core/parallel_state.py: data_parallel_size x context_parallel_size
  // must be divisible by expert_model_parallel_size).
  if (l.ep > 1 && m.experts == 0) {
    out.push_back("ep is " + s(l.ep) + " but model '" + m.id + "' has no experts; expected ep 1 for a dense model");
  } else if (m.experts > 0 && m.experts % l.ep != 0) {
    out.push_back("model '" + m.id + "' has " + s(m.experts) + " experts, not divisible by ep " + s(l.ep) +
                  "; expected ep to divide the expert count");
  }
  if (l.ep > 1 && (int64_t{l.dp} * l.cp) % l.ep != 0) {
    out.push_back("dp x cp = " + s(int64_t{l.dp} * l.cp) + " is not divisible by ep " + s(l.ep) +
                  "; expected the expert-parallel ranks to divide the data- and context-parallel ranks");
  }
  // With data parallelism outermost and a pipeline, Megatron-Core needs the attention and MoE
  // layers to have the same data-parallel size (megatron/core/parallel_state.py
  // initialize_model_parallel: "When not using pp-last rank ordering, the data parallel size of the
  // attention and moe layers must be the same"): dp = world / (tp pp cp) against the expert
  // data-parallel size world / (tp ep pp) with expert tensor parallelism tp, so ep = cp. Dense
  // models (ep 1) are not held to it: the Llama 3 paper ran [TP, CP, PP, DP] with CP 16 in its own
  // framework (arXiv 2407.21783 Table 4).
  if (l.rank_order == scenarios::RankOrder::kTpCpEpPpDp && l.pp > 1 && l.ep > 1 && l.ep != l.cp) {
    out.push_back("rank_order TP_CP_EP_PP_DP with pp " + s(l.pp) + " and ep " + s(l.ep) + " needs ep = cp (" +
                  s(l.cp) + "), as Megatron-Core does; expected rank_order TP_CP_EP_DP_PP or ep equal to cp");
  }
  // Context parallelism cuts each sequence into 2 x cp chunks so that every rank gets an equal
  // share of causal attention work (Megatron-Core, get_batch_on_this_cp_rank).
  if (seq_ok && l.cp > 1 && l.seq_len % (2 * int64_t{l.cp}) != 0) {
    out.push_back("seq_len " + s(l.seq_len) + " is not divisible by 2 x cp = " + s(2 * int64_t{l.cp}) +
                  "; expected 2 x cp equal chunks per sequence");
  }
  // Virtual stages belong to the interleaved schedule, which needs several of them, a pipeline,
  // and a number of micro-batches that is a multiple of pp (Megatron-LM's interleaved schedule,
  // megatron/core/pipeline_parallel/schedules.py, forward_backward_pipelining_with_interleaving).
  if (l.schedule == PipelineSchedule::kInterleaved) {
    if (l.virtual_stages < 2) {
      out.push_back("the interleaved schedule needs virtual_stages >= 2, got " + s(l.virtual_stages) +
                    "; expected 2 or more model chunks per stage");
    }
    if (l.pp < 2) {
      out.push_back("the interleaved schedule needs pp >= 2, got " + s(l.pp) + "; expected a pipeline");
    }
    if (micro_ok && global_ok && l.global_batch % (int64_t{l.dp} * l.micro_batch) == 0 &&
        l.micro_batches() % l.pp != 0) {
      out.push_back("the interleaved schedule needs the micro-batches per step (" + s(l.micro_batches()) +
                    ") to be a multiple of pp " + s(l.pp) + "; expected global_batch / (dp x micro_batch) divisible by pp");
    }
  } else if (l.virtual_stages != 1) {
    out.push_back("virtual_stages is " + s(l.virtual_stages) + " but the schedule is " + to_string(l.schedule) +
                  "; expected virtual_stages 1, or the interleaved schedule");
  }
  return out;
}

}  // namespace stratum::calibration
