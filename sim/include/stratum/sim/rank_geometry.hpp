#pragma once
// Where a training layout's ranks sit: the GPU of (tensor rank t, context rank c, data-parallel
// replica r, pipeline stage s) under the layout's rank order, GPUs numbered node-major from the
// cluster's first. Megatron-LM numbers ranks with the fastest dimension first
// (megatron/core/parallel_state.py, RankGenerator): tp-cp-ep-dp-pp by default, tp-cp-ep-pp-dp with
// --use-tp-pp-dp-mapping (the Llama 3 paper's [TP, CP, PP, DP], arXiv 2407.21783 section 3.3.2).
// Expert groups are carved out of the flattened cp x dp ranks (cp fastest), so the expert
// dimension adds no stride of its own here.
#include <cstdint>

#include "stratum/calibration/training_layout.hpp"

namespace stratum::sim {

struct RankCoords {
  int64_t t = 0, c = 0, r = 0, s = 0;
};

class RankGeometry {
 public:
  explicit RankGeometry(const calibration::TrainingLayout& layout);

  int64_t gpu(int64_t t, int64_t c, int64_t r, int64_t s) const {
    return t + c * stride_cp_ + r * stride_dp_ + s * stride_pp_;
  }
  // The flattened data-parallel index f = c + cp x r (cp fastest), as ZeRO and the gradient
  // reduction group the cp x dp ranks.
  int64_t gpu_flat(int64_t t, int64_t f, int64_t s) const { return gpu(t, f % cp_, f / cp_, s); }
  RankCoords coords(int64_t gpu) const;

  // GPUs from the first to the last of the block that holds one group of the class and every
  // group interleaved with it. Blocks start at multiples of their size (node-major), so a class
  // stays inside a node when its block divides the node (training_links).
  int64_t tp_block() const { return tp_; }
  int64_t cp_block() const { return tp_ * cp_; }
  int64_t dp_block() const { return stride_dp_ * dp_; }  // the flattened cp x dp group
  int64_t pp_block() const { return stride_pp_ * pp_; }
  // Expert groups: ep consecutive flattened data-parallel ranks.
  int64_t ep_block(int64_t ep) const;

  int64_t tp() const { return tp_; }
  int64_t cp() const { return cp_; }
  int64_t dp() const { return dp_; }
  int64_t pp() const { return pp_; }
  int64_t stride_dp() const { return stride_dp_; }
  int64_t stride_pp() const { return stride_pp_; }

 private:
  int64_t tp_ = 1, cp_ = 1, dp_ = 1, pp_ = 1;
  int64_t stride_cp_ = 1, stride_dp_ = 1, stride_pp_ = 1;
};

}  // namespace stratum::sim
