#include "stratum/sim/rank_geometry.hpp"

namespace stratum::sim {

RankGeometry::RankGeometry(const calibration::TrainingLayout& l) : tp_(l.tp), cp_(l.cp), dp_(l.dp), pp_(l.pp) {
  stride_cp_ = tp_;
  switch (l.rank_order) {
    case scenarios::RankOrder::kTpCpEpDpPp:
      stride_dp_ = tp_ * cp_;
      stride_pp_ = stride_dp_ * dp_;
      break;
    case scenarios::RankOrder::kTpCpEpPpDp:
      stride_pp_ = tp_ * cp_;
      stride_dp_ = stride_pp_ * pp_;
      break;
  }
}

RankCoords RankGeometry::coords(int64_t gpu) const {
  RankCoords k;
  k.t = gpu % tp_;
  k.c = (gpu / stride_cp_) % cp_;
  k.r = (gpu / stride_dp_) % dp_;
  k.s = (gpu / stride_pp_) % pp_;
  return k;
}

int64_t RankGeometry::ep_block(int64_t ep) const {
  // Flattened rank f sits at t + tp f when cp and dp are adjacent (the default order): ep of them
  // span tp x ep GPUs. Otherwise inside one replica's context ranks, or over ep / cp replicas
  // (rounded up) with all their context ranks.
  if (stride_dp_ == tp_ * cp_ || ep <= cp_) return tp_ * ep;
  return stride_dp_ * ((ep + cp_ - 1) / cp_);
}

}  // namespace stratum::sim
