#pragma once
// Engine-iteration scheduling policies (DESIGN.md: decisions as pure functions of plain state).
// The simulator owns time; a batcher only decides what runs next and advances request state when
// told an iteration finished. No SimGrid, no I/O.
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "stratum/policies/kv_tiers.hpp"
#include "stratum/policies/prefix_cache.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::policies {

struct SequenceRequest {
  uint64_t id = 0;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;  // tokens to generate (>= 1)
  // Arrival time, seconds. Negative: unknown; a batcher that needs it (static batching's fill
  // timeout) takes the `now_s` of the next next_batch() call instead.
  double arrival_s = -1;
  // Scheduling priority, 0 to kPriorityLevels - 1, higher served first (continuous batching;
  // static batching ignores it). 0 for every request of a workload without classes.
  int priority = 0;
  // Prefix block hashes of the prompt (Mooncake trace hash_ids, one per 512 tokens), for prefix
  // caching (policies/prefix_cache.hpp). Memory owned by the caller (the simulator's
  // RequestPrefixes) and alive until the request finishes; empty: nothing of it can be cached.
  std::span<const uint64_t> prefix_hashes;
  // Prefill-decode disaggregation (continuous batching only; policies/src/continuous_disagg.cpp).
  // prefill_only: the prefill instance's part. The sequence leaves after its first output token
  // (emitted by the prefill, as in DistServe and Splitwise) and keeps its KV blocks until
  // release_kv(id), while its cache travels to a decode instance; it needs blocks for the prompt
  // and one token only, while the length checks still see the whole output.
  bool prefill_only = false;
  // The decode instance's part: the KV cache of this many tokens (the prompt) arrived from a
  // prefill instance and the first output token was emitted there. The sequence waits until its
  // blocks fit (no prefill computed), then decodes output_tokens - 1 tokens; a preemption drops
  // the cache and recomputes it here. 0: an ordinary request.
  int64_t prefilled_tokens = 0;
};

// Priority levels a batcher distinguishes (scenario classes: priority 0 to 15).
inline constexpr int kPriorityLevels = 16;

// One sequence's work in an iteration.
struct BatchEntry {
  uint64_t id = 0;
  int64_t new_tokens = 0;      // prompt tokens computed now (prefill) or 1 + draft_tokens (decode)
  int64_t context_before = 0;  // tokens already in the KV cache before this iteration
  bool prefill = false;
  // Speculative decoding: draft tokens the target verifies in this decode (new_tokens - 1); the
  // draft model proposed them in as many steps before the verification pass. 0 otherwise.
  int64_t draft_tokens = 0;
};

struct Batch {
  std::vector<BatchEntry> entries;
  int64_t prefill_tokens = 0;
  int64_t decode_tokens = 0;
  // Seconds to reload cached prefix blocks from KV offload tiers for the prefills admitted in this
  // iteration: on their critical path, added to the iteration's time (policies/kv_tiers.hpp).
  double reload_s = 0;
  bool empty() const { return entries.empty(); }
  // Empties the batch, keeping the entries' capacity.
  void clear() {
    entries.clear();
    prefill_tokens = decode_tokens = 0;
    reload_s = 0;
  }
};

// What an iteration's end did to requests.
struct IterationOutcome {
  std::vector<uint64_t> first_token;  // emitted their first output token in this iteration
  std::vector<uint64_t> finished;     // generated their last token
  std::vector<uint64_t> preempted;    // lost their KV blocks (recompute later), before this iteration
  int64_t tokens_emitted = 0;
  // Speculative decoding: draft tokens verified, and those the target accepted, in this iteration.
  int64_t draft_tokens = 0;
  int64_t draft_tokens_accepted = 0;
  int64_t speculative_steps = 0;  // decode entries that verified at least one draft token
  // Empties the outcome, keeping the vectors' capacity.
  void clear() {
    first_token.clear();
    finished.clear();
    preempted.clear();
    tokens_emitted = 0;
    draft_tokens = draft_tokens_accepted = speculative_steps = 0;
  }
};

struct Rejection {
  uint64_t id = 0;
  std::string reason;
};

struct BatcherStats {
  int64_t waiting = 0;
  int64_t running = 0;
  int64_t kv_blocks_used = 0;
  int64_t kv_blocks_total = 0;
};

// Speculative decoding of a continuous batcher (Leviathan et al., ICML 2023). num_tokens 0: off.
struct SpeculationConfig {
  int num_tokens = 0;          // k: draft tokens proposed per decode step
  double acceptance_rate = 0;  // alpha: each accepted i.i.d. with this probability
  uint64_t seed = 0;           // of the acceptance draws (policies/speculative.hpp)
};

// Common interface of the scheduling policies, so the engine actor does not care which it runs.
class Batcher {
 public:
  virtual ~Batcher() = default;
  // Adds a request; returns false (and records a rejection) when it can never be served.
  virtual bool enqueue(const SequenceRequest& request) = 0;
  // Chooses the next iteration's batch. Empty when nothing can run now. The batch lives in the
  // batcher, reused from iteration to iteration so the hot path does not allocate: it stays
  // valid until the next call of next_batch().
  virtual const Batch& next_batch(double now_s) = 0;
  // Advances state after `batch` ran. Preemptions decided in next_batch are reported here too.
  // The outcome stays valid until the next call of complete().
  virtual const IterationOutcome& complete(const Batch& batch) = 0;
  // Rejections since the last call.
  virtual std::vector<Rejection> take_rejections() = 0;
  virtual bool has_work() const = 0;
  // Earliest time at which next_batch may return work without new arrivals (static batching's
  // fill timeout); negative when none.
  virtual double next_wakeup_s() const { return -1; }
  virtual BatcherStats stats() const = 0;
  // Prefill tokens queued at priority `min_priority` or higher: the work a new request of that
  // priority waits behind (higher priorities are served first). O(kPriorityLevels).
  virtual int64_t queued_prefill_tokens(int min_priority) const = 0;
  // Prefix caching's counters (continuous batching with prefix caching on; disabled otherwise).
  virtual PrefixCacheStats prefix_cache_stats() const { return {}; }
  // Adds KV offload tiers below the prefix cache. Only a continuous batcher with prefix caching
  // has them (the loader rejects other combinations); the others throw std::logic_error.
  virtual void set_kv_offload(const KvOffloadConfig& /*config*/) {
    throw std::logic_error("KV offload tiers need continuous batching with prefix caching");
  }
  // Frees the KV blocks a prefill_only sequence kept after it finished (its transfer completed).
  // Only the continuous batcher takes prefill_only sequences; the others throw std::logic_error.
  virtual void release_kv(uint64_t /*id*/) {
    throw std::logic_error("prefill-decode disaggregation needs continuous batching");
  }
};

// The batcher a scenario's scheduler section names: ContinuousBatcher or StaticBatcher.
// `kv_blocks` from calibration::plan_serving_memory; `max_model_len` the model's context limit.
// `speculation`: continuous batching only (the loader rejects static batching with it).
std::unique_ptr<Batcher> make_batcher(const scenarios::SchedulerSpec& spec, int64_t kv_blocks, int64_t max_model_len,
                                      const SpeculationConfig& speculation = {});

}  // namespace stratum::policies
