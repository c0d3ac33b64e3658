#include "stratum/policies/continuous_batcher.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "request_checks.hpp"

namespace stratum::policies {

ContinuousBatcher::ContinuousBatcher(const scenarios::SchedulerSpec& spec, int64_t kv_blocks, int64_t max_model_len,
                                     const SpeculationConfig& speculation)
    : max_num_seqs_(spec.max_num_seqs),
      max_batched_tokens_(spec.max_batched_tokens),
      chunked_(spec.chunked_prefill),
      block_size_(spec.block_size_tokens),
      max_model_len_(max_model_len),
      total_blocks_(std::max<int64_t>(0, kv_blocks)),
      // vLLM: watermark_blocks = int(watermark * num_gpu_blocks).
      watermark_blocks_(static_cast<int64_t>(kWatermark * static_cast<double>(std::max<int64_t>(0, kv_blocks)))),
      free_blocks_(total_blocks_),
      speculative_tokens_(speculation.num_tokens) {
  if (speculative_tokens_ < 0) throw std::invalid_argument("speculative num_tokens must be >= 0");
  if (speculative_tokens_ > 0) acceptance_.emplace(speculation.acceptance_rate, speculation.seed);
  if (max_num_seqs_ < 1 || max_batched_tokens_ < 1 || block_size_ < 1) {
    throw std::invalid_argument("continuous batcher needs max_num_seqs, max_batched_tokens and block_size_tokens >= 1");
  }
  running_.reserve(static_cast<size_t>(max_num_seqs_));
  victims_.reserve(static_cast<size_t>(max_num_seqs_));
  if (spec.prefix_caching) enable_prefix_cache();
}

void ContinuousBatcher::reject(uint64_t id, std::string reason) { rejections_.push_back({id, std::move(reason)}); }

bool ContinuousBatcher::enqueue(const SequenceRequest& r) {
  if (std::string why = length_rejection(r, max_model_len_); !why.empty()) {
    reject(r.id, std::move(why));
    return false;
  }
  if (r.prefilled_tokens > 0) return enqueue_prefilled(r);  // disaggregation: continuous_disagg.cpp
  const std::string tokens = describe_tokens(r);
  // A prefill_only sequence stops after its first token; its cache holds the prompt and that token.
  const int64_t output = r.prefill_only ? 1 : r.output_tokens;
  const int64_t total = r.prompt_tokens + output;
  if (!chunked_ && r.prompt_tokens > max_batched_tokens_) {
    reject(r.id, "prompt of " + std::to_string(r.prompt_tokens) + " tokens exceeds max_batched_tokens " +
                     std::to_string(max_batched_tokens_) + " and chunked prefill is off");
    return false;
  }
  // Alone in the cache the sequence must be admissible (watermark) and able to grow to its full
  // length; then the oldest running sequence can always make progress.
  const int64_t need = blocks_for(total);
  if (need > total_blocks_ - watermark_blocks_) {
    reject(r.id, tokens + " need " + std::to_string(need) + " KV blocks of " + std::to_string(block_size_) +
                     " tokens; the cache has " + std::to_string(total_blocks_) + " blocks, " +
                     std::to_string(total_blocks_ - watermark_blocks_) + " after the 1 % admission watermark");
    return false;
  }
  Sequence s;
  s.id = r.id;
  s.prompt = r.prompt_tokens;
  s.output = output;
  s.hold_kv = r.prefill_only;
  s.target = r.prompt_tokens;
  if (r.priority < 0 || r.priority >= kPriorityLevels) {
    throw std::invalid_argument("request priority must be in [0, " + std::to_string(kPriorityLevels) + ")");
  }
  s.priority = r.priority;
  s.prefix.hashes = r.prefix_hashes;
  pending_prefill_[static_cast<size_t>(s.priority)] += s.target;
  enqueue_waiting(s);
  return true;
}

void ContinuousBatcher::enqueue_waiting(Sequence s) {
  auto it = waiting_.end();
  while (it != waiting_.begin() && std::prev(it)->priority < s.priority) --it;
  waiting_.insert(it, std::move(s));
}

void ContinuousBatcher::requeue_victim(Sequence s) {
  auto it = waiting_.begin();
  while (it != waiting_.end() && it->priority > s.priority) ++it;
  waiting_.insert(it, std::move(s));
}

int64_t ContinuousBatcher::draft_tokens(const Sequence& s, int64_t budget) const {
  // Never propose past the last output token (vLLM stops a request at max_tokens and proposes
  // nothing beyond it), nor beyond the iteration's token budget (vLLM v1 counts the spec tokens
  // in the budget).
  return std::max<int64_t>(0, std::min({speculative_tokens_, s.output - s.generated - 1, budget - 1}));
}

bool ContinuousBatcher::grow(Sequence& s, int64_t tokens) {
  const int64_t need = blocks_for(tokens) - s.blocks;
  if (need <= 0) return true;
  if (!make_room(need)) return false;  // evicts cached prefix blocks when nothing is free
  free_blocks_ -= need;
  s.blocks += need;
  return true;
}

void ContinuousBatcher::preempt(size_t index) {
  Sequence s = running_[index];
  running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(index));
  // Its uncomputed prefill, if any, is replaced by the whole re-prefill.
  pending_prefill_[static_cast<size_t>(s.priority)] +=
      s.prompt + s.generated - std::max<int64_t>(0, s.target - s.computed);
  release_blocks(s);
  s.computed = 0;
  s.target = s.prompt + s.generated;  // recompute: re-prefill the prompt and what it generated
  s.scheduled = false;
  victims_.push_back(s);
  preempted_ids_.push_back(s.id);
  ++preemptions_;
}

