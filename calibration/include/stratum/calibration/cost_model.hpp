#pragma once
// One interface for the cost of GPU work (DESIGN.md section 5). Implementations: roofline from
// the catalogue (always available) and, later, measured profiles. Every answer carries provenance.
#include <cstdint>
#include <span>

#include "stratum/scenarios/scenario.hpp"

namespace stratum::calibration {

using scenarios::Precision;

// Where a prediction came from, best first.
enum class Provenance { kMeasured = 0, kInterpolated = 1, kExtrapolated = 2, kRoofline = 3 };
inline constexpr int kProvenanceCount = 4;
const char* to_string(Provenance p);

struct Estimate {
  double seconds = 0;
  Provenance provenance = Provenance::kRoofline;
};

// One sequence's part of a prefill: `new_tokens` query tokens attending causally to
// `context_before` cached tokens plus themselves.
struct PrefillChunk {
  int64_t new_tokens = 0;
  int64_t context_before = 0;
};

struct AttentionShape {
  int64_t heads = 0;      // query heads on this GPU
  int64_t kv_heads = 0;   // KV heads on this GPU
  int64_t head_dim = 0;   // query and key width per head
  // Value width per head when it differs from head_dim (0: head_dim). Multi-head latent attention
  // (DeepSeek-V2/V3): prefill on decompressed keys of 192 and values of 128; decode in latent space.
  int64_t value_dim = 0;
  // Keys and values are one cached tensor read once (MLA decode with weight absorption: the
  // kv_lora_rank + rope latent is the key, its first kv_lora_rank elements the value; vLLM's MLA
  // backends, FlashMLA). False: separate K and V caches.
  bool shared_kv = false;
  bool standard() const { return value_dim == 0 && !shared_kv; }
};

// The collectives the scenario language names (one enum for scenarios, profiles and costs).
using CollectiveKind = scenarios::CollectiveOp;

enum class CopyKind { kHostToDevice, kDeviceToHost, kDeviceToDevice, kPeer };

class CostModel {
 public:
  virtual ~CostModel() = default;
  // C[m,n] = A[m,k] B[k,n]; activations in `act`, weights in `weight` precision.
  virtual Estimate gemm(int64_t m, int64_t n, int64_t k, Precision act, Precision weight) const = 0;
  // `groups` independent GEMMs of one shape in one kernel (MoE experts: vLLM's fused_moe kernel,
  // vllm/model_executor/layers/fused_moe). `groups` may be fractional (an expected count of
  // active experts). Default: that many separate GEMMs; implementations that know the launch cost
  // charge it once.
  virtual Estimate grouped_gemm(double groups, int64_t m, int64_t n, int64_t k, Precision act,
                                Precision weight) const {
    Estimate one = gemm(m, n, k, act, weight);
    one.seconds *= groups;
    return one;
  }
  virtual Estimate attention_prefill(std::span<const PrefillChunk> chunks, const AttentionShape& shape,
                                     Precision kv) const = 0;
  // Paged decode attention: one query token per sequence, over `context_lens` cached tokens each.
  virtual Estimate attention_decode(std::span<const int64_t> context_lens, const AttentionShape& shape,
                                    Precision kv) const = 0;
  // Memory-bound element-wise work (activation functions, residual adds, rotary): bytes moved.
  virtual Estimate elementwise(double bytes) const = 0;
  // RMSNorm / LayerNorm over `tokens` rows of width `hidden`.
  virtual Estimate norm(int64_t tokens, int64_t hidden, Precision act) const = 0;
  // Collective among `ranks` GPUs joined by links of `link_bandwidth` bytes/s and `link_latency` s.
  virtual Estimate collective(CollectiveKind kind, double bytes, int ranks, double link_bandwidth,
                              double link_latency) const = 0;
  virtual Estimate copy(CopyKind kind, double bytes) const = 0;
};

}  // namespace stratum::calibration
