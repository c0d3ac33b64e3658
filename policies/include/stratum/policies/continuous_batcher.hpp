#pragma once
// Continuous (iteration-level) batching with a paged KV cache, after vLLM (Kwon et al., SOSP
// 2023) and Orca (Yu et al., OSDI 2022); optional chunked prefill after Sarathi-Serve (Agrawal et
// al., OSDI 2024) and vLLM v1.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "stratum/policies/batching.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::policies {

// - FCFS waiting queue; at most max_num_seqs running, at most max_batched_tokens per iteration.
// - KV blocks of block_size_tokens, allocated as a sequence's cached tokens grow.
// - Admission keeps a watermark of 1 % of all blocks free (vLLM v0 BlockSpaceManager,
//   watermark=0.01), so that admitted sequences have room to decode.
// - When a running sequence needs a block and none is free, the most recently admitted running
//   sequence is preempted by recompute (vLLM's RECOMPUTE mode): its blocks are freed, it goes back
//   to the front of the waiting queue and later re-prefills its prompt plus the tokens it has
//   generated so far. A sequence never preempts an older one.
// - Without chunked prefill (vLLM v0 default scheduler): an iteration is prefill-only when a
//   waiting prompt can be admitted (whole prompts within the token budget; a prompt longer than
//   max_batched_tokens is rejected), else it decodes every running sequence.
// - With chunked prefill (Sarathi-Serve stall-free batching): decodes first, then the
//   continuation of partial prefills, then new prefills, chunked to fill the token budget. As in
//   vLLM v1, an iteration that preempted admits nobody new.
// - The iteration that completes a sequence's (re-)prefill emits its next token; each decode
//   emits one. A sequence finishes when it has emitted output_tokens.
class ContinuousBatcher final : public Batcher {
 public:
  // Fraction of KV blocks admission keeps free (vLLM v0 BlockSpaceManager default watermark).
  static constexpr double kWatermark = 0.01;

  ContinuousBatcher(const scenarios::SchedulerSpec& spec, int64_t kv_blocks, int64_t max_model_len);

  bool enqueue(const SequenceRequest& request) override;
  const Batch& next_batch(double now_s) override;
  const IterationOutcome& complete(const Batch& batch) override;
  std::vector<Rejection> take_rejections() override;
  bool has_work() const override { return !waiting_.empty() || !running_.empty(); }
  BatcherStats stats() const override;

  // Preemptions since construction.
  int64_t preemptions() const { return preemptions_; }
  int64_t watermark_blocks() const { return watermark_blocks_; }

 private:
  struct Sequence {
    uint64_t id = 0;
    int64_t prompt = 0;
    int64_t output = 0;
    int64_t generated = 0;  // output tokens emitted so far
    int64_t computed = 0;   // tokens whose K and V are in the cache
    int64_t target = 0;     // cached tokens needed before the next token is emitted by a prefill
    int64_t blocks = 0;     // KV blocks held
    bool scheduled = false; // in the batch handed out and not yet completed
    bool done = false;
    bool in_prefill() const { return computed < target; }
  };

  int64_t blocks_for(int64_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }
  bool grow(Sequence& s, int64_t tokens);
  void preempt(size_t index);
  // Index of the latest running sequence after `after` not yet in this batch; -1 if none.
  int64_t victim_after(size_t after) const;
  void reject(uint64_t id, std::string reason);
  void schedule_whole_prefills(Batch& batch);
  void schedule_decodes(Batch& batch, int64_t& budget);
  void schedule_chunked(Batch& batch);
  void admit(Batch& batch, int64_t tokens);

  int max_num_seqs_;
  int64_t max_batched_tokens_;
  bool chunked_;
  int64_t block_size_;
  int64_t max_model_len_;
  int64_t total_blocks_;
  int64_t watermark_blocks_;
  int64_t free_blocks_;
  int64_t preemptions_ = 0;
  bool in_flight_ = false;
  std::deque<Sequence> waiting_;
  std::vector<Sequence> running_;       // in admission order
  std::vector<Sequence> victims_;       // preempted while building the current batch
  std::vector<uint64_t> preempted_ids_; // reported by the next complete()
  std::vector<Rejection> rejections_;
  Batch plan_;                // returned by next_batch(), reused
  IterationOutcome outcome_;  // returned by complete(), reused
};

}  // namespace stratum::policies