int64_t ContinuousBatcher::victim_after(size_t after) const {
  // vLLM priority scheduling preempts the lowest-priority, latest-arrived running request (v1
  // vllm/v1/core/sched/scheduler.py: max(running, key=(priority, arrival_time)), the requester
  // included, in which case it preempts itself); here the latest admitted, and never a sequence
  // already in this batch. With one priority: the latest admitted after `after` (RECOMPUTE).
  int64_t best = -1;
  for (size_t j = running_.size(); j-- > 0;) {
    if (j == after || running_[j].scheduled) continue;
    if (best < 0 || running_[j].priority < running_[static_cast<size_t>(best)].priority) best = static_cast<int64_t>(j);
  }
  if (best < 0) return -1;
  const int victim = running_[static_cast<size_t>(best)].priority, own = running_[after].priority;
  return victim < own || (victim == own && static_cast<size_t>(best) > after) ? best : -1;
}

void ContinuousBatcher::admit(Batch& batch, int64_t tokens) {
  Sequence s = waiting_.front();
  waiting_.pop_front();
  const int64_t cached = take_prefix(s, batch);  // 0 without prefix caching
  s.computed = cached;
  pending_prefill_[static_cast<size_t>(s.priority)] -= cached;
  grow(s, cached + tokens);
  s.scheduled = true;
  batch.entries.push_back({s.id, tokens, cached, true});
  batch.prefill_tokens += tokens;
  running_.push_back(s);
}

void ContinuousBatcher::schedule_whole_prefills(Batch& batch) {
  int64_t budget = max_batched_tokens_;
  while (!waiting_.empty() && std::ssize(running_) < max_num_seqs_) {
    const Sequence& s = waiting_.front();
    const int64_t n = s.target - cached_prefix(s);
    if (n > max_batched_tokens_) {
      // Only a recomputing sequence can get here (prompts were checked on arrival). vLLM v0
      // ignores such a sequence; Stratum rejects it with the numbers.
      reject(s.id, "re-prefill of " + std::to_string(n) + " tokens after preemption exceeds max_batched_tokens " +
                       std::to_string(max_batched_tokens_) + " and chunked prefill is off");
      pending_prefill_[static_cast<size_t>(s.priority)] -= s.target - s.computed;
      waiting_.pop_front();
      continue;
    }
    if (n > budget || !fits_admission(s, n)) break;  // FCFS: no overtaking
    admit(batch, n);
    budget -= n;
  }
}

void ContinuousBatcher::schedule_decodes(Batch& batch, int64_t& budget) {
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Sequence& s = running_[i];
    if (s.in_prefill()) {
      ++i;
      continue;
    }
    bool self_preempted = false;
    // Speculative decoding reserves KV slots for every token verified (vLLM's lookahead slots).
    const int64_t k = draft_tokens(s, budget);
    while (!grow(running_[i], running_[i].computed + 1 + k)) {
      const int64_t v = victim_after(i);
      if (v < 0) {
        preempt(i);
        self_preempted = true;
        break;
      }
      preempt(static_cast<size_t>(v));
      if (static_cast<size_t>(v) < i) --i;  // a lower-priority victim before it
    }
    if (self_preempted) continue;  // running_[i] is now the next sequence
    Sequence& d = running_[i];
    d.scheduled = true;
    batch.entries.push_back({d.id, 1 + k, d.computed, false, k});
    batch.decode_tokens += 1 + k;
    budget -= 1 + k;
    ++i;
  }
}

