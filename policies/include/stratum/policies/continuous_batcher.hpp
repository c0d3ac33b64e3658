#pragma once
// Continuous (iteration-level) batching with a paged KV cache, after vLLM (Kwon et al., SOSP
// 2023) and Orca (Yu et al., OSDI 2022); optional chunked prefill after Sarathi-Serve (Agrawal et
// al., OSDI 2024) and vLLM v1.
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "stratum/policies/batching.hpp"
#include "stratum/policies/speculative.hpp"
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
// - Priorities (vLLM --scheduling-policy priority): the waiting queue serves higher priority first,
//   FCFS within a priority; a preemption victim is the lowest-priority, latest-admitted running
//   sequence not in this batch, and a sequence preempts only lower priorities or later admissions
//   of its own. With one priority this is the FCFS behaviour above.
// - Speculative decoding (SpeculationConfig): each decode verifies k draft tokens (fewer near the
//   end of the output or of the token budget), reserves KV blocks for all k + 1, and emits
//   1 + the leading accepted (SpeculativeAcceptance).
class ContinuousBatcher final : public Batcher {
 public:
  // Fraction of KV blocks admission keeps free (vLLM v0 BlockSpaceManager default watermark).
  static constexpr double kWatermark = 0.01;

  ContinuousBatcher(const scenarios::SchedulerSpec& spec, int64_t kv_blocks, int64_t max_model_len,
                    const SpeculationConfig& speculation = {});

  bool enqueue(const SequenceRequest& request) override;
  const Batch& next_batch(double now_s) override;
  const IterationOutcome& complete(const Batch& batch) override;
  std::vector<Rejection> take_rejections() override;
  bool has_work() const override { return !waiting_.empty() || !running_.empty() || !kv_waiting_.empty(); }
  BatcherStats stats() const override;
  int64_t queued_prefill_tokens(int min_priority) const override;
  // Prefix caching (SchedulerSpec::prefix_caching; continuous_prefix.cpp).
  PrefixCacheStats prefix_cache_stats() const override;
  void set_kv_offload(const KvOffloadConfig& config) override;
  // Prefill-decode disaggregation (continuous_disagg.cpp).
  void release_kv(uint64_t id) override;
  // Blocks kept by finished prefill_only sequences whose KV has not been released yet.
  int64_t held_kv_blocks() const;

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
    int priority = 0;       // higher first
    SequencePrefix prefix;  // prefix caching: its hashes and the cached blocks it shares
    bool hold_kv = false;   // prefill_only: keeps its blocks after finishing, until release_kv
    bool in_prefill() const { return computed < target; }
  };

  // Prefix caching (continuous_prefix.cpp). Without it these reduce to the plain block count.
  // The longest cached prefix of a waiting sequence, in HBM or the offload tiers; memoised until
  // the cache changes.
  struct PrefixProbe {
    uint64_t id = 0;
    int64_t target = -1;
    uint64_t version = 0;
    int64_t hbm_blocks = 0;      // hit blocks found in HBM
    int64_t hbm_evictable = 0;   // of them, unreferenced (they stop being evictable when shared)
    std::vector<int32_t> where;  // per hit block: its HBM slot, or -1 - offload tier
    std::vector<uint64_t> keys;  // per hit block
  };
  void enable_prefix_cache();
  int64_t available_blocks() const { return free_blocks_ + (prefix_ ? prefix_->evictable_blocks() : 0); }
  bool make_room(int64_t blocks);       // evicts cached blocks until `blocks` are free; false if it cannot
  void release_blocks(Sequence& s);     // finish or preemption: private blocks freed, shared ones released
  const PrefixProbe& probe(const Sequence& s);
  int64_t cached_prefix(const Sequence& s);                  // tokens a new admission finds cached
  // False when even the longest possible hit leaves too few blocks to admit a chunk of at most
  // `budget` tokens: then probing the cache is wasted (always true without prefix caching).
  bool may_fit(const Sequence& s, int64_t budget) const;
  bool fits_admission(const Sequence& s, int64_t tokens);    // room for `tokens` new ones above the watermark
  int64_t take_prefix(Sequence& s, Batch& batch);            // shares the cached prefix; returns its tokens
  void register_blocks(Sequence& s);                         // caches newly computed full prompt blocks

  int64_t blocks_for(int64_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }
  bool grow(Sequence& s, int64_t tokens);
  void preempt(size_t index);
  // The running sequence, not yet in this batch, that running_[i] may preempt: the lowest
  // priority, latest admitted, below running_[i]'s priority or admitted after it; -1 if none.
  int64_t victim_after(size_t after) const;
  // Waiting-queue insertion by priority: a new request after every request of its priority or
  // higher; a preempted one before the others of its priority (vLLM prepends preempted requests).
  void enqueue_waiting(Sequence s);
  void requeue_victim(Sequence s);
  // Draft tokens a decode of `s` verifies now: k, fewer when the output or the budget ends first.
  int64_t draft_tokens(const Sequence& s, int64_t budget) const;
  void reject(uint64_t id, std::string reason);
  void schedule_whole_prefills(Batch& batch);
  void schedule_decodes(Batch& batch, int64_t& budget);
  void schedule_chunked(Batch& batch);
  void admit(Batch& batch, int64_t tokens);
  bool enqueue_prefilled(const SequenceRequest& r);  // continuous_disagg.cpp
  void admit_prefilled();                            // at the start of next_batch
  void finish_blocks(Sequence& s);                   // frees, or holds for a prefill_only sequence

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
  // Prefill tokens not yet computed (target - computed of sequences in prefill), by priority.
  std::array<int64_t, kPriorityLevels> pending_prefill_{};
  int64_t speculative_tokens_ = 0;                   // k; 0 without speculative decoding
  std::optional<SpeculativeAcceptance> acceptance_;  // set with speculative decoding
  std::deque<Sequence> waiting_;
  // Disaggregation (continuous_disagg.cpp): prefilled sequences waiting for blocks, FCFS, and
  // finished prefill_only sequences holding their blocks until release_kv.
  std::deque<Sequence> kv_waiting_;
  std::vector<Sequence> held_;
  std::vector<Sequence> running_;       // in admission order
  std::vector<Sequence> victims_;       // preempted while building the current batch
  std::vector<uint64_t> preempted_ids_; // reported by the next complete()
  std::vector<Rejection> rejections_;
  std::optional<PrefixCache> prefix_;  // set with prefix caching
  std::optional<KvTierChain> tiers_;   // set with KV offload tiers
  uint64_t cache_version_ = 1;         // bumped by every change of the cache or tiers
  PrefixProbe probe_;
  PrefixCacheStats prefix_stats_;
  Batch plan_;                // returned by next_batch(), reused
  IterationOutcome outcome_;  // returned by complete(), reused
};

}  // namespace stratum::policies
