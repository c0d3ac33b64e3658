#pragma once
// Decisions of prefill-decode disaggregation (DistServe, Zhong et al. OSDI 2024; Splitwise, Patel
// et al. ISCA 2024; Mooncake, Qin et al. FAST 2025) as pure functions of plain state: which decode
// instance takes a prefilled sequence, and which GPU of the prefill instance sends which part of
// its KV cache to which GPU of the decode instance. The simulator (sim/src/disaggregation.cpp)
// owns time and the fabric.
#include <cstdint>
#include <span>
#include <vector>

#include "stratum/scenarios/model.hpp"

namespace stratum::policies {

// A decode instance as the chooser sees it when a prefill ends.
struct DecodeCandidate {
  int64_t kv_blocks_used = 0;    // held by its running sequences now
  int64_t kv_blocks_total = 0;   // its KV cache
  int64_t incoming_blocks = 0;   // KV caches already on their way to it (transfers in flight) or
                                 // waiting in its queue for blocks
  int64_t capacity_blocks = 0;   // the most blocks one sequence may ever hold there: its cache less
                                 // the admission watermark (ContinuousBatcher::kWatermark)
  bool reachable = true;         // the fabric joins every GPU pair of the transfer
};

// The decode instance for a sequence that will need `blocks_needed` KV blocks at its longest
// (prompt + output): the reachable one with the least KV load, (used + incoming) / total, among
// those whose cache can ever hold it (blocks_needed <= capacity_blocks); ties go to the lowest
// index. -1 when none can.
//
// Sources, as read: DistServe's controller (section 4.4) sends a prefilled request to the least
// loaded decoding instance; Splitwise's cluster-level scheduler (section 4.2) picks the token
// machine by join-the-shortest-queue, but at arrival, so that it can overlap the transfer with the
// prefill layer by layer (not modelled: the choice here is made when the prefill ends, as in
// DistServe); counting KV memory rather than requests follows Mooncake's KV-cache-centric
// scheduler, since a decode instance's limit is its KV cache. Blocks in flight count as load so
// that prefills ending together do not all pick the same instance.
int choose_decode_instance(std::span<const DecodeCandidate> candidates, int64_t blocks_needed);

// One GPU pair of a KV-cache transfer: GPU `from` of the prefill instance (its slot: stage x
// tensor_parallel + rank) sends `cells` (layer, KV head) cells per token to GPU `to` of the
// decode instance. A cell per token is kv_cell_bytes(...) bytes.
struct KvShardTransfer {
  int from = 0;
  int to = 0;
  int64_t cells = 0;
  bool operator==(const KvShardTransfer&) const = default;
};

// Layout of one side: tensor_parallel ranks in each of pipeline_parallel stages.
struct KvLayout {
  int tensor_parallel = 1;
  int pipeline_parallel = 1;
};

// Which GPU sends what, from a prefill layout to a decode layout. Each GPU holds the cache of its
// stage's layers and its rank's KV heads:
// - layers: stage s of p holds layers [floor(s L / p), floor((s + 1) L / p)) (contiguous ranges as
//   vLLM's get_pp_indices; where L does not divide evenly vLLM gives the remainder to particular
//   stages, which is an approximation here);
// - heads: with t <= K (K KV heads, or 1 for MLA's latent), rank r holds [floor(r K / t),
//   floor((r + 1) K / t)); with t > K each head is replicated on t / K ranks and rank r holds head
//   floor(r K / t) (vLLM QKVParallelLinear; MLA keeps the whole latent on every rank).
// Every (layer, head) cell a decode GPU holds is sent to it once, by a prefill GPU holding that
// cell: with equal layouts, rank i of stage s sends to rank i of stage s; with unequal tensor
// parallelism each decode rank receives its heads from the prefill ranks that hold them (a TP-2
// prefill feeds a TP-4 decode with rank 0 -> ranks 0 and 1, rank 1 -> ranks 2 and 3; a TP-4 prefill
// feeds a TP-2 decode with ranks 0 and 1 -> rank 0, 2 and 3 -> rank 1); where several prefill
// ranks hold a replicated head, the one whose index matches the decode rank modulo the replicas
// sends. Pairs are ordered by (from, to). Throws std::invalid_argument for a non-positive layout
// or a model without layers.
std::vector<KvShardTransfer> kv_shard_map(const scenarios::ModelSpec& model, KvLayout prefill, KvLayout decode);

// Bytes of one (layer, KV head) cell per token: the whole model's KV bytes per token (calibration
// kv_bytes_per_token) over layers x KV heads (1 head for MLA).
double kv_cell_bytes(const scenarios::ModelSpec& model, double kv_bytes_per_token);

}  // namespace stratum::policies
