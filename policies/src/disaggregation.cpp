#include "stratum/policies/disaggregation.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

namespace stratum::policies {

int choose_decode_instance(std::span<const DecodeCandidate> candidates, int64_t blocks_needed) {
  int best = -1;
  double best_load = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const DecodeCandidate& c = candidates[i];
    if (!c.reachable || c.kv_blocks_total <= 0 || blocks_needed > c.capacity_blocks) continue;
    const double load =
        static_cast<double>(c.kv_blocks_used + c.incoming_blocks) / static_cast<double>(c.kv_blocks_total);
    if (best < 0 || load < best_load) {
      best = static_cast<int>(i);
      best_load = load;
    }
  }
  return best;
}

namespace {

// Interval [lo, hi) of layers or heads.
struct Range {
  int64_t lo = 0, hi = 0;
};

Range layers_of(int stage, int stages, int64_t layers) {
  return {stage * layers / stages, (stage + 1) * layers / stages};
}

// KV heads (or MLA's one latent) rank `rank` of `tp` holds.
Range heads_of(int rank, int tp, int64_t heads) {
  if (tp <= heads) return {rank * heads / tp, (rank + 1) * heads / tp};
  const int64_t h = rank * heads / tp;
  return {h, h + 1};
}

int64_t overlap(Range a, Range b) { return std::max<int64_t>(0, std::min(a.hi, b.hi) - std::max(a.lo, b.lo)); }

int64_t cache_heads(const scenarios::ModelSpec& model) { return model.mla() ? 1 : model.kv_heads; }

}  // namespace

std::vector<KvShardTransfer> kv_shard_map(const scenarios::ModelSpec& model, KvLayout prefill, KvLayout decode) {
  if (prefill.tensor_parallel < 1 || prefill.pipeline_parallel < 1 || decode.tensor_parallel < 1 ||
      decode.pipeline_parallel < 1) {
    throw std::invalid_argument("kv_shard_map: tensor_parallel and pipeline_parallel must be >= 1");
  }
  const int64_t layers = model.layers, heads = cache_heads(model);
  if (layers < 1 || heads < 1) throw std::invalid_argument("kv_shard_map: the model needs layers and KV heads");
  std::map<std::pair<int, int>, int64_t> cells;
  for (int ds = 0; ds < decode.pipeline_parallel; ++ds) {
    const Range dl = layers_of(ds, decode.pipeline_parallel, layers);
    for (int dr = 0; dr < decode.tensor_parallel; ++dr) {
      const Range dh = heads_of(dr, decode.tensor_parallel, heads);
      for (int64_t h = dh.lo; h < dh.hi; ++h) {
        // The prefill ranks holding head h: one, or the replicas of a head shared by t / K ranks.
        int first = -1, holders = 0;
        for (int pr = 0; pr < prefill.tensor_parallel; ++pr) {
          const Range ph = heads_of(pr, prefill.tensor_parallel, heads);
          if (h >= ph.lo && h < ph.hi) {
            if (first < 0) first = pr;
            ++holders;
          }
        }
        const int source_rank = first + dr % holders;
        for (int ps = 0; ps < prefill.pipeline_parallel; ++ps) {
          const int64_t n = overlap(layers_of(ps, prefill.pipeline_parallel, layers), dl);
          if (n == 0) continue;
          const int from = ps * prefill.tensor_parallel + source_rank;
          const int to = ds * decode.tensor_parallel + dr;
          cells[{from, to}] += n;
        }
      }
    }
  }
  std::vector<KvShardTransfer> out;
  out.reserve(cells.size());
  for (const auto& [pair, n] : cells) out.push_back({pair.first, pair.second, n});
  return out;
}

double kv_cell_bytes(const scenarios::ModelSpec& model, double kv_bytes_per_token) {
  return kv_bytes_per_token / static_cast<double>(model.layers * cache_heads(model));
}

}  // namespace stratum::policies