void ContinuousBatcher::schedule_chunked(Batch& batch) {
  int64_t budget = max_batched_tokens_;
  schedule_decodes(batch, budget);
  // Partial prefills continue, oldest first, taking what the decodes left of the budget.
  for (size_t i = 0; i < running_.size() && budget > 0; ++i) {
    if (running_[i].scheduled || !running_[i].in_prefill()) continue;
    int64_t n = std::min(running_[i].target - running_[i].computed, budget);
    while (!grow(running_[i], running_[i].computed + n)) {
      const int64_t v = victim_after(i);
      if (v < 0) {
        // Take what the free blocks hold; the rest waits for blocks to free up.
        const Sequence& s = running_[i];
        n = std::min(n, (s.blocks + available_blocks()) * block_size_ - s.computed);
        grow(running_[i], running_[i].computed + n);
        break;
      }
      preempt(static_cast<size_t>(v));
      if (static_cast<size_t>(v) < i) --i;  // a lower-priority victim before it
    }
    if (n <= 0) continue;
    Sequence& s = running_[i];
    s.scheduled = true;
    batch.entries.push_back({s.id, n, s.computed, true});
    batch.prefill_tokens += n;
    budget -= n;
  }
  if (!victims_.empty()) return;  // vLLM v1: no new admissions in a step that preempted
  while (budget > 0 && !waiting_.empty() && std::ssize(running_) < max_num_seqs_) {
    if (!may_fit(waiting_.front(), budget)) break;  // prefix caching: skips a probe that cannot help
    const int64_t n = std::min(waiting_.front().target - cached_prefix(waiting_.front()), budget);
    if (!fits_admission(waiting_.front(), n)) break;
    admit(batch, n);
    budget -= n;
  }
}

const Batch& ContinuousBatcher::next_batch(double /*now_s*/) {
  if (in_flight_) throw std::logic_error("ContinuousBatcher::next_batch called again before complete()");
  Batch& batch = plan_;
  batch.clear();
  if (!kv_waiting_.empty()) admit_prefilled();
  if (chunked_) {
    schedule_chunked(batch);
  } else {
    schedule_whole_prefills(batch);
    if (batch.empty()) {
      int64_t budget = max_batched_tokens_;
      schedule_decodes(batch, budget);
    }
  }
  // Preempted sequences go back to the front of the waiting queue, oldest admission first.
  for (auto it = victims_.begin(); it != victims_.end(); ++it) requeue_victim(std::move(*it));
  victims_.clear();
  in_flight_ = !batch.empty();
  return batch;
}

const IterationOutcome& ContinuousBatcher::complete(const Batch& batch) {
  IterationOutcome& out = outcome_;
  out.clear();
  out.preempted.swap(preempted_ids_);
  in_flight_ = false;
  size_t cursor = 0;
  bool any_done = false;
  for (const BatchEntry& e : batch.entries) {
    // Entries follow running order closely; search from the last hit, wrapping once.
    size_t idx = running_.size();
    for (size_t step = 0; step < running_.size(); ++step) {
      const size_t j = (cursor + step) % running_.size();
      if (running_[j].id == e.id && running_[j].scheduled) {
        idx = j;
        break;
      }
    }
    if (idx == running_.size()) {
      throw std::logic_error("ContinuousBatcher::complete: request " + std::to_string(e.id) + " is not running");
    }
    cursor = idx + 1;
    Sequence& s = running_[idx];
    s.scheduled = false;
    int64_t emitted = 1;
    if (e.prefill) {
      pending_prefill_[static_cast<size_t>(s.priority)] -= e.new_tokens;
      s.computed += e.new_tokens;
      if (prefix_) register_blocks(s);
    } else if (e.draft_tokens > 0) {
      // Verification of k draft tokens: the cache keeps the input token and the accepted drafts;
      // the target's own next token is emitted after them (Leviathan et al. 2023, Algorithm 1).
      emitted = acceptance_->draw(e.draft_tokens);
      s.computed += emitted;
      out.draft_tokens += e.draft_tokens;
      out.draft_tokens_accepted += emitted - 1;
      ++out.speculative_steps;
    } else {
      s.computed += e.new_tokens;
    }
    if (s.computed < s.target) continue;  // a prefill chunk that does not finish the prompt
    s.generated += emitted;
    out.tokens_emitted += emitted;
    if (s.generated == 1) out.first_token.push_back(s.id);
    if (s.generated >= s.output) {
      out.finished.push_back(s.id);
      finish_blocks(s);
      s.done = true;
      any_done = true;
    }
  }
  if (any_done) std::erase_if(running_, [](const Sequence& s) { return s.done; });
  return out;
}

std::vector<Rejection> ContinuousBatcher::take_rejections() {
  std::vector<Rejection> out;
  out.swap(rejections_);
  return out;
}

BatcherStats ContinuousBatcher::stats() const {
  // Evictable cached blocks count as free, as in vLLM's KV-cache usage (v1 BlockPool.get_usage).
  return {static_cast<int64_t>(waiting_.size() + kv_waiting_.size()), static_cast<int64_t>(running_.size()),
          total_blocks_ - available_blocks(),
          total_blocks_};
}

int64_t ContinuousBatcher::queued_prefill_tokens(int min_priority) const {
  int64_t sum = 0;
  for (int p = std::max(0, min_priority); p < kPriorityLevels; ++p) sum += pending_prefill_[static_cast<size_t>(p)];
  return sum;
}

}  // namespace stratum::policies
