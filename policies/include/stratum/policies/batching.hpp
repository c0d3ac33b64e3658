#pragma once
// Engine-iteration scheduling policies (DESIGN.md: decisions as pure functions of plain state).
// The simulator owns time; a batcher only decides what runs next and advances request state when
// told an iteration finished. No SimGrid, no I/O.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stratum/scenarios/scenario.hpp"

namespace stratum::policies {

struct SequenceRequest {
  uint64_t id = 0;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;  // tokens to generate (>= 1)
  // Arrival time, seconds. Negative: unknown; a batcher that needs it (static batching's fill
  // timeout) takes the `now_s` of the next next_batch() call instead.
  double arrival_s = -1;
};

// One sequence's work in an iteration.
struct BatchEntry {
  uint64_t id = 0;
  int64_t new_tokens = 0;      // prompt tokens computed now (prefill) or 1 (decode)
  int64_t context_before = 0;  // tokens already in the KV cache before this iteration
  bool prefill = false;
};

struct Batch {
  std::vector<BatchEntry> entries;
  int64_t prefill_tokens = 0;
  int64_t decode_tokens = 0;
  bool empty() const { return entries.empty(); }
  // Empties the batch, keeping the entries' capacity.
  void clear() {
    entries.clear();
    prefill_tokens = decode_tokens = 0;
  }
};

// What an iteration's end did to requests.
struct IterationOutcome {
  std::vector<uint64_t> first_token;  // emitted their first output token in this iteration
  std::vector<uint64_t> finished;     // generated their last token
  std::vector<uint64_t> preempted;    // lost their KV blocks (recompute later), before this iteration
  int64_t tokens_emitted = 0;
  // Empties the outcome, keeping the vectors' capacity.
  void clear() {
    first_token.clear();
    finished.clear();
    preempted.clear();
    tokens_emitted = 0;
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
};

// The batcher a scenario's scheduler section names: ContinuousBatcher or StaticBatcher.
// `kv_blocks` from calibration::plan_serving_memory; `max_model_len` the model's context limit.
std::unique_ptr<Batcher> make_batcher(const scenarios::SchedulerSpec& spec, int64_t kv_blocks, int64_t max_model_len);

}  // namespace stratum::policies
