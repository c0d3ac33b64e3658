#include "stratum/calibration/stage_reduction.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "stratum/calibration/megatron2021_gradients.hpp"

namespace stratum::calibration {
namespace {

double d(int64_t v) { return static_cast<double>(v); }

// Adam's step, fused over all local tensors (Apex / Transformer Engine multi-tensor FusedAdam, one
// pass): per parameter it reads the 16-bit gradient (2 bytes; 4 from FP32 gradient buffers),
// reads and writes the FP32 master weight, momentum and variance (3 x 8) and writes the 16-bit
// weight (2). Memory-bound.
constexpr double kAdamBytesPerParam = 2.0 + 3.0 * 8.0 + 2.0;

}  // namespace

double price_collective(const CostModel& costs, const GroupLink& link, CollectiveKind kind, double bytes, int ranks) {
  if (ranks <= 1 || bytes <= 0) return 0;
  if (link.group != nullptr) return link.group->price(kind, bytes).seconds;
  if (link.bandwidth <= 0) {
    throw std::invalid_argument("a group of " + std::to_string(ranks) + " ranks needs a positive link bandwidth");
  }
  return costs.collective(kind, bytes, ranks, link.bandwidth, link.latency).seconds;
}

ReductionPlan plan_stage_reductions(const CostModel& costs, const scenarios::ModelSpec& m, const TrainingLayout& l,
                                    const std::vector<double>& stage_parameters, const TrainingLinks& links,
                                    const TrainingStepOptions& options) {
  ReductionPlan plan;
  const int p = l.pp, v = l.virtual_stages;
  const int nd = l.dp * l.cp;
  plan.legacy = options.software.gradients == scenarios::TrainingGradients::kMegatron2021 && l.zero_stage == 0;
  const bool torch_ddp = options.software.gradients == scenarios::TrainingGradients::kMegatron2021TorchDdp;
  const Megatron2021GradientBytes g21 = torch_ddp ? megatron2021_torch_ddp_bytes(l.micro_batches())
                                                  : megatron2021_gradient_bytes(l.precision, l.micro_batches());
  const GradientBuckets buckets = gradient_buckets(options, l);
  plan.bucket_kind = buckets.kind;
  plan.stages.resize(static_cast<size_t>(p));
  for (int i = 0; i < p; ++i) {
    StageReduction& s = plan.stages[static_cast<size_t>(i)];
    const double params = stage_parameters[static_cast<size_t>(i)];
    if (plan.legacy) {
      // Megatron-LM 2021, after the pipeline flush (training.py train_step): the step's passes over
      // the gradient buffer, one all-reduce of every gradient over the data-parallel ranks, then
      // on the first and last stage the tied word embedding's gradient all-reduced between the two
      // ("backward-embedding-all-reduce").
      s.legacy_local_s = costs.elementwise(params * g21.around_reduce).seconds;
      s.legacy_reduce_bytes = params * g21.reduce_width;
      s.legacy_reduce_s = price_collective(costs, links.dp, CollectiveKind::kAllReduce, s.legacy_reduce_bytes, nd);
      if (p > 1 && m.tied_embeddings && (i == 0 || i == p - 1)) {
        s.embedding_bytes = d(m.vocab / l.tp) * d(m.hidden) * g21.reduce_width;
        s.embedding_s = price_collective(costs, links.pp, CollectiveKind::kAllReduce, s.embedding_bytes, 2);
      }
    } else if (nd > 1) {
      // Each chunk's parameters in buckets of at most `buckets.params` (an even split per chunk).
      const double chunk_params = params / v;
      s.buckets_per_chunk = std::max(1, static_cast<int>(std::ceil(chunk_params / buckets.params)));
      s.bucket_bytes = chunk_params / s.buckets_per_chunk * buckets.bytes_per_param;
      s.bucket_s = price_collective(costs, links.dp, buckets.kind, s.bucket_bytes, nd);
      // PyTorch DDP's copies into and out of its buckets run on the compute stream during the last
      // backward, delaying it and every bucket after them by their time.
      if (torch_ddp) s.after_buckets_s = costs.elementwise(params * g21.around_reduce).seconds;
    }
    if (nd > 1 && (l.zero_stage == 1 || l.zero_stage == 2)) {
      s.gather_bytes = params * 2.0;
      s.gather_s = price_collective(costs, links.dp, CollectiveKind::kAllGather, s.gather_bytes, nd);
    }
    // The optimizer updates the local share of the FP32 state (all of it without ZeRO).
    const double opt_params = l.zero_stage >= 1 ? params / d(nd) : params;
    const double adam_bytes = kAdamBytesPerParam + (options.memory.fp32_gradients ? 2.0 : 0.0);
    s.optimizer_s = costs.elementwise(opt_params * (plan.legacy || torch_ddp ? g21.optimizer : adam_bytes)).seconds;
  }
  return plan;
}

}  // namespace stratum::calibration
