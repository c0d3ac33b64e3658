#include "stratum/calibration/profile_cost_model.hpp"

#include <numeric>
#include <string>

namespace stratum::calibration {
namespace {

int key(Precision p) { return static_cast<int>(p); }

template <class Key>
void add_point(std::map<Key, std::vector<Point>>& acc, const Key& k, double x, double y) {
  acc[k].push_back({x, y});
}

template <class Key>
std::map<Key, LogLogSeries> to_series(std::map<Key, std::vector<Point>>&& acc) {
  std::map<Key, LogLogSeries> out;
  for (auto& [k, points] : acc) out.emplace(k, LogLogSeries(std::move(points)));
  return out;
}

// Within the fitted range an alpha-beta answer is an interpolation; beyond it, an extrapolation.
Estimate from_fit(const AlphaBeta& fit, double bytes) {
  const bool inside = bytes >= fit.min_bytes && bytes <= fit.max_bytes;
  return {fit.seconds(bytes), inside ? Provenance::kInterpolated : Provenance::kExtrapolated};
}

}  // namespace

double ProfileCostModel::prefill_flops(std::span<const PrefillChunk> chunks, const AttentionShape& shape) {
  double flops = 0;
  for (const PrefillChunk& c : chunks) {
    const double n = static_cast<double>(c.new_tokens);
    flops += 4.0 * static_cast<double>(shape.head_dim * shape.heads) * n *
             (static_cast<double>(c.context_before) + (n + 1.0) / 2.0);
  }
  return flops;
}

ProfileCostModel::ProfileCostModel(const scenarios::Profile& profile, const scenarios::GpuSpec& gpu)
    : roofline_(gpu) {
  std::map<GemmKey, std::vector<Point>> gemm, grouped;
  for (const auto& s : profile.gemm) {
    const GemmKey k{key(s.dtype), s.n, s.k};
    if (s.groups > 1) {
      add_point(grouped, k, static_cast<double>(s.groups * s.m), s.timing.median_s);
    } else {
      add_point(gemm, k, static_cast<double>(s.m), s.timing.median_s);
    }
  }
  gemm_ = to_series(std::move(gemm));
  grouped_gemm_ = to_series(std::move(grouped));

  std::map<AttentionKey, std::vector<Point>> prefill, decode;
  for (const auto& s : profile.attention_prefill) {
    const AttentionShape shape{s.heads, s.kv_heads, s.head_dim};
    const std::vector<PrefillChunk> chunks(static_cast<size_t>(s.batch), PrefillChunk{s.new_tokens, s.context_before});
    add_point(prefill, AttentionKey{key(s.dtype), s.heads, s.kv_heads, s.head_dim}, prefill_flops(chunks, shape),
              s.timing.median_s);
  }
  for (const auto& s : profile.attention_decode) {
    add_point(decode, AttentionKey{key(s.dtype), s.heads, s.kv_heads, s.head_dim},
              static_cast<double>(s.batch * s.context), s.timing.median_s);
  }
  prefill_ = to_series(std::move(prefill));
  decode_ = to_series(std::move(decode));

  std::map<std::tuple<int, int, std::string>, std::vector<Point>> coll;
  for (const auto& s : profile.collectives) {
    coll[{static_cast<int>(s.op), s.ranks, s.algorithm}].push_back({s.bytes, s.timing.median_s});
  }
  for (const auto& [k, points] : coll) {
    AlphaBeta fit;
    if (fit_alpha_beta(points, fit)) collectives_[{std::get<0>(k), std::get<1>(k)}].push_back(fit);
  }
  std::map<std::tuple<int, bool>, std::vector<Point>> copies;
  for (const auto& s : profile.copies) {
    copies[{static_cast<int>(s.direction), s.pinned}].push_back({s.bytes, s.timing.median_s});
  }
  for (const auto& [k, points] : copies) {
    AlphaBeta fit;
    if (fit_alpha_beta(points, fit)) copies_.emplace(k, fit);
  }
}

Estimate ProfileCostModel::gemm(int64_t m, int64_t n, int64_t k, Precision act, Precision weight) const {
  // Weight-only quantised GEMMs (W4A16, W8A16) run other kernels than the profiled ones.
  if (act == weight) {
    const auto it = gemm_.find({key(act), n, k});
    if (it != gemm_.end()) return it->second.at(static_cast<double>(m));
  }
  return roofline_.gemm(m, n, k, act, weight);
}

Estimate ProfileCostModel::grouped_gemm(double groups, int64_t m, int64_t n, int64_t k, Precision act,
                                        Precision weight) const {
  if (act == weight) {
    const auto it = grouped_gemm_.find({key(act), n, k});
    if (it != grouped_gemm_.end()) return it->second.at(groups * static_cast<double>(m));
  }
  return roofline_.grouped_gemm(groups, m, n, k, act, weight);
}

Estimate ProfileCostModel::attention_prefill(std::span<const PrefillChunk> chunks, const AttentionShape& shape,
                                             Precision kv) const {
  // Profiles measure standard attention only; MLA shapes go to the roofline.
  const auto it = shape.standard() ? prefill_.find({key(kv), shape.heads, shape.kv_heads, shape.head_dim}) : prefill_.end();
  if (it == prefill_.end()) return roofline_.attention_prefill(chunks, shape, kv);
  return it->second.at(prefill_flops(chunks, shape));
}

Estimate ProfileCostModel::attention_decode(std::span<const int64_t> context_lens, const AttentionShape& shape,
                                            Precision kv) const {
  const auto it = shape.standard() ? decode_.find({key(kv), shape.heads, shape.kv_heads, shape.head_dim}) : decode_.end();
  if (it == decode_.end()) return roofline_.attention_decode(context_lens, shape, kv);
  const double tokens = static_cast<double>(std::accumulate(context_lens.begin(), context_lens.end(), int64_t{0}));
  return it->second.at(tokens);
}

Estimate ProfileCostModel::elementwise(double bytes) const { return roofline_.elementwise(bytes); }

Estimate ProfileCostModel::norm(int64_t tokens, int64_t hidden, Precision act) const {
  return roofline_.norm(tokens, hidden, act);
}

Estimate ProfileCostModel::collective(CollectiveKind kind, double bytes, int ranks, double link_bandwidth,
                                      double link_latency) const {
  const auto it = collectives_.find({static_cast<int>(kind), ranks});
  if (it == collectives_.end()) return roofline_.collective(kind, bytes, ranks, link_bandwidth, link_latency);
  // Several measured algorithms: the fastest at this size, as NCCL's tuner picks by its model.
  Estimate best = from_fit(it->second.front(), bytes);
  for (const AlphaBeta& fit : it->second) {
    const Estimate e = from_fit(fit, bytes);
    if (e.seconds < best.seconds) best = e;
  }
  return best;
}

Estimate ProfileCostModel::copy(CopyKind kind, double bytes) const {
  // Host copies in the simulator use pinned buffers (KV offload, weight loading); peer copies
  // over NVLink are not profiled.
  scenarios::CopyDirection direction;
  switch (kind) {
    case CopyKind::kHostToDevice: direction = scenarios::CopyDirection::kHostToDevice; break;
    case CopyKind::kDeviceToHost: direction = scenarios::CopyDirection::kDeviceToHost; break;
    case CopyKind::kDeviceToDevice: direction = scenarios::CopyDirection::kDeviceToDevice; break;
    default: return roofline_.copy(kind, bytes);
  }
  const auto it = copies_.find({static_cast<int>(direction), true});
  if (it == copies_.end()) return roofline_.copy(kind, bytes);
  return from_fit(it->second, bytes);
}

ProfileCostModel::Coverage ProfileCostModel::coverage() const {
  return {static_cast<int>(gemm_.size()),    static_cast<int>(grouped_gemm_.size()),
          static_cast<int>(prefill_.size()), static_cast<int>(decode_.size()),
          static_cast<int>(collectives_.size()), static_cast<int>(copies_.size())};
}

}  // namespace stratum::calibration
