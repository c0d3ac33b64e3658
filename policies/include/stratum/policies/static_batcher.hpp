#pragma once
// Static batching as in FasterTransformer, the baseline of the Orca (Yu et al., OSDI 2022) and
// vLLM (Kwon et al., SOSP 2023) comparisons: a batch is formed, run to completion, and only then
// is the next one admitted.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "stratum/policies/batching.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::policies {

// - A batch starts when static_batch_size requests wait, or when the oldest has waited
//   static_batch_timeout_s (next_wakeup_s() says when), FCFS.
// - It runs one prefill iteration padded to its longest prompt, then decode iterations over every
//   slot, padded, until its longest output is done; nothing joins a running batch.
// - Each request's first token comes at the prefill. Every request of a batch finishes when the
//   batch finishes: the batch is returned to its callers together, as a static-batching server
//   returns one padded output tensor. This is the choice that makes static batching's latency
//   cost visible; a request's own tokens are still counted once each.
// - KV space for prompt + output is reserved per sequence when the batch forms (FasterTransformer
//   allocates its cache up front); the batch takes requests while the reservations fit, and while
//   its padded prefill (slots x longest prompt) stays within max_batched_tokens, the workspace the
//   memory plan reserved.
class StaticBatcher final : public Batcher {
 public:
  StaticBatcher(const scenarios::SchedulerSpec& spec, int64_t kv_blocks, int64_t max_model_len);

  bool enqueue(const SequenceRequest& request) override;
  const Batch& next_batch(double now_s) override;
  const IterationOutcome& complete(const Batch& batch) override;
  std::vector<Rejection> take_rejections() override;
  bool has_work() const override { return !waiting_.empty() || !batch_.empty(); }
  double next_wakeup_s() const override;
  BatcherStats stats() const override;
  // Static batching is FCFS and ignores priorities: every queued prompt is ahead of a new request.
  int64_t queued_prefill_tokens(int min_priority) const override;

 private:
  int64_t blocks_for(int64_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }
  void reject(uint64_t id, std::string reason);
  void form_batch();

  int batch_size_;
  double timeout_s_;
  int64_t max_batched_tokens_;
  int64_t block_size_;
  int64_t max_model_len_;
  int64_t total_blocks_;
  int64_t reserved_blocks_ = 0;
  int64_t waiting_prompt_tokens_ = 0;  // sum of the waiting requests' prompts
  std::deque<SequenceRequest> waiting_;  // arrival_s stamped on the first next_batch() if unknown
  std::vector<SequenceRequest> batch_;   // the running batch, empty when idle
  int64_t longest_prompt_ = 0;
  int64_t longest_output_ = 0;
  int64_t step_ = 0;  // 0: prefill next; j >= 1: decode step j
  std::vector<Rejection> rejections_;
  Batch plan_;                // returned by next_batch(), reused
  IterationOutcome outcome_;  // returned by complete(), reused
};

}  // namespace stratum::policies
